"""What a questionnaire holds about a person, for the personal-data export (schools/privacy.py)."""

from __future__ import annotations

from typing import Any

from schools.models import User
from schools.privacy import when
from surveys.models import Invitation


def invitations(user: User) -> list[dict[str, Any]]:
    # Not whether an invitation was used: staff make this export, and the back office must
    # not be able to learn who answered (docs/privacy.md, the threat model).
    return [
        {"school": i.round.school.name, "round_opened": when(i.round.opens_at)}
        for i in Invitation.objects.filter(user=user).select_related("round__school")
    ]
