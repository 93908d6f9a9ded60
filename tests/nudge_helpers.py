"""Helpers for the nudge tests: a fixed school-day moment, schools built in one go, a round
with or without tension."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from dialoog.celery import app as celery_app
from nudges.models import Nudge
from nudges.rules import scan
from planning.models import Activity
from schools.models import Membership, School, User
from surveys.models import Answer, Item, Response, Round

from .factories import MembershipFactory, SchoolFactory, UserFactory
from .survey_helpers import open_round

AMS = ZoneInfo("Europe/Amsterdam")
# A Tuesday in November 2026, outside every school holiday.
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=AMS)


def build_school(name: str = "OBS Nudge", teachers: int = 0) -> tuple[School, User, list[User]]:
    school = SchoolFactory.create(name=name)
    leader = UserFactory.create()
    MembershipFactory.create(user=leader, school=school, role=Membership.Role.LEADER)
    people = [UserFactory.create() for _ in range(teachers)]
    for person in people:
        MembershipFactory.create(user=person, school=school, role=Membership.Role.TEACHER)
    return school, leader, people


def activity(school: School, kind: str, at: datetime, agenda: str = "") -> Activity:
    return Activity.objects.create(
        school=school, kind=kind, title=kind, starts_at=at, duration_minutes=60, agenda=agenda
    )


def busy(school: School) -> None:
    """A plan that keeps R1 and R5-practice quiet around NOW."""
    activity(school, Activity.Kind.EVALUATION, NOW + timedelta(weeks=3), agenda="Terugblik")
    activity(school, Activity.Kind.FEEDBACK_PRACTICE, NOW + timedelta(weeks=4), agenda="Oefenen")


def closed_round(school: School, *, tension: bool, at: datetime = NOW) -> Round:
    """A round that closed a week before ``at``, with six responses: split in two camps on
    every statement (tension) or all in agreement."""
    with time_machine.travel(at - timedelta(weeks=3), tick=False):
        round_ = open_round(school, threshold=3)
    # Closed, and its responses are what the opened ballot box left (surveys.ballots).
    Round.objects.filter(pk=round_.pk).update(
        closes_at=at - timedelta(weeks=1), box_opened_at=at - timedelta(weeks=1)
    )
    items = list(Item.objects.filter(version=round_.version))
    for n in range(6):
        response = Response.objects.create(round=round_)
        value = (1 if n < 3 else 5) if tension else 4
        Answer.objects.bulk_create(Answer(response=response, item=i, value=value) for i in items)
    return round_


def rules_for(user: User, now: datetime = NOW) -> set[str]:
    return set(
        Nudge.objects.filter(recipient=user).live().values_list("rule", flat=True).distinct()
    )


def run(now: datetime = NOW) -> None:
    scan(now=now)


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` (and back), dropping cached connections."""
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("broker_url", "broker_transport_options")}

    def reset() -> None:
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.update(broker_url=url, broker_transport_options={"visibility_timeout": 3600})
    reset()
    try:
        yield
    finally:
        conf.update(saved)
        reset()
