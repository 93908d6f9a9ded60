"""Queueing without breaking the web request when the broker is down.

The database is the outbox: a nudge waits as a row with ``delivery=pending`` and the beat
scan sweeps every pending row into the queue. Enqueueing right after the commit is only a
shortcut to send sooner; if the broker is unreachable it is logged and skipped, and the next
sweep sends it."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What kombu and redis-py raise when the broker cannot be reached.
BROKER_DOWN: tuple[type[BaseException], ...] = (OperationalError, OSError)
try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    BROKER_DOWN += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is installed wherever Redis is the broker
    pass


def send_soon(task: Task[Any, Any], *args: Any) -> None:
    """``task.delay(*args)`` after the current transaction commits, never raising when the
    broker is down."""

    def publish() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except BROKER_DOWN:
            logger.warning("Broker unreachable; %s waits for the next sweep.", task.name)

    transaction.on_commit(publish)
