from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template

from surveys.models import Round

register = template.Library()


@register.filter
def get(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``{{ values|get:item.pk }}``: a dictionary lookup by a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def status_at(round_: Round, now: datetime) -> str:
    return round_.status(now)
