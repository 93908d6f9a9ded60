"""Static files as WhiteNoise serves them in production, with each URL worked out once."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest does not change while a process runs, and every page asks for the same
    few URLs, so each is looked up, hashed and quoted once per process instead of on every
    ``{% static %}`` of every page (a tenth of rendering a short page; bench/RESULTS.md)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return str(super().url(name, force))
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = str(super().url(name))
            return url
