"""Translated model fields: a field ``x`` is stored as ``x_nl`` and ``x_en``; the active
language picks one, and Dutch fills in when the English text is still empty."""

from __future__ import annotations

from django.utils.translation import get_language


def pick(obj: object, field: str) -> str:
    language = (get_language() or "nl")[:2]
    value = getattr(obj, f"{field}_{language}", "") if language == "en" else ""
    return value or getattr(obj, f"{field}_nl")
