"""Celery tasks of the practice kit. Tasks take ids, fetch, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from schools.emails import templated_email

from .models import Conversation


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_chair(conversation_id: int) -> bool:
    """Tell the invited chair that a teacher asks them to lead a conversation. The e-mail says
    who asks, never what it is about. Sends at most once per chair: the conditional update
    claims the send, and only the worker that claimed it sends."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id, chair__isnull=False)
        .select_related("chair", "teacher", "school")
        .first()
    )
    if conversation is None or conversation.chair is None:
        return False
    chair = conversation.chair
    claimed = (
        Conversation.objects.filter(pk=conversation.pk, chair=chair)
        .exclude(notified_chair=chair)
        .update(notified_chair=chair)
    )
    if claimed != 1:
        return False
    try:
        url = settings.SITE_URL + reverse(
            "practice:conversation", args=[conversation.school.slug, conversation.pk]
        )
        templated_email(
            "practice/email/chair_invited",
            {"teacher": conversation.teacher, "url": url, "school": conversation.school},
            to=chair.email,
            language=chair.language,
        ).send()
    except Exception:
        # Release the claim so a retry can send it after all.
        Conversation.objects.filter(pk=conversation.pk).update(notified_chair=None)
        raise
    return True
