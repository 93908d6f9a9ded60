"""Celery tasks of the core. Tasks take ids, fetch, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from schools.emails import templated_email
from schools.models import Membership
from schools.retention import purge_expired


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_welcome_email(membership_id: int) -> bool:
    """Tell a newly added person how to log in. Sends at most once per membership: the
    conditional update claims the row, and only the worker that claimed it sends."""
    claimed = Membership.objects.filter(pk=membership_id, invited_at__isnull=True).update(
        invited_at=timezone.now()
    )
    if claimed != 1:
        return False
    membership = Membership.objects.select_related("user", "school", "team").get(pk=membership_id)
    user = membership.user
    try:
        login_url = settings.SITE_URL + reverse("account_request_login_code")
        templated_email(
            "dialoog/email/welcome",
            {
                "membership": membership,
                "user": user,
                "school": membership.school,
                "login_url": login_url,
            },
            to=user.email,
            language=user.language,
        ).send()
    except Exception:
        # Release the claim so a retry (or a resend) can send it after all.
        Membership.objects.filter(pk=membership_id).update(invited_at=None)
        raise
    return True


@shared_task(acks_late=True)
def purge_expired_data(school_ids: list[int] | None = None) -> dict[str, int]:
    """Daily: delete what has passed its school's retention period (all schools, or the given
    ones): answers, interview notes and focus-group input, each app its own
    (schools/retention.py). Idempotent: what was purged is marked, and a second run or
    delivery finds nothing left to do."""
    return purge_expired(now=timezone.now(), school_ids=school_ids)
