"""A person's own data, for a request under the AVG (article 15: the right of access). The back
office exports it from the admin (`UserAdmin`, action "Export personal data"); erasure is the
admin's delete, which cascades through every table that names the person (docs/privacy.md).

Anonymous data is not in the export because it cannot be tied to anyone: questionnaire answers,
check-ins, reactions, practice input and reflections have no user."""

from __future__ import annotations

from typing import Any

from schools.models import AuditEntry, Membership, User


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(user: User) -> dict[str, Any]:
    from interviews.models import Interview
    from nudges.models import Nudge, Reflection, Rule
    from planning.models import Topic
    from practice.models import Conversation
    from surveys.models import Invitation

    interviews = (
        Interview.objects.filter(teacher=user)
        .select_related("round__school")
        .prefetch_related("notes__themes")
        .order_by("pk")
    )
    return {
        "account": {
            "email": user.email,
            "name": user.full_name,
            "language": user.language,
            "joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
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
        # Not whether an invitation was used: staff make this export, and the back office
        # must not be able to learn who answered (docs/privacy.md, the threat model).
        "questionnaire_invitations": [
            {"school": i.round.school.name, "round_opened": _when(i.round.opens_at)}
            for i in Invitation.objects.filter(user=user).select_related("round__school")
        ],
        "interviews_about_me": [
            {
                "school": interview.round.school.name,
                "scheduled_at": _when(interview.scheduled_at),
                "notes": [
                    {
                        "written": _when(note.created_at),
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
        ],
        "my_reflections": [
            {"written": _when(r.created_at), "text": r.text}
            for r in Reflection.objects.filter(author=user).order_by("created_at")
        ],
        "my_prepared_conversations": [
            {
                "title": c.title,
                "with": c.with_whom,
                "seen": c.seen,
                "feel": c.feel,
                "want": c.want,
                "ask": c.ask,
            }
            for c in Conversation.objects.filter(teacher=user).order_by("pk")
        ],
        "topics_i_suggested": [
            {"text": t.text, "status": t.status, "name_shown": t.show_name}
            for t in Topic.objects.filter(suggested_by=user).order_by("pk")
        ],
        # Not the reminders to finish a questionnaire: they exist only until the person
        # answers, so they would tell the staff who make this export who has not.
        "nudges_to_me": [
            {"rule": n.rule, "created": _when(n.created_at), "state": n.state}
            for n in Nudge.objects.filter(recipient=user)
            .exclude(rule=Rule.RESPONDENTS)
            .order_by("pk")
        ],
        "what_i_opened": [
            {"when": _when(e.at), "action": e.action, "object": e.object_id}
            for e in AuditEntry.objects.filter(actor=user).order_by("pk")
        ],
    }
