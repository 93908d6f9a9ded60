from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)


def no_store(response: R) -> R:
    """Personal or team-sensitive pages (results, interview notes, the focus group) are never
    kept by a browser cache or a proxy."""
    response["Cache-Control"] = "no-store"
    return response
