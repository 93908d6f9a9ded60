"""The retention period (AVG): after a school's chosen number of months, answers, interview
notes and focus-group input are deleted by a nightly task, and the released results stay
exactly as they were shown (schools.retention with the purges the apps register, and
surveys.anonymity)."""

from __future__ import annotations

import itertools
import re
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from focusgroups.models import Agreement, CheckIn, FocusPhase, FocusSession, Reaction, Vote
from interviews.models import Interview, InterviewNote
from nudges.rules import RECENT
from schools.models import RETENTION_MONTHS_DEFAULT, Membership, School, Team, User
from schools.retention import months_before, purge_expired
from schools.tasks import purge_expired_data
from surveys import anonymity
from surveys.ballots import open_box
from surveys.models import (
    Answer,
    Invitation,
    LeaderAnswer,
    OpenAnswer,
    QuestionnaireTemplate,
    Response,
    Round,
    RoundTally,
    TemplateItem,
)
from surveys.report import RoundReport, build
from surveys.services import submit_answers

from .factories import MembershipFactory, SchoolFactory, TeamFactory, UserFactory
from .survey_helpers import open_round, write_draft

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 10, 3, 15, tzinfo=AMSTERDAM)
_people = itertools.count()


def answered_round(
    school: School, team: Team, *, closed_months_ago: int, answered: int, threshold: int = 5
) -> Round:
    """A round of ``team`` that closed about ``closed_months_ago`` months before NOW, with
    ``answered`` different submissions, each with an open answer, and the leader's view."""
    for _ in range(answered):
        user = UserFactory.create(email=f"r{next(_people)}@{school.slug}.test")
        MembershipFactory.create(user=user, school=school, team=team)
    closes = months_before(NOW, closed_months_ago)
    opened = closes - timedelta(days=14)
    round_ = open_round(school, team=team, now=opened, threshold=threshold, days=14)
    items = list(round_.version.items.all())
    question = round_.version.open_questions.first()
    assert question is not None
    for n, invitation in enumerate(Invitation.objects.filter(round=round_)[:answered]):
        write_draft(
            invitation,
            {str(item.pk): (n + item.pk) % 6 for item in items},  # 0: "don't know"
            {str(question.pk): f"Open antwoord {n}"},
        )
        submit_answers(invitation_id=invitation.pk, now=opened + timedelta(days=1))
    LeaderAnswer.objects.bulk_create(
        LeaderAnswer(round=round_, item=item, value=1 + item.pk % 5) for item in items
    )
    # Its ballot box is opened a minute after closing, as beat does; not yet counted into
    # tallies (some tests look at the round before that).
    open_box(round_, closes + timedelta(minutes=1))
    round_.refresh_from_db()
    return round_


def interview_with_notes(round_: Round, *, months_ago: int) -> Interview:
    teacher = UserFactory.create(email=f"i{next(_people)}@{round_.school.slug}.test")
    MembershipFactory.create(user=teacher, school=round_.school)
    interview = Interview.objects.create(
        round=round_, teacher=teacher, scheduled_at=months_before(NOW, months_ago)
    )
    note = InterviewNote.objects.create(interview=interview, text="Wil hulp bij een gesprek")
    note.themes.set([1, 2])
    return interview


def session_with_input(round_: Round, *, months_ago: int) -> FocusSession:
    session = FocusSession.objects.create(round=round_, title="Teamdag")
    FocusSession.objects.filter(pk=session.pk).update(closed_at=months_before(NOW, months_ago))
    phase = FocusPhase.objects.create(session=session, order=0, kind=FocusPhase.Kind.THEME)
    CheckIn.objects.create(session=session, emotion="hopeful")
    reaction = Reaction.objects.create(phase=phase, text="Herkenbaar", status="shown")
    Vote.objects.create(reaction=reaction, voter="a" * 64)
    Agreement.objects.create(
        session=session, text="We bespreken werkdruk", owner="team", review_on=NOW.date()
    )
    session.refresh_from_db()
    return session


def purge() -> dict[str, int]:
    with time_machine.travel(NOW, tick=False):
        return purge_expired(now=timezone.now())


def fingerprint(report: RoundReport) -> dict[str, Any]:
    """What a report shows, with floats to nine decimals (the tallies are summed in another
    order than the answers were averaged)."""

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 9)

    return {
        "gate": (report.gate.released, report.gate.respondents),
        "themes": [
            (
                row.theme.number if row.theme else None,
                r(row.mean),
                r(row.spread),
                r(row.leader_mean),
                [(label, r(value)) for label, value in row.trend],
                [(i.item.pk, i.counts, i.leader) for i in row.items],
            )
            for row in report.themes
        ],
        "signals": [(s.kind, s.theme, s.item_ids, s.strength, s.reason) for s in report.signals],
        "suggestions": [(row.suggestion.key, row.status) for row in report.suggestions],
    }


# --- the setting --------------------------------------------------------------------------


def test_a_school_keeps_raw_data_24_months_unless_it_chooses_otherwise(school: School) -> None:
    assert school.retention_months == RETENTION_MONTHS_DEFAULT == 24


def test_the_leader_sets_the_retention_period(client: Client, leader: User, school: School) -> None:
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/retention/")
    assert page.status_code == 200
    assert 'value="24"' in page.content.decode()
    assert "Bewaartermijn" in page.content.decode()
    response = client.post(f"/s/{school.slug}/retention/", {"retention_months": "36"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.retention_months == 36
    assert "De bewaartermijn is opgeslagen." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vul een aantal maanden in."),
        ("twee jaar", "Vul een heel aantal maanden in."),
        ("18.5", "Vul een heel aantal maanden in."),
        ("11", "Kies een aantal maanden van 12 tot en met 60."),
        ("61", "Kies een aantal maanden van 12 tot en met 60."),
        ("-24", "Kies een aantal maanden van 12 tot en met 60."),
        ("99999999999", "Kies een aantal maanden van 12 tot en met 60."),
    ],
)
def test_a_wrong_retention_period_is_refused_with_a_clear_message(
    client: Client, leader: User, school: School, typed: str, message: str
) -> None:
    client.force_login(leader)
    response = client.post(f"/s/{school.slug}/retention/", {"retention_months": typed})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    if typed:
        assert f'value="{typed}"' in page  # what was typed is still there
    school.refresh_from_db()
    assert school.retention_months == 24


def test_only_the_school_leader_sets_the_retention_period(
    client: Client, school: School, teacher: User, outsider: User
) -> None:
    facilitator = UserFactory.create()
    MembershipFactory.create(user=facilitator, school=school, role=Membership.Role.FACILITATOR)
    for user in (teacher, facilitator, outsider):
        client.force_login(user)
        assert client.get(f"/s/{school.slug}/retention/").status_code == 404
        response = client.post(f"/s/{school.slug}/retention/", {"retention_months": "12"})
        assert response.status_code == 404
    school.refresh_from_db()
    assert school.retention_months == 24


def test_the_leader_finds_the_setting_beside_the_reminders(
    client: Client, leader: User, school: School, teacher: User
) -> None:
    client.force_login(leader)
    assert (
        f"/s/{school.slug}/retention/" in client.get(f"/s/{school.slug}/nudges/").content.decode()
    )
    client.force_login(teacher)
    assert "/retention/" not in client.get(f"/s/{school.slug}/nudges/").content.decode()


def test_the_database_refuses_a_period_outside_the_bounds(school: School) -> None:
    for months in (11, 61):
        with pytest.raises(IntegrityError), transaction.atomic():
            School.objects.filter(pk=school.pk).update(retention_months=months)


def test_months_are_calendar_months_in_amsterdam() -> None:
    assert months_before(datetime(2026, 3, 31, 12, tzinfo=AMSTERDAM), 1) == datetime(
        2026, 2, 28, 12, tzinfo=AMSTERDAM
    )
    assert months_before(datetime(2026, 1, 15, 8, tzinfo=AMSTERDAM), 24) == datetime(
        2024, 1, 15, 8, tzinfo=AMSTERDAM
    )
    assert months_before(datetime(2026, 3, 10, 1, tzinfo=ZoneInfo("UTC")), 13).month == 2


def test_the_shortest_period_outlasts_what_the_nudges_still_read_of_a_round() -> None:
    # nudges.rules reads the answers of rounds closed within RECENT; a purge must never come
    # first, or a nudge would be decided on an emptied round.
    assert NOW - months_before(NOW, 12) > RECENT


# --- what the purge deletes ---------------------------------------------------------------


@pytest.fixture
def world(school: School, team: Team, other_school: School) -> dict[str, Any]:
    """At NOW, with the school's period at 12 months: an old released round with an old
    interview and focus group (due), a younger round with its own (not due), an old round
    below the threshold (due, nothing to keep), and another school's old round (that school
    keeps 24 months: not due)."""
    School.objects.filter(pk=school.pk).update(retention_months=12)
    other_team = TeamFactory.create(school=other_school)
    old = answered_round(school, team, closed_months_ago=13, answered=6)
    young = answered_round(school, team, closed_months_ago=11, answered=6)
    small = answered_round(
        school, TeamFactory.create(school=school), closed_months_ago=13, answered=4
    )
    foreign = answered_round(other_school, other_team, closed_months_ago=13, answered=6)
    return {
        "old": old,
        "young": young,
        "small": small,
        "foreign": foreign,
        "old_interview": interview_with_notes(old, months_ago=13),
        "young_interview": interview_with_notes(old, months_ago=11),  # the date counts
        "foreign_interview": interview_with_notes(foreign, months_ago=13),
        "old_session": session_with_input(old, months_ago=13),
        "young_session": session_with_input(old, months_ago=11),
        "foreign_session": session_with_input(foreign, months_ago=13),
    }


def test_the_purge_deletes_exactly_what_has_passed_the_period(world: dict[str, Any]) -> None:
    old, young, small, foreign = (world[k] for k in ("old", "young", "small", "foreign"))
    leader_answers = LeaderAnswer.objects.count()
    invitations = Invitation.objects.count()

    assert purge() == {"rounds": 2, "interviews": 1, "sessions": 1}

    for gone in (old, small):
        gone.refresh_from_db()
        assert gone.purged_at == NOW
        assert not Response.objects.filter(round=gone).exists()
        assert not Answer.objects.filter(response__round=gone).exists()
        assert not OpenAnswer.objects.filter(round=gone).exists()
    for kept in (young, foreign):
        kept.refresh_from_db()
        assert kept.purged_at is None
        assert Response.objects.filter(round=kept).count() == 6
        assert OpenAnswer.objects.filter(round=kept).count() == 6
        assert not RoundTally.objects.filter(round=kept).exists()
    # The leader's own view, the invitations (the response rate) and the agreements stay.
    assert LeaderAnswer.objects.count() == leader_answers
    assert Invitation.objects.count() == invitations
    assert Agreement.objects.count() == 3

    assert not InterviewNote.objects.filter(interview=world["old_interview"]).exists()
    assert not InterviewNote.themes.through.objects.filter(
        interviewnote__interview=world["old_interview"]
    ).exists()
    for kept_interview in (world["young_interview"], world["foreign_interview"]):
        assert InterviewNote.objects.filter(interview=kept_interview).count() == 1
    world["old_interview"].refresh_from_db()
    assert world["old_interview"].notes_purged_at == NOW

    old_session = world["old_session"]
    assert not CheckIn.objects.filter(session=old_session).exists()
    assert not Reaction.objects.filter(phase__session=old_session).exists()
    assert not Vote.objects.filter(reaction__phase__session=old_session).exists()
    for kept_session in (world["young_session"], world["foreign_session"]):
        assert CheckIn.objects.filter(session=kept_session).count() == 1
        assert Vote.objects.filter(reaction__phase__session=kept_session).count() == 1
    version = old_session.version
    old_session.refresh_from_db()
    assert old_session.purged_at == NOW
    assert old_session.version == version + 1  # open screens notice


def test_the_purge_only_touches_the_schools_it_is_given(
    world: dict[str, Any], other_school: School
) -> None:
    School.objects.filter(pk=other_school.pk).update(retention_months=12)
    with time_machine.travel(NOW, tick=False):
        assert purge_expired(now=timezone.now(), school_ids=[other_school.pk]) == {
            "rounds": 1,
            "interviews": 1,
            "sessions": 1,
        }
    world["old"].refresh_from_db()
    assert world["old"].purged_at is None
    assert Response.objects.filter(round=world["old"]).count() == 6


def test_the_task_is_idempotent(world: dict[str, Any]) -> None:
    with time_machine.travel(NOW, tick=False):
        first = purge_expired_data.delay().get()
        tallies = sorted(RoundTally.objects.values_list("round_id", "item_id", "value", "count"))
        second = purge_expired_data.delay().get()
    assert first == {"rounds": 2, "interviews": 1, "sessions": 1}
    assert second == {"rounds": 0, "interviews": 0, "sessions": 0}
    assert (
        sorted(RoundTally.objects.values_list("round_id", "item_id", "value", "count")) == tallies
    )
    world["old"].refresh_from_db()
    assert world["old"].purged_at == NOW


def test_a_later_run_purges_what_has_become_due(world: dict[str, Any]) -> None:
    purge()
    with time_machine.travel(NOW + timedelta(days=62), tick=False):
        assert purge_expired(now=timezone.now()) == {"rounds": 1, "interviews": 1, "sessions": 1}


def test_the_beat_runs_the_purge_every_night() -> None:
    from dialoog.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] == "schools.tasks.purge_expired_data"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3}


def _purge_queries(count: int, school: School) -> int:
    team = TeamFactory.create(school=school)
    for _ in range(count):
        round_ = answered_round(school, team, closed_months_ago=30, answered=5)
        interview_with_notes(round_, months_ago=30)
        session_with_input(round_, months_ago=30)
    with CaptureQueriesContext(connection) as captured:
        assert purge() == {"rounds": count, "interviews": count, "sessions": count}
    return len(captured)


def test_the_purge_costs_the_same_queries_for_one_or_many_rounds(db: None) -> None:
    one = _purge_queries(1, SchoolFactory.create())
    assert _purge_queries(6, SchoolFactory.create()) == one


# --- what stays ---------------------------------------------------------------------------


def test_the_released_figures_of_a_purged_round_stay_identical(world: dict[str, Any]) -> None:
    old, young = world["old"], world["young"]
    gate = anonymity.round_gate(old, NOW)
    distributions = anonymity.item_distributions(old, NOW)
    means = anonymity.theme_means(old, NOW)
    stats = anonymity.theme_stats(old, NOW)
    trend = anonymity.theme_trend([old, young], NOW)
    assert gate.released and distributions and means and stats and trend

    purge()
    old.refresh_from_db()
    with CaptureQueriesContext(connection) as captured:
        assert anonymity.round_gate(old, NOW) == gate
    assert len(captured) == 0  # the count is kept on the round
    assert anonymity.item_distributions(old, NOW) == distributions
    assert anonymity.theme_means(old, NOW) == pytest.approx(means)
    kept = anonymity.theme_stats(old, NOW)
    assert kept is not None and kept.keys() == stats.keys()
    for theme, stat in kept.items():
        assert stat.answers == stats[theme].answers
        assert stat.mean == pytest.approx(stats[theme].mean)
        assert stat.spread == pytest.approx(stats[theme].spread)
    kept_trend = anonymity.theme_trend([old, young], NOW)
    assert kept_trend.keys() == trend.keys()
    for round_id, theme_means in kept_trend.items():
        assert theme_means == pytest.approx(trend[round_id])


def test_a_round_below_the_threshold_keeps_nothing_and_stays_hidden(
    world: dict[str, Any],
) -> None:
    small = world["small"]
    purge()
    small.refresh_from_db()
    assert small.purged_respondents is None
    assert not RoundTally.objects.filter(round=small).exists()
    gate = anonymity.round_gate(small, NOW)
    assert (gate.released, gate.respondents, gate.reason) == (False, None, "below_threshold")
    assert anonymity.item_distributions(small, NOW) is None
    assert anonymity.theme_stats(small, NOW) is None
    assert anonymity.theme_trend([small], NOW) == {}
    # Not even by hand: the schema refuses a kept count below the threshold.
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=small.pk).update(purged_respondents=4)


def test_open_answers_are_gone_and_the_report_says_so(world: dict[str, Any]) -> None:
    old = world["old"]
    assert anonymity.open_answers(old, NOW) is not None
    purge()
    old.refresh_from_db()
    assert anonymity.open_answers(old, NOW) is None
    gate = anonymity.open_answers_gate(old, NOW)
    assert gate.reason == "purged"
    assert "bewaartermijn" in gate.message


@pytest.fixture
def demo(db: None) -> School:
    call_command("seed_demo", quiet=True)
    school = School.objects.get(slug="de-regenboog")
    # The demo's rounds closed 6 weeks, 1 year and 2 years ago: the older two become due.
    School.objects.filter(pk=school.pk).update(retention_months=12)
    return school


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    # A CSRF token is masked anew on every page; nothing else may differ.
    return re.sub(
        r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", response.content.decode()
    )


def test_results_trend_dashboard_and_exports_look_the_same_after_the_purge(
    demo: School, client: Client
) -> None:
    client.force_login(User.objects.get(email="leider@regenboog.test"))
    rounds = list(Round.objects.filter(school=demo).order_by("opens_at"))
    assert len(rounds) == 3
    base = f"/s/{demo.slug}"
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        reports = [fingerprint(build(r, now)) for r in rounds]
        dashboard = _page(client, f"{base}/")
        oldest = _page(client, f"{base}/rounds/{rounds[0].pk}/results/")
        texts = list(OpenAnswer.objects.filter(round=rounds[0]).values_list("text", flat=True))
        csv = client.get(f"{base}/rounds/{rounds[0].pk}/export.csv").content
        xlsx_status = client.get(f"{base}/rounds/{rounds[0].pk}/export.xlsx").status_code

        assert purge_expired(now=now)["rounds"] == 2

        for r in rounds:
            r.refresh_from_db()
        assert [r.is_purged for r in rounds] == [True, True, False]
        assert [fingerprint(build(r, now)) for r in rounds] == reports
        assert _page(client, f"{base}/") == dashboard
        assert client.get(f"{base}/rounds/{rounds[0].pk}/export.csv").content == csv
        assert client.get(f"{base}/rounds/{rounds[0].pk}/export.xlsx").status_code == xlsx_status
        page = _page(client, f"{base}/rounds/{rounds[0].pk}/results/")
    assert 'data-testid="purged"' in page
    assert "bewaartermijn" in page

    # Apart from that notice and the open answers, the page is the one the leader saw.
    def figures(html: str) -> str:
        html = re.sub(r'<p class="alert alert-secondary" data-testid="purged">.*?</p>', "", html)
        return re.sub(r'<section aria-labelledby="open-title".*?</section>', "", html, flags=re.S)

    assert figures(page) == figures(oldest)
    shown = [str(escape(text)) for text in texts]
    assert shown and all(text in oldest for text in shown)
    assert not any(text in page for text in shown)


def test_the_interview_and_focus_group_pages_say_what_was_deleted(
    world: dict[str, Any], client: Client, leader: User, school: School
) -> None:
    purge()
    client.force_login(leader)
    interview = world["old_interview"]
    page = client.get(f"/s/{school.slug}/interviews/interview/{interview.pk}/").content.decode()
    assert 'data-testid="notes-purged"' in page
    assert "Wil hulp" not in page
    assert "note_add" not in page and f"interview/{interview.pk}/notes/" not in page
    # A note added now would outlive the period: refused.
    url = f"/s/{school.slug}/interviews/interview/{interview.pk}/notes/"
    assert client.post(url, {"text": "Nog iets"}).status_code == 404
    assert not InterviewNote.objects.filter(interview=interview).exists()

    session = world["old_session"]
    page = client.get(f"/s/{school.slug}/focus/{session.pk}/summary/").content.decode()
    assert 'data-testid="reactions-purged"' in page
    assert "We bespreken werkdruk" in page  # the agreement stays


# --- two runs at once ---------------------------------------------------------------------


def bare_round(school: School) -> Round:
    """A released round that closed 13 months before NOW, built without the data migrations'
    catalogue (an earlier transactional test may have flushed it): five responses to one
    statement on the dialogue climate."""
    template = QuestionnaireTemplate.objects.create(name_nl=f"Kort {next(_people)}")
    TemplateItem.objects.create(template=template, block="climate", text_nl="We praten open.")
    version = template.freeze()
    closes = months_before(NOW, 13)
    round_ = Round.objects.create(
        school=school, version=version, opens_at=closes - timedelta(days=14), closes_at=closes
    )
    item = version.items.get()
    for value in (1, 2, 3, 4, 5):
        Answer.objects.create(
            response=Response.objects.create(round=round_), item=item, value=value
        )
    return round_


# Committed rows, so that another connection can hold a lock on one of them.
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_take_the_same_round(db: None) -> None:
    school = SchoolFactory.create()
    School.objects.filter(pk=school.pk).update(retention_months=12)
    held, free = bare_round(school), bare_round(school)
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        # Another worker that has claimed one round and not yet committed.
        try:
            with transaction.atomic():
                Round.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        assert purge()["rounds"] == 1
    finally:
        release.set()
        thread.join()
    free.refresh_from_db()
    held.refresh_from_db()
    assert free.is_purged and not held.is_purged
    assert RoundTally.objects.filter(round=free).count() == 5
    assert Response.objects.filter(round=held).count() == 5
    assert purge()["rounds"] == 1  # the next night takes the one that was held
