"""Rounds are counted soon after they close (surveys.retention.tally_closed): results, trend
and the national picture then read a few tallies instead of every answer, and look exactly
the same. A released round cannot be opened again, so its tallies never go stale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Avg
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools.models import School, Team, User
from surveys import anonymity
from surveys.models import Answer, Ballot, Block, Invitation, Response, Round, RoundTally
from surveys.national import MIN_SCHOOLS, national_theme_means
from surveys.report import build
from surveys.retention import tally_closed
from surveys.services import submit_answers
from surveys.tasks import tally_closed_rounds

from .factories import MembershipFactory, SchoolFactory, TeamFactory, UserFactory
from .survey_helpers import close_and_count, committed, open_round, write_draft
from .test_retention import NOW, answered_round, fingerprint, purge


def _tally(at: Any = NOW) -> int:
    with time_machine.travel(at, tick=False):
        return tally_closed(now=timezone.now())


def test_a_released_round_is_counted_once_after_closing(school: School, team: Team) -> None:
    released = answered_round(school, team, closed_months_ago=1, answered=6)
    below = answered_round(school, team, closed_months_ago=1, answered=2)
    still_open = answered_round(school, team, closed_months_ago=0, answered=6)
    Round.objects.filter(pk=still_open.pk).update(closes_at=NOW + timedelta(minutes=5))

    assert _tally() == 2
    assert RoundTally.objects.filter(round=released).exists()
    assert not RoundTally.objects.filter(round=below).exists()  # never shown: nothing kept
    assert not RoundTally.objects.filter(round=still_open).exists()
    assert set(Round.objects.exclude(tallied_at=None).values_list("pk", flat=True)) == {
        released.pk,
        below.pk,
    }
    assert _tally() == 0  # a second run finds nothing to do
    assert _tally(NOW + timedelta(minutes=6)) == 1  # the round that was still open, now


def test_the_beat_opens_and_counts_closed_rounds_every_minute() -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["tally-closed-rounds"]
    assert entry["task"] == tally_closed_rounds.name
    assert entry["schedule"] == 60.0


def test_figures_read_from_the_tallies_are_the_figures_of_the_answers(
    school: School, team: Team
) -> None:
    old = answered_round(school, team, closed_months_ago=14, answered=7)
    young = answered_round(school, team, closed_months_ago=2, answered=6)
    before = {r.pk: fingerprint(build(r, NOW)) for r in (old, young)}
    distributions = anonymity.item_distributions(young, NOW)

    _tally()
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.is_tallied and young.is_tallied
    with CaptureQueriesContext(connection) as captured:
        after = {r.pk: fingerprint(build(r, NOW)) for r in (old, young)}
        assert anonymity.item_distributions(young, NOW) == distributions
    assert after == before
    # No answer is read any more for a counted round.
    assert not [q for q in captured.captured_queries if '"surveys_answer"' in q["sql"]]

    # The purge later keeps the tallies it finds (no second copy) and the same figures.
    count = RoundTally.objects.count()
    School.objects.filter(pk=school.pk).update(retention_months=12)
    purge()
    old.refresh_from_db()
    assert old.is_purged and not Answer.objects.filter(response__round=old).exists()
    assert RoundTally.objects.count() == count
    assert fingerprint(build(old, NOW)) == before[old.pk]


def test_a_released_round_cannot_be_opened_again_but_one_below_the_threshold_can(
    client: Client, leader: User, school: School, team: Team
) -> None:
    with time_machine.travel(NOW, tick=False):
        released = answered_round(school, team, closed_months_ago=1, answered=6)
        # Another team: the same team with two more teachers in the same weeks would be the
        # released round plus two people, which anonymity.subtraction_risk refuses to reopen.
        other_team = TeamFactory.create(school=school, name="Bovenbouw")
        below = answered_round(school, other_team, closed_months_ago=1, answered=2)
        tally_closed(now=timezone.now())
        client.force_login(leader)
        later = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
        page = client.post(
            f"/s/{school.slug}/rounds/{released.pk}/extend/", {"closes_at": later}, follow=True
        ).content.decode()
        assert "kan niet opnieuw worden geopend" in page
        assert Round.objects.get(pk=released.pk).closes_at == released.closes_at

        client.post(f"/s/{school.slug}/rounds/{below.pk}/extend/", {"closes_at": later})
        reopened = Round.objects.get(pk=below.pk)
        assert reopened.is_open(timezone.now())
        assert reopened.tallied_at is None  # counted again when it closes


def test_below_the_threshold_the_box_stays_sealed_until_a_reopened_round_reaches_it(
    client: Client, leader: User, school: School, team: Team
) -> None:
    """Three of five needed: nothing is opened at closing (the three ballots stay sealed, so
    no batch of three is ever written); the leader extends the round, two more answer, and at
    the next close all five are opened together."""
    for n in range(6):
        MembershipFactory.create(
            user=UserFactory.create(email=f"box{n}@linde.test"), school=school, team=team
        )
    round_ = open_round(school, team=team, threshold=5)
    items = {str(pk): 4 for pk in round_.version.items.values_list("pk", flat=True)}
    invitations = list(Invitation.objects.filter(round=round_))

    def send(invitation: Invitation) -> None:
        write_draft(invitation, items)
        submit_answers(invitation_id=invitation.pk, now=timezone.now())

    for invitation in invitations[:3]:
        send(invitation)
    close_and_count(round_)
    assert round_.tallied_at is not None and round_.box_opened_at is None
    assert Ballot.objects.filter(round=round_).count() == 3
    assert not Response.objects.exists()
    assert not anonymity.round_gate(round_, timezone.now()).released

    client.force_login(leader)
    later = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/s/{school.slug}/rounds/{round_.pk}/extend/", {"closes_at": later})
    round_.refresh_from_db()
    assert round_.accepts_ballots(timezone.now())
    for invitation in invitations[3:5]:
        send(invitation)
    close_and_count(round_)
    assert round_.box_opened_at is not None
    assert not Ballot.objects.exists()
    assert Response.objects.filter(round=round_).count() == 5
    assert anonymity.round_gate(round_, timezone.now()).respondents == 5
    # Opened once: the round cannot be reopened any more.
    page = client.post(
        f"/s/{school.slug}/rounds/{round_.pk}/extend/", {"closes_at": later}, follow=True
    ).content.decode()
    assert "kan niet opnieuw worden geopend" in page


def test_a_leader_closing_a_round_has_it_counted_at_once(
    client: Client, leader: User, school: School, team: Team
) -> None:
    for n in range(5):
        MembershipFactory.create(
            user=UserFactory.create(email=f"now{n}@linde.test"), school=school, team=team
        )
    round_ = open_round(school, team=team, threshold=5)
    items = {str(pk): 2 for pk in round_.version.items.values_list("pk", flat=True)}
    for invitation in Invitation.objects.filter(round=round_):
        write_draft(invitation, items)
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    client.force_login(leader)
    detail = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert 'data-testid="results-link"' not in detail
    with committed():
        client.post(f"/s/{school.slug}/rounds/{round_.pk}/close/", {"confirm": "on"})
    detail = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert 'data-testid="results-link"' in detail
    assert Response.objects.filter(round=round_).count() == 5
    # Released: the turnout is the final number the results rest on, not the hourly count.
    assert 'data-testid="response-rate">5 van 5 geantwoord<' in detail
    assert "Definitief" in detail


def test_while_the_box_is_being_opened_the_round_says_so_and_looks_again(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = open_round(school, team=team, threshold=5)
    Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now())
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/rounds/{round_.pk}/").content.decode()
    assert "De antwoorden worden geteld" in page
    assert 'hx-trigger="every 3s"' in page
    client.cookies["django_language"] = "en"
    english = client.get(f"/s/{school.slug}/rounds/{round_.pk}/results/").content.decode()
    assert "The answers are being counted" in english


# --- the national picture -----------------------------------------------------------------


def _schools(n: int, *, months_ago: int = 2, answered: int = 5) -> list[Round]:
    rounds = []
    for _ in range(n):
        school = SchoolFactory.create()
        rounds.append(
            answered_round(
                school,
                TeamFactory.create(school=school),
                closed_months_ago=months_ago,
                answered=answered,
            )
        )
    # The national picture is of whole-school rounds.
    Round.objects.filter(pk__in=[r.pk for r in rounds]).update(team=None)
    return rounds


def test_the_national_picture_needs_enough_schools(db: None) -> None:
    _schools(MIN_SCHOOLS - 1)
    _tally()
    assert national_theme_means(NOW) is None


@pytest.mark.django_db
def test_the_national_picture_is_the_mean_of_every_released_answer_of_the_year() -> None:
    counted = _schools(MIN_SCHOOLS)
    _schools(1, months_ago=14)  # older than a year
    _schools(1, answered=2)  # never released
    _tally()
    national = national_theme_means(NOW)
    assert national is not None and national.schools == MIN_SCHOOLS

    expected = {
        row["item__theme__number"]: row["mean"]
        for row in Answer.objects.filter(
            response__round__in=counted, item__block=Block.THEME, value__isnull=False
        )
        .values("item__theme__number")
        .annotate(mean=Avg(anonymity._favourable()))
    }
    assert {t: n.mean for t, n in national.themes.items()} == pytest.approx(expected)
    assert (
        sum(n.answers for n in national.themes.values())
        == Answer.objects.filter(
            response__round__in=counted, item__block=Block.THEME, value__isnull=False
        ).count()
    )


def test_the_national_picture_is_two_queries(db: None, django_assert_num_queries: Any) -> None:
    _schools(MIN_SCHOOLS)
    _tally()
    with django_assert_num_queries(2):
        national_theme_means(NOW)
