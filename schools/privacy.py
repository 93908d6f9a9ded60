"""A person's own data, for a request under the AVG (article 15: the right of access). The back
office exports it from the admin (`UserAdmin`, action "Export personal data"); erasure is the
admin's delete, which cascades through every table that names the person (docs/privacy.md).

Each app exports what it holds about a person itself: it registers a section
(``register_export``, from its ``AppConfig.ready``) with a function of the person.

Anonymous data is not in the export because it cannot be tied to anyone: questionnaire answers,
check-ins, reactions, practice input and reflections have no user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.socialaccount.models import SocialAccount

from schools.models import AuditEntry, Departure, Membership, User

Export = Callable[[User], list[dict[str, Any]]]
_sections: dict[str, Export] = {}


def register_export(section: str, export: Export) -> None:
    _sections[section] = export


def when(value: Any) -> str | None:
    """A moment as the export writes it."""
    return value.isoformat() if value is not None else None


def export_person(user: User) -> dict[str, Any]:
    return {
        "account": {
            "email": user.email,
            "name": user.full_name,
            "language": user.language,
            "joined": when(user.date_joined),
            "last_login": when(user.last_login),
        },
        "memberships": [
            {
                "role": m.role,
                "school": m.school.name if m.school else None,
                "board": m.board.name if m.board else None,
                "team": m.team.name if m.team else None,
            }
            for m in Membership.objects.filter(user=user).select_related("school", "board", "team")
        ],
        # Single sign-on (schools/sso.py): the provider accounts linked to this person, with
        # what the provider said about them.
        "sign_in_accounts": [
            {
                "provider": a.provider,
                "id_at_provider": a.uid,
                "linked": when(a.date_joined),
                "last_login": when(a.last_login),
                "from_provider": a.extra_data,
            }
            for a in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "schools_left": [
            {
                "school": d.school.name,
                "team": d.team.name if d.team else None,
                "left_on": when(d.left_on),
            }
            for d in Departure.objects.filter(user=user).select_related("school", "team")
        ],
        **{section: export(user) for section, export in _sections.items()},
        "what_i_opened": [
            {"when": when(e.at), "action": e.action, "object": e.object_id}
            for e in AuditEntry.objects.filter(actor=user).order_by("pk")
        ],
    }
