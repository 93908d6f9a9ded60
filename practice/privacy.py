"""What the practice kit holds about a person, for the personal-data export
(schools/privacy.py): the conversations they prepared."""

from __future__ import annotations

from typing import Any

from practice.models import Conversation
from schools.models import User


def prepared_conversations(user: User) -> list[dict[str, Any]]:
    return [
        {
            "title": c.title,
            "with": c.with_whom,
            "seen": c.seen,
            "feel": c.feel,
            "want": c.want,
            "ask": c.ask,
        }
        for c in Conversation.objects.filter(teacher=user).order_by("pk")
    ]
