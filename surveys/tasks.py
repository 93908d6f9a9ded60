"""Celery tasks for rounds. They take ids, and a guarded UPDATE lets exactly one delivery of
each e-mail through, however often the task runs."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from schools.emails import templated_email
from surveys.models import Draft, Invitation, Round
from surveys.retention import tally_closed


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(invitation_id: int, send_number: int) -> bool:
    """Send the ``send_number``-th link of an invitation. The token is made here, in the
    worker, and only its hash is stored: it never travels through the broker or a log."""
    claimed = (
        Invitation.objects.filter(pk=invitation_id, sent_count=send_number - 1, done=False)
        .of_members()
        .update(sent_count=F("sent_count") + 1)
    )
    if claimed != 1:
        return False
    invitation = Invitation.objects.select_related("round", "round__school", "user").get(
        pk=invitation_id
    )
    round_ = invitation.round
    if not round_.is_open(timezone.now()):
        return False
    token = invitation.new_token()
    invitation.save(update_fields=["token_hash"])
    user = invitation.user
    try:
        link = settings.SITE_URL + reverse("surveys:enter", kwargs={"token": token})
        templated_email(
            "surveys/email/invitation",
            {
                "user": user,
                "round": round_,
                "school": round_.school,
                "link": link,
                "closes_at": timezone.localtime(round_.closes_at),
                "reminder": send_number > 1,
            },
            to=user.email,
            language=user.language,
        ).send()
    except Exception:
        Invitation.objects.filter(pk=invitation_id).update(sent_count=send_number - 1)
        raise
    return True


@shared_task
def send_due_invitations() -> int:
    """Rounds that opened since the last run: send the first e-mail to everyone invited."""
    now = timezone.now()
    due = (
        Invitation.objects.filter(round__in=Round.objects.open(now), sent_count=0, done=False)
        .of_members()
        .values_list("pk", flat=True)
    )
    count = 0
    for invitation_id in due:
        send_invitation.delay(invitation_id, 1)
        count += 1
    return count


@shared_task
def delete_stale_drafts() -> int:
    """A draft links answers to a person; once its round has closed it can never be sent,
    so it is deleted rather than kept."""
    deleted, _ = Draft.objects.filter(
        invitation__round__in=Round.objects.closed(timezone.now())
    ).delete()
    return deleted


@shared_task(acks_late=True)
def tally_closed_rounds(round_ids: list[int] | None = None) -> int:
    """Beat, every minute, and right after a leader closes a round: open the ballot boxes of
    the rounds that have closed and count them (surveys.retention.tally_closed)."""
    return tally_closed(now=timezone.now(), round_ids=round_ids)


@shared_task
def record_turnout() -> int:
    """Beat, at every full hour: the turnout the leaders see (RoundQuerySet.record_turnout)."""
    return Round.objects.record_turnout(timezone.now())
