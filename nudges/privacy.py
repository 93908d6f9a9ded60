"""What the nudges hold about a person, for the personal-data export (schools/privacy.py)."""

from __future__ import annotations

from typing import Any

from nudges.models import Nudge, Reflection, Rule
from schools.models import User
from schools.privacy import when


def reflections(user: User) -> list[dict[str, Any]]:
    return [
        {"written": when(r.created_at), "text": r.text}
        for r in Reflection.objects.filter(author=user).order_by("created_at")
    ]


def nudges_to(user: User) -> list[dict[str, Any]]:
    # Not the reminders to finish a questionnaire: they exist only until the person answers,
    # so they would tell the staff who make this export who has not.
    return [
        {"rule": n.rule, "created": when(n.created_at), "state": n.state}
        for n in Nudge.objects.filter(recipient=user).exclude(rule=Rule.RESPONDENTS).order_by("pk")
    ]
