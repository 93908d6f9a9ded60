"""The leader's dashboard is built on every visit (there is no page cache), so it must stay
cheap by itself: a school with six years of released rounds costs the same queries as a school
with one, and the released results come from the rounds' tallies, through the anonymity gate."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools.models import Membership, School, Team, User
from surveys.models import Invitation, Round
from surveys.services import submit_answers

from .factories import MembershipFactory, TeamFactory, UserFactory
from .survey_helpers import close_and_count, open_round, write_draft

# The person (the session comes from Redis) and the school (tenancy); the teachers and teams;
# the school's rounds with their versions; the released round's gates (one count for its whole
# history), the theme sums of every released round and its own tallies, the leader's view, the
# suggestions chosen, the catalogue (recommendations, interventions); the open reminders; the
# steps' counts (invited to the newest round, interviews, focus sessions with their
# agreements, activities this school year); the navigation's memberships; the school's board,
# whose name the page shows. The round's statements are not read again: a version is frozen,
# so each process reads them once (surveys.models.frozen_content), on the first visit.
DASHBOARD_QUERIES = 19


def _rounds(school: School, team: Team, answered: Sequence[int]) -> list[Round]:
    """A round of the team's five teachers for each number in ``answered``, half a year
    apart, the newest closed a month ago, each answered by that many and counted, as beat
    does after closing. The threshold is five."""
    teachers = [UserFactory.create() for _ in range(5)]
    for teacher in teachers:
        MembershipFactory.create(user=teacher, school=school, team=team)
    now = timezone.now()
    rounds = []
    for index, answering in enumerate(answered):
        when = now - timedelta(days=45 + 182 * (len(answered) - 1 - index))
        round_ = open_round(school, team=team, now=when, threshold=5)
        items = list(round_.version.items.all())
        for n, invitation in enumerate(Invitation.objects.filter(round=round_)[:answering]):
            write_draft(invitation, {str(item.pk): 1 + (n + index) % 5 for item in items})
            submit_answers(invitation_id=invitation.pk, now=when)
        rounds.append(close_and_count(round_))
    return rounds


def _queries(client: Client, url: str) -> tuple[int, str]:
    # The session, the content types and the version's statements come from memory after this.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _points(page: str) -> list[int]:
    """How many rounds each theme's trend line on the dashboard shows."""
    rows = re.findall(r'<tr data-testid="dashboard-theme">.*?</tr>', page, re.S)
    return [row.count("<circle") for row in rows]


def test_six_years_of_released_rounds_cost_the_same_queries_as_one(
    client: Client, leader: User, school: School, team: Team, other_school: School
) -> None:
    client.force_login(leader)
    _rounds(school, team, [5])
    one, page = _queries(client, f"/s/{school.slug}/")
    assert _points(page) == [1, 1, 1, 1]

    # The same leader at a second school with two rounds a year for six years.
    Membership.objects.create(user=leader, school=other_school, role=Membership.Role.LEADER)
    _rounds(other_school, TeamFactory.create(school=other_school), [5] * 12)
    twelve, page = _queries(client, f"/s/{other_school.slug}/")

    assert one == twelve == DASHBOARD_QUERIES
    assert _points(page) == [12, 12, 12, 12]


def test_a_round_the_gate_keeps_shut_is_left_out_of_the_trend(
    client: Client, leader: User, school: School, team: Team
) -> None:
    client.force_login(leader)
    # The middle round: four of the five answered, below the threshold.
    _rounds(school, team, [5, 4, 5])

    queries, page = _queries(client, f"/s/{school.slug}/")

    assert queries == DASHBOARD_QUERIES
    assert _points(page) == [2, 2, 2, 2]


def test_the_dashboard_shows_no_results_while_the_newest_round_is_below_the_threshold(
    client: Client, leader: User, school: School, team: Team
) -> None:
    client.force_login(leader)
    _rounds(school, team, [4])

    page = client.get(f"/s/{school.slug}/").content.decode()

    assert 'data-testid="latest-results"' not in page
    assert "Minder dan 5 collega" in page


def test_a_newest_round_below_the_threshold_is_marked_and_the_last_results_stay(
    client: Client, leader: User, school: School, team: Team
) -> None:
    client.force_login(leader)
    released, short = _rounds(school, team, [5, 4])

    queries, page = _queries(client, f"/s/{school.slug}/")

    assert queries == DASHBOARD_QUERIES
    state = re.search(r'data-testid="state-round">([^<]*)<', page)
    assert state is not None and state.group(1) == "Te weinig antwoorden"
    assert "Minder dan 5 collega" in page  # what the gate says, on the round's step
    # The results shown are the earlier round's, which were released.
    assert 'data-testid="latest-results"' in page
    assert f"/rounds/{released.pk}/results/" in page
    assert f"/rounds/{short.pk}/results/" not in page


def test_a_round_that_is_still_being_counted_says_so(
    client: Client, leader: User, school: School, team: Team
) -> None:
    client.force_login(leader)
    (released,) = _rounds(school, team, [5])
    newer = open_round(school, team=team, now=timezone.now() - timedelta(days=10))
    Round.objects.filter(pk=newer.pk).update(closes_at=timezone.now() - timedelta(minutes=1))

    page = client.get(f"/s/{school.slug}/").content.decode()

    state = re.search(r'data-testid="state-round">([^<]*)<', page)
    assert state is not None and state.group(1) == "Wordt geteld"
    assert f"/rounds/{released.pk}/results/" in page
