"""Nudges through real Celery workers on the configured broker (Redis, or the filesystem
transport without REDIS_URL), against the test database: a scan sends each
e-mail once, also with two scans at the same time; a worker killed in the middle of a send
leaves each e-mail sent exactly once after a restart; and with the broker down a teacher's
submit still succeeds and the reminder goes out once the broker is back."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from nudges.models import Nudge, Rule
from nudges.rules import scan
from nudges.tasks import deliver_nudge, scan_nudges
from surveys.models import Invitation
from surveys.services import round_open

from .celery_workers import Workers
from .mail_backends import SLOW_SEND_STARTED
from .nudge_helpers import broker, build_school
from .production_stack import free_port
from .survey_helpers import answer_everything, default_template, fresh_token, restore_catalogue

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(tmp_path, os.environ.get("REDIS_URL", ""))
    try:
        yield pool
    finally:
        pool.stop()


def _swept(workers: Workers, scans: int) -> bool:
    """``scans`` scans have finished, and so has every delivery they queued (a scan returns
    how many it queued): nothing the test asked for is still on its way."""
    queued = workers.results("nudges.tasks.scan_nudges")
    delivered = workers.results("nudges.tasks.deliver_nudge")
    return len(queued) >= scans and len(delivered) >= sum(int(n) for n in queued)


def _delivery(nudge: Nudge) -> str:
    return Nudge.objects.values_list("delivery", flat=True).get(pk=nudge.pk)


def _due_now() -> None:
    """The scan ran outside school hours perhaps (07:30-18:00 on a school day): make its
    e-mails due now, as if it were a Tuesday morning."""
    Nudge.objects.update(due_at=timezone.now() - timedelta(minutes=1))


def test_two_scans_at_the_same_time_send_each_email_once(workers: Workers) -> None:
    school, leader, _ = build_school("OBS De Twee Scans")
    scan(now=timezone.now())
    _due_now()
    expected = Nudge.objects.count()
    assert expected == 3  # R1, R5 practice, reflection
    workers.start()
    workers.start()
    # Two scans at once, as two beat processes would queue them; each sweeps and queues
    # every due e-mail, so each e-mail is queued twice and claimed once.
    scan_nudges.apply_async(queue=workers.queue)
    scan_nudges.apply_async(queue=workers.queue)
    workers.wait_for(
        lambda: _swept(workers, scans=2), "both scans, and every delivery they queued, to finish"
    )
    assert len(workers.mails()) == expected, workers.output()
    assert workers.results("nudges.tasks.deliver_nudge").count("True") == expected
    assert set(Nudge.objects.values_list("delivery", flat=True)) == {Nudge.Delivery.SENT}
    assert Nudge.objects.filter(school=school).count() == expected, "no duplicates"
    recipients = {p.read_text().count(leader.email) > 0 for p in workers.mails()}
    assert recipients == {True}


def test_a_worker_killed_mid_send_leaves_the_email_sent_exactly_once(workers: Workers) -> None:
    school, leader, _ = build_school("OBS Het Ongeluk")
    # This month's R1, as the worker's scan below wants it too. (A fixed month made the scan
    # resolve the nudge once that month had passed: never sent, and another R1 e-mail, this
    # month's, looked like it.)
    nudge = Nudge.objects.create(
        rule=Rule.R1_KEEP_GOING,
        school=school,
        recipient=leader,
        period=f"{timezone.localdate():%Y-%m}",
        due_at=timezone.now() - timedelta(minutes=1),
        link=f"/s/{school.slug}/plan/new/",
    )
    doomed = workers.start(SLOW_MAIL_SECONDS="60")
    deliver_nudge.apply_async(args=(nudge.pk,), queue=workers.queue)
    workers.wait_for(
        lambda: (
            _delivery(nudge) == Nudge.Delivery.CLAIMED and SLOW_SEND_STARTED in workers.log_text()
        ),
        "the first worker to claim the e-mail and be inside the slow send",
    )
    workers.kill(doomed)
    assert not workers.mails()
    assert _delivery(nudge) == Nudge.Delivery.CLAIMED
    # A restarted worker. The dead worker's claim is stale after NUDGE_CLAIM_TIMEOUT; the
    # next beat's sweep queues it again (the broker would redeliver the unacknowledged
    # message only after its visibility timeout of an hour).
    workers.start(NUDGE_CLAIM_TIMEOUT="2")
    workers.wait_for(
        lambda: (
            Nudge.objects.filter(pk=nudge.pk)
            .deliverable(timezone.now(), timedelta(seconds=2))
            .exists()
        ),
        "the dead worker's claim to be older than the claim timeout of 2 s",
    )
    scan_nudges.apply_async(queue=workers.queue)
    scan_nudges.apply_async(queue=workers.queue)
    workers.wait_for(
        lambda: _swept(workers, scans=2), "both scans, and every delivery they queued, to finish"
    )
    # The one R1 e-mail is this nudge's: the scan made no other R1.
    assert Nudge.objects.filter(rule=Rule.R1_KEEP_GOING).count() == 1
    mails = workers.mails()
    sent_once = [m for m in mails if "Houd het gesprek gaande" in m.read_text()]  # Dutch by default
    assert len(sent_once) == 1, workers.output()
    assert _delivery(nudge) == Nudge.Delivery.SENT, workers.output()


def test_with_the_broker_down_a_submit_succeeds_and_the_reminder_follows(
    tmp_path: Path, workers: Workers
) -> None:
    restore_catalogue()
    # The broker is down: nothing answers where this process sends its tasks. (The same on
    # every machine, whichever broker the workers use once it is back.)
    down = f"redis://127.0.0.1:{free_port()}/0"
    with broker(down):
        school, _, (quick, slow) = build_school("OBS Stroomuitval", teachers=2)
        now = timezone.now()
        # Open for eight days, six to go: halfway has passed, so a reminder is due.
        round_ = round_open(
            school=school,
            team=None,
            template=default_template(),
            opens_at=now - timedelta(days=8),
            closes_at=now + timedelta(days=6),
            threshold=3,
            open_threshold=3,
            created_by=None,
            now=now - timedelta(days=9),  # as if planned earlier: no e-mails are queued now
        )

        invitation = Invitation.objects.get(round=round_, user=quick)
        teacher = Client()
        teacher.get(f"/i/{fresh_token(invitation)}/")
        answer_everything(teacher, round_)
        started = time.monotonic()
        response = teacher.post("/vragenlijst/verzenden/")
        assert response.status_code == 200
        assert time.monotonic() - started < 10
        assert Invitation.objects.get(pk=invitation.pk).done

        # The beat's scan runs against the database while the broker is down: the reminder
        # waits there as a pending row.
        scan(now=timezone.now())
        _due_now()
        reminder = Nudge.objects.get(rule=Rule.RESPONDENTS)
        assert reminder.recipient == slow
        assert reminder.delivery == Nudge.Delivery.PENDING

    # The broker is back (the configured one, for this process and the worker).
    workers.start()
    scan_nudges.apply_async(queue=workers.queue)
    workers.wait_for(
        lambda: _swept(workers, scans=1), "the scan, and every delivery it queued, to finish"
    )
    mails = [m.read_text() for m in workers.mails()]
    # The leader's own nudges (R1, practice, reflection) went out too; the teachers got
    # exactly one reminder, only the one who had not finished.
    assert sum(f"To: {slow.email}" in m for m in mails) == 1, workers.output()
    assert not any(f"To: {quick.email}" in m for m in mails)
    assert _delivery(reminder) == Nudge.Delivery.SENT, workers.output()
