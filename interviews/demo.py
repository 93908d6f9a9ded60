"""The demo school's interviews (``manage.py seed_demo``): one with each of the first five
teachers after the latest round, with coded notes. Made up; safe to run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.utils import timezone

from interventions.models import Theme
from interviews.models import Interview, InterviewNote
from schools.models import School, User
from surveys.models import Round

# (note, themes it is coded to, tension, wants help to raise something with a colleague)
INTERVIEW_NOTES = [
    (
        "Voelt zich gehoord in de onderbouw, maar merkt dat lastige onderwerpen in de "
        "teamvergadering blijven liggen.",
        (1, 3),
        True,
        False,
    ),
    (
        "Wil graag vaker bij collega's in de klas kijken; mist tijd om samen voor te bereiden.",
        (2,),
        False,
        False,
    ),
    (
        "Er speelt iets met een collega over de verdeling van taken; wil dat graag bespreken "
        "maar weet niet hoe. Vraagt of de schoolleider het gesprek wil leiden.",
        (3, 4),
        True,
        True,
    ),
    (
        "Vindt de sfeer fijn, maar zegt niet altijd wat ze denkt om de rust te bewaren.",
        (1, 4),
        True,
        False,
    ),
    (
        "Heeft behoefte aan duidelijke afspraken over hoe we feedback geven.",
        (1,),
        False,
        False,
    ),
]


def seed_interviews(school: School, leader: User, teachers: Sequence[User]) -> None:
    """Interviews with five teachers after the latest round, with coded notes."""

    latest = Round.objects.filter(school=school).order_by("-opens_at").first()
    if latest is None or latest.interviews.exists():
        return
    themes = {t.number: t for t in Theme.objects.all()}
    for index, (teacher, (text, theme_numbers, tension, wants_help)) in enumerate(
        zip(teachers, INTERVIEW_NOTES, strict=False)
    ):
        interview = Interview.objects.create(
            round=latest,
            teacher=teacher,
            scheduled_at=timezone.localtime(latest.closes_at + timedelta(days=3 + index)).replace(
                hour=15, minute=15, second=0, microsecond=0
            ),
            brings_own_answers=index % 2 == 0,
            created_by=leader,
        )
        note = InterviewNote.objects.create(
            interview=interview,
            text=text,
            tension=tension,
            wants_help=wants_help,
            may_quote=index != 2,
        )
        note.themes.set([themes[n] for n in theme_numbers])
