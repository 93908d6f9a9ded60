from __future__ import annotations

from django.apps import AppConfig


class DialoogConfig(AppConfig):
    name = "dialoog"
    verbose_name = "dialoog"

    def ready(self) -> None:
        # The login receiver (idle clock, two-factor decision) must be connected before the
        # first login, not when the middleware happens to be loaded.
        from . import middleware  # noqa: F401
