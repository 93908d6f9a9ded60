"""Periodic upkeep of the calendar."""

from __future__ import annotations

from celery import shared_task

from .feeds import prune_cancelled


@shared_task(acks_late=True)
def prune_cancelled_activities() -> int:
    """Idempotent: deletes only what is older than the keep period, whenever it runs."""
    return prune_cancelled()
