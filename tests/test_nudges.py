"""Nudges: each rule firing and not firing on constructed schools, the constraint that makes
rescans harmless, the fixed number of queries of a scan, and the resolution of nudges whose
condition no longer holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from focusgroups.models import Agreement, FocusSession
from interviews.models import Interview, InterviewNote
from nudges.models import Nudge, NudgeSettings, Rule
from nudges.rules import scan, send_time, term
from planning.models import Activity, SchoolHoliday
from schools.models import Membership, School, User
from surveys.models import Invitation

from .nudge_helpers import AMS, NOW, activity, build_school, busy, closed_round, rules_for
from .survey_helpers import open_round

pytestmark = pytest.mark.django_db


# --- R1 keep the conversation going -----------------------------------------------------------


def test_r1_fires_when_nothing_is_planned_in_the_coming_six_weeks() -> None:
    school, leader, _ = build_school()
    activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(weeks=7), agenda="x")
    scan(now=NOW)
    nudge = Nudge.objects.get(recipient=leader, rule=Rule.R1_KEEP_GOING)
    assert nudge.period == "2026-11"
    assert nudge.link == f"/s/{school.slug}/plan/new/?kind=team_meeting"


def test_r1_stays_quiet_with_a_meeting_within_six_weeks_and_follows_the_setting() -> None:
    school, leader, _ = build_school()
    activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(weeks=5), agenda="x")
    scan(now=NOW)
    assert Rule.R1_KEEP_GOING not in rules_for(leader)
    NudgeSettings.objects.create(school=school, quiet_weeks=4)
    scan(now=NOW)
    assert Rule.R1_KEEP_GOING in rules_for(leader)


def test_r1_counts_the_repeats_of_an_activity() -> None:
    school, leader, _ = build_school()
    meeting = activity(school, Activity.Kind.TEAM_MEETING, NOW - timedelta(weeks=5), agenda="x")
    meeting.repeat_weeks, meeting.repeat_until = 6, date(2027, 7, 1)
    meeting.save()
    scan(now=NOW)
    assert Rule.R1_KEEP_GOING not in rules_for(leader)


# --- R2 name what you see ---------------------------------------------------------------------


def test_r2_fires_after_a_round_with_tension_and_no_discussion_planned() -> None:
    school, leader, _ = build_school(teachers=6)
    round_ = closed_round(school, tension=True)
    scan(now=NOW)
    nudge = Nudge.objects.get(recipient=leader, rule=Rule.R2_NAME_IT)
    assert nudge.period == f"round-{round_.pk}"
    assert "kind=focus_group" in nudge.link


def test_r2_stays_quiet_without_tension() -> None:
    school, leader, _ = build_school(teachers=6)
    closed_round(school, tension=False)
    scan(now=NOW)
    assert Rule.R2_NAME_IT not in rules_for(leader)


def test_r2_stays_quiet_below_the_anonymity_threshold() -> None:
    school, leader, _ = build_school(teachers=6)
    round_ = closed_round(school, tension=True)
    round_.responses.all()[0].delete()
    from surveys.models import Round

    Round.objects.filter(pk=round_.pk).update(threshold=6, open_threshold=6)
    scan(now=NOW)
    assert Rule.R2_NAME_IT not in rules_for(leader)


def test_r2_is_resolved_once_a_focus_group_is_planned_within_three_weeks() -> None:
    school, leader, _ = build_school(teachers=6)
    closed_round(school, tension=True)
    scan(now=NOW)
    assert Rule.R2_NAME_IT in rules_for(leader)
    activity(school, Activity.Kind.FOCUS_GROUP, NOW + timedelta(weeks=4))
    scan(now=NOW)
    assert Rule.R2_NAME_IT in rules_for(leader), "four weeks is too late"
    activity(school, Activity.Kind.FOCUS_GROUP, NOW + timedelta(weeks=2))
    scan(now=NOW)
    assert Rule.R2_NAME_IT not in rules_for(leader)
    assert Nudge.objects.get(rule=Rule.R2_NAME_IT).state == Nudge.State.RESOLVED


# --- R3 emotion central, make agreements ------------------------------------------------------


def test_r3_fires_for_a_closed_focus_group_without_agreements_only() -> None:
    school, leader, _ = build_school(teachers=3)
    round_ = closed_round(school, tension=False)
    empty = FocusSession.objects.create(
        round=round_, title="Leeg", closed_at=NOW - timedelta(days=1)
    )
    with_agreement = FocusSession.objects.create(
        round=round_, title="Met afspraak", closed_at=NOW - timedelta(days=1)
    )
    Agreement.objects.create(
        session=with_agreement, text="We vragen door", owner="team", review_on=date(2027, 3, 1)
    )
    FocusSession.objects.create(round=round_, title="Nog bezig")
    scan(now=NOW)
    periods = set(
        Nudge.objects.filter(rule=Rule.R3_AGREEMENTS, recipient=leader).values_list(
            "period", flat=True
        )
    )
    assert periods == {f"session-{empty.pk}"}


def test_r3_fires_for_an_agreement_past_its_review_date_until_a_review_is_planned() -> None:
    school, leader, _ = build_school(teachers=3)
    round_ = closed_round(school, tension=False)
    session = FocusSession.objects.create(round=round_, title="F")
    overdue = Agreement.objects.create(
        session=session, text="Afspraak", owner="team", review_on=date(2026, 11, 10)
    )
    Agreement.objects.create(
        session=session, text="Later", owner="team", review_on=date(2027, 1, 5)
    )
    scan(now=NOW)
    assert list(Nudge.objects.filter(rule=Rule.R3_AGREEMENTS).values_list("period", flat=True)) == [
        f"agreement-{overdue.pk}"
    ]
    review = activity(school, Activity.Kind.EVALUATION, NOW + timedelta(days=3), agenda="x")
    review.agreements.add(overdue)
    scan(now=NOW)
    assert Rule.R3_AGREEMENTS not in rules_for(leader)


# --- R4 help teachers -------------------------------------------------------------------------


def _note(
    school: School, teacher: User, *, days_ago: int, wants_help: bool = True
) -> InterviewNote:
    round_ = Invitation.objects.filter(user=teacher).first()
    round_obj = round_.round if round_ else open_round(school, threshold=3)
    interview, _ = Interview.objects.get_or_create(round=round_obj, teacher=teacher)
    with time_machine.travel(NOW - timedelta(days=days_ago), tick=False):
        return InterviewNote.objects.create(interview=interview, text="Hulp", wants_help=wants_help)


def test_r4_fires_two_weeks_after_a_request_for_help_without_follow_up() -> None:
    school, leader, (teacher, other) = build_school(teachers=2)
    late = _note(school, teacher, days_ago=15)
    _note(school, other, days_ago=10)
    _note(school, other, days_ago=30, wants_help=False)
    scan(now=NOW)
    nudges = Nudge.objects.filter(rule=Rule.R4_HELP)
    assert [n.period for n in nudges] == [f"note-{late.pk}"]
    assert nudges[0].recipient == leader
    assert "/interviews/interview/" in nudges[0].link


def test_r4_is_resolved_when_the_leader_marks_it_followed_up(client: Client) -> None:
    school, leader, (teacher,) = build_school(teachers=1)
    note = _note(school, teacher, days_ago=15)
    scan(now=NOW)
    client.force_login(leader)
    response = client.post(f"/s/{school.slug}/nudges/followed-up/{note.pk}/")
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.followed_up_on is not None
    assert Nudge.objects.get(rule=Rule.R4_HELP).state == Nudge.State.RESOLVED
    scan(now=NOW)
    assert Rule.R4_HELP not in rules_for(leader)


# --- R5 facilitate and practise ---------------------------------------------------------------


def test_r5_asks_for_an_agenda_and_invites_teachers_to_suggest_topics() -> None:
    school, leader, (t1, t2) = build_school(teachers=2)
    busy(school)
    meeting = activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(days=5))
    scan(now=NOW)
    assert Nudge.objects.get(rule=Rule.R5_AGENDA).recipient == leader
    topics = Nudge.objects.filter(rule=Rule.R5_TOPICS)
    assert {n.recipient for n in topics} == {t1, t2}
    assert all(n.period == f"activity-{meeting.pk}-20261122" for n in topics)
    assert Rule.R5_PRACTICE not in rules_for(leader)


def test_r5_is_quiet_for_a_meeting_with_an_agenda_or_further_away() -> None:
    school, leader, _ = build_school(teachers=1)
    busy(school)
    activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(days=5), agenda="1. Opening")
    activity(school, Activity.Kind.STUDY_DAY, NOW + timedelta(days=12))
    scan(now=NOW)
    assert Rule.R5_AGENDA not in rules_for(leader)


def test_r5_practice_fires_when_the_term_has_no_practice_moment() -> None:
    school, leader, _ = build_school()
    activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(weeks=2), agenda="x")
    scan(now=NOW)
    assert Nudge.objects.get(rule=Rule.R5_PRACTICE).period == "term-2026-08"
    # Practice in the next term does not count for this one.
    activity(school, Activity.Kind.PEER_CONSULTATION, datetime(2027, 3, 2, 15, tzinfo=AMS))
    scan(now=NOW)
    assert Rule.R5_PRACTICE in rules_for(leader)
    activity(school, Activity.Kind.CONVERSATION_PRACTICE, datetime(2026, 9, 8, 15, tzinfo=AMS))
    scan(now=NOW)
    assert Rule.R5_PRACTICE not in rules_for(leader)


def test_terms_split_the_school_year_in_february() -> None:
    assert term(date(2026, 11, 17)) == (date(2026, 8, 1), date(2027, 1, 31))
    assert term(date(2027, 2, 1)) == (date(2027, 2, 1), date(2027, 7, 31))


# --- Respondents ------------------------------------------------------------------------------


def test_respondents_get_two_reminders_at_most_and_only_while_not_done(client: Client) -> None:
    school, leader, (slow, quick) = build_school(teachers=2)
    with time_machine.travel(NOW, tick=False):
        round_ = open_round(school, threshold=3)  # opens now, closes in 14 days
    Invitation.objects.filter(round=round_, user=quick).update(done=True)
    scan(now=NOW + timedelta(days=3))
    assert not Nudge.objects.filter(rule=Rule.RESPONDENTS).exists()
    scan(now=NOW + timedelta(days=8))
    assert list(Nudge.objects.filter(rule=Rule.RESPONDENTS).values_list("recipient", "period")) == [
        (slow.pk, f"round-{round_.pk}-1")
    ]
    for _ in range(2):
        scan(now=NOW + timedelta(days=13))
    assert Nudge.objects.filter(rule=Rule.RESPONDENTS, recipient=slow).count() == 2
    assert not Nudge.objects.filter(recipient=quick).exists()
    # The leader sees nothing of it, not even a count.
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/nudges/").content.decode()
    assert 'data-rule="respondents"' not in page


def test_reminders_the_leader_sent_count_towards_the_maximum() -> None:
    school, _, (_slow,) = build_school(teachers=1)
    with time_machine.travel(NOW, tick=False):
        round_ = open_round(school, threshold=3)
    # First e-mail plus one reminder by the leader.
    Invitation.objects.filter(round=round_).update(sent_count=2)
    scan(now=NOW + timedelta(days=13))
    assert Nudge.objects.filter(rule=Rule.RESPONDENTS).count() == 1


def test_a_finished_questionnaire_resolves_the_reminder() -> None:
    school, _, (_slow,) = build_school(teachers=1)
    with time_machine.travel(NOW, tick=False):
        round_ = open_round(school, threshold=3)
    scan(now=NOW + timedelta(days=8))
    Invitation.objects.filter(round=round_).update(done=True)
    result = scan(now=NOW + timedelta(days=9))
    assert result.resolved == 1
    # Gone without a trace of when the teacher answered.
    assert not Nudge.objects.filter(rule=Rule.RESPONDENTS).exists()
    scan(now=NOW + timedelta(days=13))
    assert not Nudge.objects.filter(rule=Rule.RESPONDENTS).exists()


# --- The leader's own moment ------------------------------------------------------------------


def test_the_reflection_prompt_comes_every_period_and_replaces_the_last() -> None:
    _school, _leader, _ = build_school()
    scan(now=NOW)
    first = Nudge.objects.get(rule=Rule.REFLECT)
    scan(now=NOW + timedelta(days=1))
    assert Nudge.objects.filter(rule=Rule.REFLECT).count() == 1
    scan(now=NOW + timedelta(days=31))
    first.refresh_from_db()
    assert first.state == Nudge.State.RESOLVED
    assert Nudge.objects.filter(rule=Rule.REFLECT, state=Nudge.State.OPEN).count() == 1


# --- The engine -------------------------------------------------------------------------------


def test_a_rescan_creates_nothing_new_and_a_handled_nudge_does_not_come_back() -> None:
    _school, leader, _ = build_school()
    first = scan(now=NOW)
    assert first.created == 3  # R1, R5 practice, reflection
    assert scan(now=NOW).created == 0
    Nudge.objects.filter(rule=Rule.R1_KEEP_GOING).update(state=Nudge.State.DISMISSED)
    assert scan(now=NOW + timedelta(hours=1)).created == 0
    assert Rule.R1_KEEP_GOING not in rules_for(leader)


def test_the_database_refuses_a_second_nudge_for_the_same_period() -> None:
    school, leader, _ = build_school()
    Nudge.objects.create(
        rule=Rule.R1_KEEP_GOING, school=school, recipient=leader, period="2026-11", due_at=NOW
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Nudge.objects.create(
            rule=Rule.R1_KEEP_GOING, school=school, recipient=leader, period="2026-11", due_at=NOW
        )


def test_a_snoozed_nudge_reopens_when_its_time_has_come() -> None:
    _school, _leader, _ = build_school()
    scan(now=NOW)
    Nudge.objects.filter(rule=Rule.R1_KEEP_GOING).update(
        state=Nudge.State.SNOOZED, snoozed_until=NOW + timedelta(days=2)
    )
    scan(now=NOW + timedelta(days=1))
    assert Nudge.objects.get(rule=Rule.R1_KEEP_GOING).state == Nudge.State.SNOOZED
    scan(now=NOW + timedelta(days=3))
    assert Nudge.objects.get(rule=Rule.R1_KEEP_GOING).state == Nudge.State.OPEN


def test_a_scan_of_one_school_leaves_the_others_alone() -> None:
    school, leader, _ = build_school()
    _other, other_leader, _ = build_school("CBS Ander")
    scan(now=NOW, schools=School.objects.filter(pk=school.pk))
    assert rules_for(leader)
    assert not rules_for(other_leader)


def test_a_scan_of_a_school_that_is_gone_scans_nothing() -> None:
    _, leader, _ = build_school()
    assert scan(now=NOW, schools=School.objects.filter(pk=-1)).created == 0
    assert not rules_for(leader)


def _shaped(n: int) -> None:
    """``n`` schools that each fire every rule once."""
    for i in range(n):
        school, _leader, _teachers = build_school(f"School {i}", teachers=6)
        closed_round(school, tension=True)
        activity(school, Activity.Kind.TEAM_MEETING, NOW + timedelta(days=5))
        with time_machine.travel(NOW, tick=False):
            open_round(school, threshold=3, days=2)


def test_a_scan_asks_the_same_number_of_queries_for_one_school_or_many() -> None:
    _shaped(1)
    with CaptureQueriesContext(connection) as one:
        scan(now=NOW + timedelta(days=1, hours=1))
    Nudge.objects.all().delete()
    _shaped(3)
    with CaptureQueriesContext(connection) as many:
        scan(now=NOW + timedelta(days=1, hours=1))
    rules = set(Nudge.objects.values_list("rule", flat=True))
    assert {Rule.R2_NAME_IT, Rule.R5_AGENDA, Rule.R5_TOPICS, Rule.RESPONDENTS} <= rules
    assert len(many.captured_queries) == len(one.captured_queries), [
        q["sql"][:80] for q in many.captured_queries
    ]


def test_a_scan_over_seven_thousand_schools_asks_the_same_number_of_queries(
    django_assert_num_queries: Any,
) -> None:
    from nudges.bench import build_schools

    build_schools(1, prefix="one")
    with CaptureQueriesContext(connection) as one:
        scan(now=NOW)
    expected = len(one.captured_queries)
    Nudge.objects.all().delete()
    build_schools(7000, prefix="many")
    with django_assert_num_queries(expected):
        result = scan(now=NOW)
    assert result.created == 3 * 7001


def test_mail_waits_for_the_next_school_day_at_half_past_seven() -> None:
    holidays = list(SchoolHoliday.objects.for_region("midden"))
    # Tuesday 10:00: now.
    assert send_time(NOW, holidays) == NOW
    # Tuesday 06:00: the same day at 07:30; Tuesday 19:00: Wednesday 07:30.
    assert send_time(NOW.replace(hour=6), holidays) == NOW.replace(hour=7, minute=30)
    assert send_time(NOW.replace(hour=19), holidays) == datetime(2026, 11, 18, 7, 30, tzinfo=AMS)
    # Saturday: Monday.
    assert send_time(datetime(2026, 11, 21, 12, tzinfo=AMS), holidays) == datetime(
        2026, 11, 23, 7, 30, tzinfo=AMS
    )
    # In the Christmas holiday (19 Dec - 3 Jan): the first school day after it.
    assert send_time(datetime(2026, 12, 22, 9, tzinfo=AMS), holidays) == datetime(
        2027, 1, 4, 7, 30, tzinfo=AMS
    )


def test_a_nudge_created_in_the_weekend_is_due_on_monday_for_its_region() -> None:
    school, leader, _ = build_school()
    School.objects.filter(pk=school.pk).update(region=School.Region.SOUTH)
    scan(now=datetime(2027, 2, 6, 11, tzinfo=AMS))  # a Saturday; south has holiday 6-14 Feb
    nudge = Nudge.objects.filter(recipient=leader).first()
    assert nudge is not None
    assert nudge.due_at == datetime(2027, 2, 15, 7, 30, tzinfo=AMS)


def test_a_teacher_without_a_leader_membership_gets_no_leader_nudges() -> None:
    _school, _leader, (teacher,) = build_school(teachers=1)
    scan(now=NOW)
    assert (
        not Nudge.objects.filter(recipient=teacher)
        .exclude(rule__in=(Rule.R5_TOPICS, Rule.RESPONDENTS))
        .exists()
    )
    assert Membership.objects.filter(user=teacher, role="teacher").exists()


def test_beat_scans_and_no_claim_outlives_the_brokers_visibility_timeout() -> None:
    from django.conf import settings

    from nudges.tasks import scan_nudges, send_digests

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["scan-nudges"]["task"] == scan_nudges.name
    assert schedule["send-nudge-digests"]["task"] == send_digests.name
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert visibility > settings.NUDGE_CLAIM_TIMEOUT
