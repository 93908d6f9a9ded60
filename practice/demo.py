"""Demo data for the practice kit (called by ``seed_demo``). The library itself comes from the
data migration; this adds two run sessions of "giving and receiving feedback" with the team's
reflections (enough to pass the threshold, so the trend shows), one planned session, and the
preparation of a difficult conversation by the teacher whose interview note asks the leader
to lead it (Aanbeveling 4)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from planning.models import Activity
from schools.models import School, User

from .models import Conversation, Format, PracticeSession, Reflection

# (days ago, helped answers, what we keep doing)
RUNS = [
    (
        70,
        [3, 4, 3, 2, 4, 3],
        ["Eerst samenvatten voordat je reageert.", "Feedback over één concreet moment."],
    ),
    (
        21,
        [4, 4, 5, 3, 4, 4, 5],
        [
            "Eerst samenvatten voordat je reageert.",
            "De observator die zegt wat hielp.",
            "Oefenen in drietallen met echte situaties.",
        ],
    ),
]


def _activity(school: School, leader: User, title: str, day_offset: int) -> Activity:
    tz = timezone.get_current_timezone()
    day = timezone.localdate() + timedelta(days=day_offset)
    activity, _created = Activity.objects.get_or_create(
        school=school,
        title=title,
        defaults={
            "kind": Activity.Kind.FEEDBACK_PRACTICE,
            "starts_at": datetime.combine(day, time(15, 15), tzinfo=tz),
            "duration_minutes": 45,
            "created_by": leader,
        },
    )
    return activity


def seed_practice(school: School, leader: User) -> None:
    """Idempotent: activities are found by title; a session that has reflections is left."""
    feedback = Format.objects.library().get(slug="feedback")
    for number, (days_ago, helped, keep) in enumerate(RUNS, start=1):
        activity = _activity(
            school, leader, f"Oefenen: feedback geven en ontvangen ({number})", -days_ago
        )
        activity.agenda = feedback.agenda_text()
        activity.save(update_fields=["agenda"])
        activity.interventions.add(*feedback.interventions.all())
        session, _created = PracticeSession.objects.get_or_create(
            activity=activity, defaults={"format": feedback, "threshold": 5}
        )
        if session.reflections.exists():
            continue
        session.started_at = activity.starts_at
        session.closed_at = activity.starts_at + timedelta(minutes=45)
        session.current = feedback.steps.count()
        session.save()
        texts = keep + [""] * (len(helped) - len(keep))
        Reflection.objects.bulk_create(
            Reflection(session=session, helped=h, keep=k)
            for h, k in zip(helped, texts, strict=True)
        )
    planned = _activity(school, leader, "Oefenen: het gesprek over het gesprek", 14)
    conversation = Format.objects.library().get(slug="gesprek-over-het-gesprek")
    if not PracticeSession.objects.filter(activity=planned).exists():
        planned.kind = Activity.Kind.GROUP_REFLECTION
        planned.agenda = conversation.agenda_text()
        planned.save(update_fields=["kind", "agenda"])
        planned.interventions.add(*conversation.interventions.all())
        PracticeSession.objects.create(activity=planned, format=conversation)
    teacher = User.objects.filter(email="leerkracht3@regenboog.test").first()
    if teacher is not None:
        seed_conversation(school, leader, teacher)


DEMO_CONVERSATION = {
    "title": "Verdeling van de taken",
    "with_whom": "een collega uit de bovenbouw",
    "seen": "De laatste maanden komen extra taken steeds bij mij terecht; in de vergadering "
    "zegt niemand er iets over.",
    "feel": "Ik voel me niet gezien en ben er eerlijk gezegd moe van.",
    "want": "Een verdeling die we samen afspreken en die iedereen kent.",
    "ask": "Dat we samen de takenlijst doorlopen en kijken wat jij kunt overnemen.",
    "share_seen": True,
    "share_want": True,
    "share_ask": True,
}


def seed_conversation(school: School, leader: User, teacher: User) -> None:
    """The feeling stays private: the teacher shares what they saw, want and ask."""
    Conversation.objects.get_or_create(
        school=school,
        teacher=teacher,
        title=DEMO_CONVERSATION["title"],
        defaults={**DEMO_CONVERSATION, "chair": leader, "notified_chair": leader},
    )
