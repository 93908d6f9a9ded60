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

from focusgroups.demo import seed_focus_group
from interviews.demo import seed_interviews
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
        seed_interviews(
            school, leader, [User.objects.get(email=teacher_email(n)) for n in range(1, 6)]
        )
        seed_focus_group(school, leader)

        seed_year_plan(school, leader)
        seed_topics(school)

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
