"""Celery tasks of the nudges. They take ids, and every e-mail is claimed with a conditional
UPDATE before it is sent, so a task delivered twice, a retry or two beat processes send it
once. No task is ever given an ETA: a nudge that may not go out yet waits as ``due_at`` in the
database, and the sweep (every beat run) queues what has become due."""

from __future__ import annotations

import logging
import socket
import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from planning.models import SchoolHoliday
from schools.models import Membership, School, User
from surveys.models import Invitation

from . import mail
from .models import Digest, EmailChoice, Nudge, Rule, RuleOptOut
from .rules import is_school_day, scan

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.NUDGE_CLAIM_TIMEOUT)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def scan_nudges(school_id: int | None = None) -> int:
    """The beat's periodic job: one scan (of all schools, or of one), then the sweep."""
    schools = School.objects.filter(pk=school_id) if school_id else None
    result = scan(now=timezone.now(), schools=schools)
    logger.info("Nudge scan: %s", result)
    return sweep()


def sweep() -> int:
    """Queue every e-mail that may be claimed now: due, or claimed by a worker that died."""
    now = timezone.now()
    ids = list(
        Nudge.objects.deliverable(now, stale_after())
        .order_by("due_at")
        .values_list("pk", flat=True)[: settings.NUDGE_SWEEP_LIMIT]
    )
    for pk in ids:
        deliver_nudge.delay_on_commit(pk)
    return len(ids)


def _claim(nudge_id: int) -> str | None:
    """Claim one e-mail for this worker; the returned token proves the claim."""
    token = f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:12]}"
    now = timezone.now()
    claimed = (
        Nudge.objects.filter(pk=nudge_id)
        .deliverable(now, stale_after())
        .update(delivery=Nudge.Delivery.CLAIMED, claimed_by=token, claimed_at=now)
    )
    return token if claimed == 1 else None


def _finish(nudge_id: int, token: str, delivery: str) -> None:
    Nudge.objects.filter(pk=nudge_id, claimed_by=token).update(
        delivery=delivery, sent_at=timezone.now() if delivery == Nudge.Delivery.SENT else None
    )


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OSError,), max_retries=5)
def deliver_nudge(nudge_id: int) -> bool:
    """Send one nudge's e-mail, at most once:
    1. claim the row (pending and due, or a stale claim of a dead worker);
    2. skip it when the person unsubscribed from this rule, or collect it for their weekly
       digest, or (respondents) when they finished the questionnaire meanwhile;
    3. send, then mark it sent; on an error release the claim so a retry can send it."""
    token = _claim(nudge_id)
    if token is None:
        return False
    nudge = Nudge.objects.select_related("recipient", "school").get(pk=nudge_id)
    user = nudge.recipient
    if RuleOptOut.objects.filter(user=user, rule=nudge.rule).exists():
        _finish(nudge_id, token, Nudge.Delivery.SKIPPED)
        return False
    if EmailChoice.objects.filter(user=user, weekly_digest=True).exists():
        _finish(nudge_id, token, Nudge.Delivery.DIGEST)
        return False
    if (
        nudge.rule == Rule.RESPONDENTS
        and not Invitation.objects.filter(round_id=nudge.target_id, user=user, done=False).exists()
    ):
        _finish(nudge_id, token, Nudge.Delivery.SKIPPED)
        return False
    try:
        mail.single(nudge).send()
    except Exception:
        Nudge.objects.filter(pk=nudge_id, claimed_by=token).update(
            delivery=Nudge.Delivery.PENDING, claimed_at=None, claimed_by=""
        )
        raise
    _finish(nudge_id, token, Nudge.Delivery.SENT)
    return True


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_digests() -> int:
    """Every weekday at 07:30: the weekly digest of each person who chose it, on the first
    school day of the week for them (``send_digest`` decides and sends once a week)."""
    users = User.objects.filter(nudges__delivery=Nudge.Delivery.DIGEST).distinct()
    for user_id in users.values_list("pk", flat=True):
        send_digest.delay_on_commit(user_id)
    return users.count()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_digest(user_id: int) -> bool:
    """The weekly digest of one person, on a school day of their (first) school's region;
    the unique (user, week) row is the claim."""
    now = timezone.now()
    today = timezone.localdate(now)
    year, week, _ = today.isocalendar()
    region = (
        Membership.objects.filter(user_id=user_id, school__isnull=False)
        .values_list("school__region", flat=True)
        .first()
    )
    holidays = list(SchoolHoliday.objects.for_region(region or "").overlapping(today, today))
    if not is_school_day(today, holidays):
        return False
    with transaction.atomic():
        digest, created = Digest.objects.get_or_create(user_id=user_id, week=f"{year}-W{week:02}")
        if not created or digest.sent_at is not None:
            return False
        collected = list(
            Nudge.objects.select_for_update()
            .filter(recipient_id=user_id, delivery=Nudge.Delivery.DIGEST)
            .filter(Q(state=Nudge.State.OPEN) | Q(state=Nudge.State.SNOOZED))
            .select_related("school")
        )
        if not collected:
            return False
        user = User.objects.get(pk=user_id)
        mail.digest(user, collected).send()
        Nudge.objects.filter(pk__in=[n.pk for n in collected]).update(
            delivery=Nudge.Delivery.SENT, sent_at=now
        )
        Digest.objects.filter(pk=digest.pk).update(sent_at=now)
    return True
