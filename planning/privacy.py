"""What the year plan holds about a person, for the personal-data export (schools/privacy.py):
the topics they suggested."""

from __future__ import annotations

from typing import Any

from planning.models import Topic
from schools.models import User


def topics_suggested_by(user: User) -> list[dict[str, Any]]:
    return [
        {"text": t.text, "status": t.status, "name_shown": t.show_name}
        for t in Topic.objects.filter(suggested_by=user).order_by("pk")
    ]
