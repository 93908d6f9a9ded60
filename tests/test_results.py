"""The leader reads a closed round: scores, spread, own view, trend, signals, suggestions; the
dashboard shows the latest of it; every figure through the anonymity rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schools.models import School, Team, User
from surveys.models import Invitation, Round, SuggestionChoice
from surveys.services import submit_answers

from .conftest import with_two_factor
from .factories import MembershipFactory, UserFactory
from .survey_helpers import close_and_count, open_round, write_draft


@pytest.fixture
def demo(db: None) -> School:
    call_command("seed_demo", quiet=True)
    return School.objects.get(slug="de-regenboog")


@pytest.fixture
def demo_leader(demo: School, client: Client) -> Client:
    client.force_login(User.objects.get(email="leider@regenboog.test"))
    return client


def latest(school: School) -> Round:
    round_ = Round.objects.filter(school=school).order_by("-opens_at").first()
    assert round_ is not None
    return round_


def test_the_demo_dashboard_shows_scores_trend_a_tension_signal_and_suggestions(
    demo: School, demo_leader: Client
) -> None:
    page = demo_leader.get(f"/s/{demo.slug}/").content.decode()
    assert page.count('data-testid="dashboard-theme"') == 4
    assert "Collectief leren" in page
    assert "<svg" in page  # the trend sparklines
    assert 'data-testid="dashboard-signal"' in page
    assert "Spanning" in page
    assert 'data-testid="dashboard-suggestion"' in page
    assert "signaleert spanningen en maakt deze bespreekbaar." in page


def test_the_dashboard_reads_in_english_too(demo: School, demo_leader: Client) -> None:
    demo_leader.cookies["django_language"] = "en"
    page = demo_leader.get(f"/s/{demo.slug}/").content.decode()
    assert "Collective learning" in page
    assert "Tension" in page
    assert "notices tensions and makes them discussable." in page


def test_the_results_page_shows_signals_with_reasons_and_suggestions(
    demo: School, demo_leader: Client
) -> None:
    round_ = latest(demo)
    response = demo_leader.get(f"/s/{demo.slug}/rounds/{round_.pk}/results/")
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert 'data-testid="signal-tension"' in page
    assert 'data-testid="signal-warning_sign"' in page
    assert page.count('data-testid="theme-row"') == 5
    assert 'role="img"' in page
    assert "Aanbeveling 2" in page


def test_a_leader_marks_a_suggestion_chosen_and_can_undo_it(
    demo: School, demo_leader: Client
) -> None:
    round_ = latest(demo)
    page = demo_leader.get(f"/s/{demo.slug}/rounds/{round_.pk}/results/").content.decode()
    import re

    key = re.search(r'id="suggestion-([a-z0-9-]+)"', page)
    assert key
    url = f"/s/{demo.slug}/rounds/{round_.pk}/suggestions/{key.group(1)}/"
    response = demo_leader.post(url, {"status": "chosen"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Gekozen" in response.content.decode()
    assert SuggestionChoice.objects.get(round=round_, key=key.group(1)).status == "chosen"
    demo_leader.post(url, {"status": "chosen"})
    assert not SuggestionChoice.objects.filter(round=round_).exists()
    assert demo_leader.post(url, {"status": "maybe"}).status_code == 400
    bad = f"/s/{demo.slug}/rounds/{round_.pk}/suggestions/no-such-thing/"
    assert demo_leader.post(bad, {"status": "chosen"}).status_code == 404


def test_a_teacher_cannot_see_results(demo: School, client: Client) -> None:
    client.force_login(User.objects.get(email="leerkracht1@regenboog.test"))
    round_ = latest(demo)
    assert client.get(f"/s/{demo.slug}/rounds/{round_.pk}/results/").status_code == 404


def _closed_rounds(school: School, team: Team | None, count: int) -> list[Round]:
    teachers = [UserFactory.create() for _ in range(5)]
    for teacher in teachers:
        MembershipFactory.create(user=teacher, school=school, team=team)
    rounds = []
    now = timezone.now()
    for index in range(count):
        when = now - timedelta(days=400 * (count - index))
        round_ = open_round(school, team=team, now=when, threshold=5)
        items = list(round_.version.items.all())
        for n, invitation in enumerate(Invitation.objects.filter(round=round_)):
            write_draft(invitation, {str(item.pk): 1 + (n + index) % 5 for item in items})
            submit_answers(invitation_id=invitation.pk, now=when)
        rounds.append(close_and_count(round_))
    return rounds


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_results_and_dashboard_cost_the_same_queries_for_one_or_ten_rounds(
    client: Client, leader: User, school: School, team: Team, other_school: School
) -> None:
    client.force_login(leader)
    one = _closed_rounds(school, team, 1)[-1]
    one_results = _queries(client, f"/s/{school.slug}/rounds/{one.pk}/results/")
    one_dashboard = _queries(client, f"/s/{school.slug}/")

    # The same leader at a second school with ten rounds of history.
    from schools.models import Membership

    Membership.objects.create(user=leader, school=other_school, role="leader")
    other_team = Team.objects.create(school=other_school, name="Team")
    ten = _closed_rounds(other_school, other_team, 10)[-1]
    assert _queries(client, f"/s/{other_school.slug}/rounds/{ten.pk}/results/") == one_results
    assert _queries(client, f"/s/{other_school.slug}/") == one_dashboard


def test_a_board_admin_sees_the_boards_schools_side_by_side(demo: School, client: Client) -> None:
    client.force_login(with_two_factor(User.objects.get(email="bestuur@regenboog.test")))
    assert client.get("/")["Content-Type"].startswith("text/html")
    page = client.get(f"/board/{demo.board.slug}/").content.decode()  # type: ignore[union-attr]
    assert page.count('data-testid="board-school"') == 1
    assert "OBS De Regenboog" in page and "Collectief leren" in page
    assert "3,0" in page  # the demo school's latest score for collective learning


def test_a_board_overview_hides_a_school_below_the_threshold(
    client: Client, school: School, team: Team
) -> None:
    from schools.models import Membership

    admin = UserFactory.create()
    Membership.objects.create(user=admin, board=school.board, role="board_admin")
    _closed_rounds(school, None, 1)  # a round for the whole school
    Round.objects.filter(school=school).update(threshold=6, open_threshold=6)
    client.force_login(with_two_factor(admin))
    page = client.get(f"/board/{school.board.slug}/").content.decode()  # type: ignore[union-attr]
    assert "Te weinig deelnemers" in page


def test_only_the_boards_admin_sees_the_board(demo: School, client: Client, leader: User) -> None:
    client.force_login(User.objects.get(email="leider@regenboog.test"))
    assert client.get(f"/board/{demo.board.slug}/").status_code == 404  # type: ignore[union-attr]


def test_the_leader_downloads_the_released_figures_as_csv_and_excel(
    demo: School, demo_leader: Client
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    round_ = latest(demo)
    csv = demo_leader.get(f"/s/{demo.slug}/rounds/{round_.pk}/export.csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv["Cache-Control"] == "no-store"
    text = csv.content.decode("utf-8-sig")
    assert "Collectief leren" in text
    xlsx = demo_leader.get(f"/s/{demo.slug}/rounds/{round_.pk}/export.xlsx")
    workbook = load_workbook(BytesIO(xlsx.content))
    assert len(workbook.sheetnames) == 4


def test_an_export_below_the_threshold_is_refused_with_the_reason(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = _closed_rounds(school, team, 1)[0]
    Round.objects.filter(pk=round_.pk).update(threshold=6, open_threshold=6)
    client.force_login(leader)
    response = client.get(f"/s/{school.slug}/rounds/{round_.pk}/export.xlsx", follow=True)
    assert response.redirect_chain[-1][0].endswith("/results/")
    assert "Minder dan 6 collega" in response.content.decode()
