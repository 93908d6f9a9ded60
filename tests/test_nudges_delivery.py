"""Delivering nudges: in the app (list, done, snooze, dismiss, the dashboard), by e-mail
(claimed once, in the recipient's language, unsubscribe per rule, weekly digest), the
outbox when the broker is down, the settings and the private reflection log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dialoog.celery import app as celery_app
from nudges import outbox
from nudges.mail import unsubscribe_token
from nudges.models import Digest, EmailChoice, Nudge, NudgeSettings, Reflection, Rule, RuleOptOut
from nudges.rules import scan
from nudges.tasks import deliver_nudge, scan_nudges, send_digest, sweep
from schools.models import School, User

from .factories import MembershipFactory, UserFactory
from .nudge_helpers import AMS, broker, build_school
from .survey_helpers import answer_everything, committed, fresh_token, open_round

pytestmark = pytest.mark.django_db


def _nudge(school: School, user: User, rule: str = Rule.R1_KEEP_GOING, **extra: Any) -> Nudge:
    extra.setdefault("due_at", timezone.now() - timedelta(minutes=1))
    extra.setdefault("link", f"/s/{school.slug}/plan/new/?kind=team_meeting")
    return Nudge.objects.create(
        rule=rule, school=school, recipient=user, period=extra.pop("period", "p"), **extra
    )


# --- E-mail -----------------------------------------------------------------------------------


def test_an_email_is_sent_once_however_often_the_task_runs() -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader)
    assert deliver_nudge(nudge.pk) is True
    assert deliver_nudge(nudge.pk) is False
    assert len(mail.outbox) == 1
    nudge.refresh_from_db()
    assert nudge.delivery == Nudge.Delivery.SENT and nudge.sent_at is not None


def test_the_email_has_html_text_a_working_link_and_a_one_click_unsubscribe() -> None:
    school, leader, _ = build_school()
    leader.language = "en"
    leader.save()
    deliver_nudge(_nudge(school, leader).pk)
    message = mail.outbox[0]
    # The whole subject: the rule's title once read as the repr of a bound method, which
    # still contained the title (found by tests/test_production_stack.py).
    assert message.subject == f"Reminder for {school.name}: Keep the conversation going"
    assert "Plan a team meeting" in message.body
    assert f"/s/{school.slug}/plan/new/?kind=team_meeting" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "<a href=" in str(html)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/nudges/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_the_email_is_in_the_recipients_language() -> None:
    school, leader, _ = build_school()
    deliver_nudge(_nudge(school, leader).pk)
    assert "Hallo" in mail.outbox[0].body


def test_an_email_that_is_not_due_yet_waits() -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader, due_at=timezone.now() + timedelta(hours=5))
    assert deliver_nudge(nudge.pk) is False
    assert sweep() == 0
    assert not mail.outbox


def test_a_claim_of_a_worker_that_died_is_taken_over_after_the_timeout(settings: Any) -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader)
    Nudge.objects.filter(pk=nudge.pk).update(
        delivery=Nudge.Delivery.CLAIMED, claimed_by="dead", claimed_at=timezone.now()
    )
    assert deliver_nudge(nudge.pk) is False, "a fresh claim belongs to a live worker"
    Nudge.objects.filter(pk=nudge.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.NUDGE_CLAIM_TIMEOUT + 1)
    )
    assert deliver_nudge(nudge.pk) is True
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_for_a_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader)

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("SMTP said no")

    from django.core.mail import EmailMultiAlternatives

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    with pytest.raises(ValueError):
        deliver_nudge.apply(args=(nudge.pk,), throw=True)
    nudge.refresh_from_db()
    assert nudge.delivery == Nudge.Delivery.PENDING
    monkeypatch.undo()
    assert deliver_nudge(nudge.pk) is True


def test_a_dismissed_nudge_is_not_mailed() -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader, state=Nudge.State.DISMISSED)
    assert deliver_nudge(nudge.pk) is False
    assert not mail.outbox


def test_unsubscribing_from_a_rule_stops_its_emails_only(client: Client) -> None:
    school, leader, _ = build_school()
    token = unsubscribe_token(leader.pk, Rule.R1_KEEP_GOING)
    page = client.get(f"/nudges/unsubscribe/{token}/")
    assert page.status_code == 200
    assert not RuleOptOut.objects.exists(), "a GET (a link scanner) changes nothing"
    response = client.post(f"/nudges/unsubscribe/{token}/")
    assert response.status_code == 200
    assert 'data-testid="unsubscribed"' in response.content.decode()
    skipped = _nudge(school, leader, period="a")
    sent = _nudge(school, leader, rule=Rule.REFLECT, period="b")
    assert deliver_nudge(skipped.pk) is False
    assert deliver_nudge(sent.pk) is True
    assert len(mail.outbox) == 1
    assert Nudge.objects.get(pk=skipped.pk).delivery == Nudge.Delivery.SKIPPED


def test_a_forged_or_broken_unsubscribe_token_is_refused(client: Client, db: None) -> None:
    assert client.post("/nudges/unsubscribe/not-a-token/").status_code == 404
    from django.core import signing

    forged = signing.dumps({"u": 1, "r": "r1_keep_going"}, salt="another")
    assert client.post(f"/nudges/unsubscribe/{forged}/").status_code == 404
    assert not RuleOptOut.objects.exists()


def test_the_weekly_digest_collects_the_nudges_in_one_email_once() -> None:
    school, leader, _ = build_school()
    EmailChoice.objects.create(user=leader, weekly_digest=True)
    first = _nudge(school, leader, period="a")
    second = _nudge(school, leader, rule=Rule.REFLECT, period="b")
    assert deliver_nudge(first.pk) is False
    assert deliver_nudge(second.pk) is False
    assert not mail.outbox
    # Not in the Christmas holiday of the school's region: it waits for a school day.
    with time_machine.travel(datetime(2026, 12, 28, 7, 30, tzinfo=AMS), tick=False):
        assert send_digest(leader.pk) is False
    with time_machine.travel(datetime(2027, 1, 4, 7, 30, tzinfo=AMS), tick=False):
        assert send_digest(leader.pk) is True
        assert send_digest(leader.pk) is False
    assert len(mail.outbox) == 1
    assert "Houd het gesprek gaande" in mail.outbox[0].body
    assert Digest.objects.filter(user=leader).count() == 1
    assert set(Nudge.objects.values_list("delivery", flat=True)) == {Nudge.Delivery.SENT}


def test_the_respondent_reminder_is_not_sent_to_someone_who_finished() -> None:
    from .survey_helpers import open_round

    school, _, (teacher,) = build_school(teachers=1)
    round_ = open_round(school, threshold=3)
    nudge = _nudge(school, teacher, rule=Rule.RESPONDENTS, target_id=round_.pk)
    mail.outbox.clear()
    round_.invitations.update(done=True)
    assert deliver_nudge(nudge.pk) is False
    assert not mail.outbox


def test_submitting_ends_that_teachers_reminder_at_once_and_nobody_elses(
    django_capture_on_commit_callbacks: Any,
) -> None:
    school, _, (done, waiting) = build_school(teachers=2)
    round_ = open_round(school, threshold=3)
    mine = _nudge(school, done, rule=Rule.RESPONDENTS, target_id=round_.pk)
    theirs = _nudge(school, waiting, rule=Rule.RESPONDENTS, target_id=round_.pk, period="q")
    # Handled already (done): it stays, as the list of what the teacher has done.
    handled = _nudge(
        school, done, rule=Rule.RESPONDENTS, target_id=round_.pk, period="h", state="done"
    )
    teacher = Client()
    teacher.get(f"/i/{fresh_token(round_.invitations.get(user=done))}/")
    answer_everything(teacher, round_)
    with django_capture_on_commit_callbacks() as callbacks:
        assert teacher.post("/vragenlijst/verzenden/").status_code == 200
    assert not Nudge.objects.filter(pk=mine.pk).exists()
    assert Nudge.objects.filter(pk=theirs.pk).exists()
    assert Nudge.objects.filter(pk=handled.pk).exists()
    # No task per submit: the beat's scan does the rest.
    assert callbacks == []


# --- The outbox -------------------------------------------------------------------------------


def test_enqueueing_with_the_broker_down_does_not_raise_and_the_sweep_catches_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    school, _, _ = build_school()
    celery_app.conf.task_always_eager = False
    try:
        # Nothing listens on port 9 of loopback: a real, refused connection.
        with broker("redis://127.0.0.1:9/0"), committed():
            outbox.send_soon(scan_nudges, school.pk)  # must not raise
    finally:
        celery_app.conf.task_always_eager = True
    assert "Broker unreachable" in caplog.text
    scan(now=timezone.now())
    assert Nudge.objects.filter(delivery=Nudge.Delivery.PENDING).exists()
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert sweep() >= 1


def test_send_nudges_runs_one_scan_now(capsys: pytest.CaptureFixture[str]) -> None:
    _school, leader, _ = build_school()
    call_command("send_nudges")
    assert "new" in capsys.readouterr().out
    assert Nudge.objects.filter(recipient=leader).count() == 3


# --- In the app -------------------------------------------------------------------------------


def test_the_list_shows_ones_own_nudges_with_done_snooze_and_dismiss(client: Client) -> None:
    school, leader, (teacher,) = build_school(teachers=1)
    mine = _nudge(school, leader, period="mine")
    _nudge(school, teacher, rule=Rule.R5_TOPICS, period="theirs")
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/nudges/").content.decode()
    assert page.count('data-testid="nudge"') == 1
    client.post(f"/s/{school.slug}/nudges/{mine.pk}/snooze/", {"days": "3"})
    mine.refresh_from_db()
    assert mine.state == Nudge.State.SNOOZED
    assert mine.snoozed_until and mine.snoozed_until > timezone.now() + timedelta(days=2)
    client.post(f"/s/{school.slug}/nudges/{mine.pk}/done/")
    assert Nudge.objects.get(pk=mine.pk).state == Nudge.State.DONE
    other = _nudge(school, leader, period="other")
    client.post(f"/s/{school.slug}/nudges/{other.pk}/dismiss/")
    assert Nudge.objects.get(pk=other.pk).state == Nudge.State.DISMISSED


def test_with_htmx_only_the_open_list_is_swapped(client: Client) -> None:
    school, leader, _ = build_school()
    first = _nudge(school, leader, period="a")
    _nudge(school, leader, period="b")
    client.force_login(leader)
    url = f"/s/{school.slug}/nudges/{first.pk}/done/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="nudge-open"')
    assert page.count('data-testid="nudge"') == 1
    bad = client.post(
        f"/s/{school.slug}/nudges/{first.pk}/snooze/", {"days": "x"}, HTTP_HX_REQUEST="true"
    )
    assert 'class="alert alert-danger"' in bad.content.decode()


@pytest.mark.parametrize("days", ["", "abc", "0", "61"])
def test_snoozing_with_a_bad_number_explains_and_changes_nothing(client: Client, days: str) -> None:
    school, leader, _ = build_school()
    nudge = _nudge(school, leader)
    client.force_login(leader)
    response = client.post(f"/s/{school.slug}/nudges/{nudge.pk}/snooze/", {"days": days})
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.content.decode()
    assert Nudge.objects.get(pk=nudge.pk).state == Nudge.State.OPEN


def test_nobody_acts_on_someone_elses_nudge(client: Client) -> None:
    school, leader, (teacher,) = build_school(teachers=1)
    nudge = _nudge(school, leader)
    client.force_login(teacher)
    assert client.post(f"/s/{school.slug}/nudges/{nudge.pk}/done/").status_code == 404
    client.force_login(leader)
    assert client.post(f"/s/{school.slug}/nudges/{nudge.pk}/explode/").status_code == 404
    assert Nudge.objects.get(pk=nudge.pk).state == Nudge.State.OPEN


def test_the_dashboard_shows_open_nudges_and_the_step_is_real(client: Client) -> None:
    school, leader, _ = build_school()
    leader.language = "en"
    leader.save()
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/").content.decode()
    assert 'data-testid="dashboard-nudges"' not in page
    _nudge(school, leader)
    page = client.get(f"/s/{school.slug}/").content.decode()
    assert 'data-testid="dashboard-nudges"' in page
    assert "1 open reminder" in page
    assert 'data-testid="nav-nudges"' in page


def test_the_leader_edits_the_thresholds_and_bad_input_keeps_what_was_typed(
    client: Client,
) -> None:
    school, leader, _ = build_school()
    client.force_login(leader)
    url = f"/s/{school.slug}/nudges/settings/"
    assert client.get(url).status_code == 200
    data = {
        "quiet_weeks": "0",
        "discuss_within_weeks": "3",
        "follow_up_weeks": "twee",
        "agenda_days": "10",
        "reflect_every_days": "30",
        "max_respondent_reminders": "3",
    }
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Kies een getal van 1 tot en met 26." in page
    assert 'value="twee"' in page
    assert not NudgeSettings.objects.exists()
    data.update(quiet_weeks="4", follow_up_weeks="2", max_respondent_reminders="1")
    assert client.post(url, data).status_code == 302
    assert NudgeSettings.objects.get(school=school).quiet_weeks == 4


def test_a_teacher_cannot_change_the_thresholds(client: Client) -> None:
    school, _, (teacher,) = build_school(teachers=1)
    client.force_login(teacher)
    assert client.get(f"/s/{school.slug}/nudges/settings/").status_code == 404


def test_email_choices_digest_and_per_rule(client: Client) -> None:
    school, leader, _ = build_school()
    client.force_login(leader)
    url = f"/s/{school.slug}/nudges/e-mail/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"weekly_digest": "maybe", "rules": ["nonsense"]})
    assert bad.status_code == 400
    response = client.post(url, {"weekly_digest": "1", "rules": [Rule.REFLECT]})
    assert response.status_code == 302
    assert EmailChoice.objects.get(user=leader).weekly_digest is True
    assert RuleOptOut.objects.filter(user=leader, rule=Rule.R1_KEEP_GOING).exists()
    assert not RuleOptOut.objects.filter(user=leader, rule=Rule.REFLECT).exists()


def test_the_reflection_log_is_private_and_never_cached(client: Client) -> None:
    school, leader, _ = build_school()
    facilitator = UserFactory.create()
    MembershipFactory.create(user=facilitator, school=school, role="facilitator")
    prompt = _nudge(school, leader, rule=Rule.REFLECT)
    client.force_login(leader)
    url = f"/s/{school.slug}/nudges/reflections/"
    empty = client.post(url, {"text": "   "})
    assert empty.status_code == 400
    assert empty["Cache-Control"] == "no-store"
    response = client.post(url, {"text": "Ik koos voor rust in de teamvergadering."})
    assert response.status_code == 302
    page = client.get(url)
    assert page["Cache-Control"] == "no-store"
    assert "Ik koos voor rust" in page.content.decode()
    assert Nudge.objects.get(pk=prompt.pk).state == Nudge.State.DONE
    client.force_login(facilitator)
    assert "Ik koos voor rust" not in client.get(url).content.decode()
    assert Reflection.objects.count() == 1


def test_seed_demo_leaves_an_open_nudge_of_every_rule(db: None) -> None:
    call_command("seed_demo", quiet=True)
    school = School.objects.get(slug="de-regenboog")
    leader = User.objects.get(email="leider@regenboog.test")
    teacher_rules = {Rule.RESPONDENTS, Rule.R5_TOPICS}
    leader_rules = set(
        Nudge.objects.filter(school=school, recipient=leader).live().values_list("rule", flat=True)
    )
    assert leader_rules >= set(Rule) - teacher_rules
    teacher_side = set(
        Nudge.objects.filter(school=school, recipient__email__startswith="leerkracht")
        .live()
        .values_list("rule", flat=True)
    )
    assert teacher_side == teacher_rules
    call_command("seed_demo", quiet=True)  # idempotent
    call_command("send_nudges")  # the beat's scan leaves the demo's own nudges open
    still = set(
        Nudge.objects.filter(school=school, recipient=leader).live().values_list("rule", flat=True)
    )
    assert still >= set(Rule) - teacher_rules
