"""Build the demo school, so a newcomer sees every screen with data. Safe to run again: it
finds what is already there instead of adding a second copy."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from focusgroups.models import (
    Agreement,
    CheckIn,
    FocusPhase,
    FocusSession,
    Reaction,
    Vote,
    voter_hash,
)
from interventions.models import Theme
from interviews.models import Interview, InterviewNote
from nudges.demo import seed_nudges
from planning.calendar import seed_year_plan
from planning.topics import seed_topics
from practice.demo import seed_practice
from schools.models import Board, Membership, School, Team, User
from surveys.models import Draft, Invitation, LeaderAnswer, QuestionnaireTemplate, Round
from surveys.retention import tally_closed
from surveys.sealing import Answers
from surveys.services import past_round, submit_answers

DEMO_PASSWORD = "dialoog-demo"  # noqa: S105 - a published demo login, never for production

LEADER = ("leider@regenboog.test", "Marieke Bakker")
BOARD_ADMIN = ("bestuur@regenboog.test", "Henk Visser")
ADMIN = ("admin@regenboog.test", "Beheerder")
TEACHERS = [
    ("Onderbouw", "Anouk de Vries"),
    ("Onderbouw", "Bram Jansen"),
    ("Onderbouw", "Chantal Mulder"),
    ("Onderbouw", "Daan Smit"),
    ("Onderbouw", "Esra Yilmaz"),
    ("Onderbouw", "Fleur van Dijk"),
    ("Bovenbouw", "Gijs de Boer"),
    ("Bovenbouw", "Hanna Peters"),
    ("Bovenbouw", "Imre Hendriks"),
    ("Bovenbouw", "Joyce van Leeuwen"),
    ("Bovenbouw", "Karim El Amrani"),
    ("Bovenbouw", "Lotte Dekker"),
]
OTHER_LEADER = ("leider@kompas.test", "Pieter de Graaf")


# Per open question (what goes well; what is left unsaid; what would help).
OPEN_ANSWERS = [
    [
        "We helpen elkaar snel als iemand iets nodig heeft.",
        "De sfeer is fijn en we kunnen met elkaar lachen.",
        "In de onderbouw stemmen we goed af.",
        "Nieuwe collega's worden goed opgevangen.",
    ],
    [
        "In de teamvergadering zeggen we niet altijd wat we echt vinden.",
        "Er wordt soms over elkaar gepraat in plaats van met elkaar.",
        "Lastige onderwerpen laten we liggen, zoals de verdeling van taken.",
        "Ik durf niet altijd te zeggen dat ik het anders zou doen.",
    ],
    [
        "Vaker bij elkaar in de klas kijken en daarover napraten.",
        "Meer tijd om samen lessen voor te bereiden.",
        "Afspraken over hoe we feedback geven.",
        "Een vast moment om te bespreken hoe het gaat in het team.",
    ],
]


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


def teacher_email(index: int) -> str:
    return f"leerkracht{index}@regenboog.test"


class Command(BaseCommand):
    help = "Create (or complete) the demo school with a leader and 12 teachers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    @transaction.atomic
    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        board, _ = Board.objects.get_or_create(
            slug="stichting-samen-leren", defaults={"name": "Stichting Samen Leren"}
        )
        school, _ = School.objects.get_or_create(
            slug="de-regenboog",
            defaults={"name": "OBS De Regenboog", "board": board, "region": "midden"},
        )
        teams = {
            name: Team.objects.get_or_create(school=school, name=name)[0]
            for name in ("Onderbouw", "Bovenbouw")
        }
        leader = self._person(*LEADER)
        self._member(leader, school, Membership.Role.LEADER)
        for index, (team, name) in enumerate(TEACHERS, start=1):
            teacher = self._person(teacher_email(index), name)
            self._member(teacher, school, Membership.Role.TEACHER, team=teams[team])
        board_admin = self._person(*BOARD_ADMIN)
        Membership.objects.get_or_create(
            user=board_admin, board=board, role=Membership.Role.BOARD_ADMIN
        )
        admin = self._person(*ADMIN)
        if not admin.is_staff:
            admin.is_staff = admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])

        # A second school of another board: shows that schools never see each other.
        other_board, _ = Board.objects.get_or_create(
            slug="stichting-het-kompas", defaults={"name": "Stichting Het Kompas"}
        )
        other, _ = School.objects.get_or_create(
            slug="het-kompas",
            defaults={"name": "CBS Het Kompas", "board": other_board, "region": "noord"},
        )
        Team.objects.get_or_create(school=other, name="Team")
        self._member(self._person(*OTHER_LEADER), other, Membership.Role.LEADER)

        self._closed_round(school, leader)
        seed_practice(school, leader)
        seed_nudges(school)

        if not quiet:
            self.stdout.write(self.style.SUCCESS("Demo school ready: OBS De Regenboog"))
            self.stdout.write(f"  password for every demo login: {DEMO_PASSWORD}")
            self.stdout.write(f"  school leader : {LEADER[0]}")
            self.stdout.write(f"  teacher       : {teacher_email(1)} … {teacher_email(12)}")
            self.stdout.write(f"  board admin   : {BOARD_ADMIN[0]}")
            self.stdout.write(f"  back office   : {ADMIN[0]}  (/admin/)")
            self.stdout.write(f"  other school  : {OTHER_LEADER[0]}")

    def _closed_round(self, school: School, leader: User) -> None:
        """Three rounds for the whole school, two years apart and the last one closed six weeks
        ago, each answered by all twelve teachers. Made up, but they tell the article's story:
        a fine school where everything could be said, and then kinks in the cables: a pleasant
        surface with things left unsaid, and a team split on collective learning."""

        if Round.objects.filter(school=school).exists():
            return
        for years_ago in (2, 1, 0):
            self._demo_round(school, leader, years_ago)
        self._demo_interviews(school, leader)
        self._demo_focus_group(school, leader)

        seed_year_plan(school, leader)
        seed_topics(school)

    def _demo_focus_group(self, school: School, leader: User) -> None:
        """A finished focus group on the latest round: check-ins, reactions that were shown
        or held back, dots, and the agreements and goals the team made."""

        latest = Round.objects.filter(school=school).order_by("-opens_at").first()
        if latest is None or latest.focus_sessions.exists():
            return
        when = timezone.localtime(latest.closes_at + timedelta(days=14)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        session = FocusSession.objects.create(
            round=latest,
            created_by=leader,
            title=f"Focusgroep {school.name}",
            closed_at=when,
            # The check-in was shown to the room, so it is frozen as it was.
            checkin_revealed=True,
            checkin_frozen=True,
        )
        FocusSession.objects.filter(pk=session.pk).update(created_at=when)
        phases = [
            FocusPhase(session=session, order=1, kind="checkin", minutes=5),
            FocusPhase(
                session=session,
                order=2,
                kind="theme",
                minutes=20,
                theme=Theme.objects.get(number=3),
                signal_key="tension-3",
            ),
            FocusPhase(session=session, order=3, kind="theme", minutes=15, signal_key="warning"),
            FocusPhase(session=session, order=4, kind="agreements", minutes=20),
        ]
        FocusPhase.objects.bulk_create(phases)
        CheckIn.objects.bulk_create(
            CheckIn(session=session, emotion=emotion)
            for emotion in ["hopeful"] * 4 + ["calm"] * 3 + ["unsure"] * 3 + ["worried"] * 2
        )
        for phase, texts in ((phases[1], FOCUS_REACTIONS[0]), (phases[2], FOCUS_REACTIONS[1])):
            for index, (text, status, dots) in enumerate(texts):
                reaction = Reaction.objects.create(phase=phase, text=text, status=status)
                Vote.objects.bulk_create(
                    Vote(reaction=reaction, voter=voter_hash(f"demo-{index}-{n}"))
                    for n in range(dots)
                )
        review = when.date() + timedelta(days=42)
        Agreement.objects.bulk_create(
            Agreement(session=session, kind=kind, text=text, owner=owner, review_on=review)
            for kind, text, owner in FOCUS_AGREEMENTS
        )

    def _demo_interviews(self, school: School, leader: User) -> None:
        """Interviews with five teachers after the latest round, with coded notes."""

        latest = Round.objects.filter(school=school).order_by("-opens_at").first()
        if latest is None or latest.interviews.exists():
            return
        themes = {t.number: t for t in Theme.objects.all()}
        for index, (text, theme_numbers, tension, wants_help) in enumerate(INTERVIEW_NOTES):
            teacher = User.objects.get(email=teacher_email(index + 1))
            interview = Interview.objects.create(
                round=latest,
                teacher=teacher,
                scheduled_at=timezone.localtime(
                    latest.closes_at + timedelta(days=3 + index)
                ).replace(hour=15, minute=15, second=0, microsecond=0),
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

    def _demo_round(self, school: School, leader: User, years_ago: int) -> None:
        template = QuestionnaireTemplate.objects.filter(is_active=True).order_by("pk").first()
        if template is None:
            return
        closes_at = timezone.now() - timedelta(days=42 + 365 * years_ago)
        round_ = past_round(
            school=school, template=template, closes_at=closes_at, created_by=leader
        )
        opens_at = round_.opens_at
        rng = random.Random(2019 + years_ago)
        items = list(round_.version.items.select_related("theme"))
        questions = list(round_.version.open_questions.all())
        for index, invitation in enumerate(Invitation.objects.filter(round=round_)):
            answers = {
                str(item.pk): self._demo_value(item, index, rng, years_ago) for item in items
            }
            texts = {
                str(q.pk): OPEN_ANSWERS[n % 3][(index // 2 + years_ago) % 4]
                for n, q in enumerate(questions)
                if (index + n) % 2 == 0
            }
            Draft.sealed(invitation, Answers(scores=answers, texts=texts)).save()
            submit_answers(invitation_id=invitation.pk, now=opens_at + timedelta(days=1))
        # The leader thinks all is well: a blind spot where the team is split or silent.
        LeaderAnswer.objects.bulk_create(
            LeaderAnswer(round=round_, item=item, value=int(item.favourable(4))) for item in items
        )
        Round.objects.filter(pk=round_.pk).update(leader_done=True)
        # What beat does after a round closes: open its ballot box, count it, and keep the
        # turnout its leader sees.
        now = timezone.now()
        tally_closed(now=now, round_ids=[round_.pk])
        Round.objects.filter(pk=round_.pk).record_turnout(now)

    @staticmethod
    def _demo_value(item: Any, index: int, rng: random.Random, years_ago: int) -> int:
        """0 = "weet ik niet"; otherwise 1..5 on the item's own scale."""
        if rng.random() < (0.04 if years_ago else 0.08):
            return 0
        if years_ago:
            # The fine school: the wind in the sails, everything can be said.
            favourable = rng.choice([3, 4, 4, 5] if years_ago == 2 else [3, 4, 4, 4, 5])
        elif item.key in ("all_can_be_said", "left_unsaid"):
            # "Niet alles wordt meer gezegd": the warning sign.
            favourable = rng.choice([2, 2, 3, 3, 4])
        elif item.block == "climate":
            # ... while the atmosphere still seems fine.
            favourable = rng.choice([4, 4, 5])
        elif item.theme.number == 3:
            # Collective learning splits the team into two camps.
            favourable = rng.choice([4, 5]) if index < 6 else rng.choice([1, 2])
        elif item.theme.number == 4:
            favourable = rng.choice([2, 3, 3, 4])
        else:
            favourable = rng.choice([3, 4, 4, 5])
        return int(item.favourable(favourable))

    def _person(self, email: str, name: str) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _member(
        self, user: User, school: School, role: str, *, team: Team | None = None
    ) -> Membership:
        membership, _ = Membership.objects.get_or_create(
            user=user, school=school, role=role, defaults={"team": team}
        )
        return membership
