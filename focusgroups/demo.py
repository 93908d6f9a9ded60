"""The demo school's focus group (``manage.py seed_demo``): one finished session on the latest
round, with check-ins, reactions shown or held back, dots, and the agreements and goals the
team made. Made up; safe to run again."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from focusgroups import models as focus
from interventions.models import Theme
from schools.models import School, User
from surveys.models import Round

# Reactions per theme phase: (text, shown or held back, dots).
FOCUS_REACTIONS = [
    [
        ("Ja, we praten te weinig over lessen en te veel over roosters.", "shown", 7),
        ("Onderbouw en bovenbouw werken langs elkaar heen.", "shown", 5),
        ("Ik mis tijd om bij elkaar te kijken.", "shown", 4),
        ("Sommige mensen zeggen nooit iets in de vergadering.", "hidden", 0),
    ],
    [
        ("Herkenbaar: we zijn aardig voor elkaar, maar zeggen niet alles.", "shown", 8),
        ("Ik weet niet goed hoe ik iets lastigs aankaart.", "shown", 6),
    ],
]
FOCUS_AGREEMENTS = [
    (
        "agreement",
        "We zeggen het in de vergadering als we het ergens niet mee eens zijn.",
        "het hele team",
    ),
    (
        "agreement",
        "Persoonlijke zaken parkeren we en bespreken we apart met de schoolleider.",
        "het hele team",
    ),
    (
        "goal",
        "Elke zes weken bespreken we samen een les die we bij elkaar hebben gezien.",
        "Marieke Bakker",
    ),
]


def seed_focus_group(school: School, leader: User) -> None:
    """A finished focus group on the latest round: check-ins, reactions that were shown
    or held back, dots, and the agreements and goals the team made."""

    latest = Round.objects.filter(school=school).order_by("-opens_at").first()
    if latest is None or latest.focus_sessions.exists():
        return
    when = timezone.localtime(latest.closes_at + timedelta(days=14)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    session = focus.FocusSession.objects.create(
        round=latest,
        created_by=leader,
        title=f"Focusgroep {school.name}",
        closed_at=when,
        # The check-in was shown to the room, so it is frozen as it was.
        checkin_revealed=True,
        checkin_frozen=True,
    )
    focus.FocusSession.objects.filter(pk=session.pk).update(created_at=when)
    phases = [
        focus.FocusPhase(session=session, order=1, kind="checkin", minutes=5),
        focus.FocusPhase(
            session=session,
            order=2,
            kind="theme",
            minutes=20,
            theme=Theme.objects.get(number=3),
            signal_key="tension-3",
        ),
        focus.FocusPhase(session=session, order=3, kind="theme", minutes=15, signal_key="warning"),
        focus.FocusPhase(session=session, order=4, kind="agreements", minutes=20),
    ]
    focus.FocusPhase.objects.bulk_create(phases)
    focus.CheckIn.objects.bulk_create(
        focus.CheckIn(session=session, emotion=emotion)
        for emotion in ["hopeful"] * 4 + ["calm"] * 3 + ["unsure"] * 3 + ["worried"] * 2
    )
    for phase, texts in ((phases[1], FOCUS_REACTIONS[0]), (phases[2], FOCUS_REACTIONS[1])):
        for index, (text, status, dots) in enumerate(texts):
            reaction = focus.Reaction.objects.create(phase=phase, text=text, status=status)
            focus.Vote.objects.bulk_create(
                focus.Vote(reaction=reaction, voter=focus.voter_hash(f"demo-{index}-{n}"))
                for n in range(dots)
            )
    review = when.date() + timedelta(days=42)
    focus.Agreement.objects.bulk_create(
        focus.Agreement(session=session, kind=kind, text=text, owner=owner, review_on=review)
        for kind, text, owner in FOCUS_AGREEMENTS
    )
