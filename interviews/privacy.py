"""What the interviews hold about a person, for the personal-data export
(schools/privacy.py): the interviews with them and the notes written during them."""

from __future__ import annotations

from typing import Any

from interviews.models import Interview
from schools.models import User
from schools.privacy import when


def interviews_about(user: User) -> list[dict[str, Any]]:
    interviews = (
        Interview.objects.filter(teacher=user)
        .select_related("round__school")
        .prefetch_related("notes__themes")
        .order_by("pk")
    )
    return [
        {
            "school": interview.round.school.name,
            "scheduled_at": when(interview.scheduled_at),
            "notes": [
                {
                    "written": when(note.created_at),
                    "text": note.text,
                    "themes": [str(theme) for theme in note.themes.all()],
                    "tension": note.tension,
                    "wants_help": note.wants_help,
                    "may_quote": note.may_quote,
                }
                for note in interview.notes.all()
            ],
        }
        for interview in interviews
    ]
