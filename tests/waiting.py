"""Waiting for what a test expects. A test that needs another process (a Celery worker,
gunicorn, beat, a server thread) to reach some state polls for that state, with a generous
bound, instead of sleeping a fixed time: a busy machine then only makes the test slower, not
red, and a state that never comes still fails, saying which state it was."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Generous: the test machine is shared with the database, the browsers and other runs.
TIMEOUT = 60.0


def wait_for(
    condition: Callable[[], T | None],
    *,
    message: str | Callable[[], str],
    timeout: float = TIMEOUT,
    interval: float = 0.2,
) -> T:
    """The first truthy value of ``condition()``, asked every ``interval`` seconds; when none
    comes within ``timeout`` seconds, an AssertionError naming ``message``, the state that
    never came (a callable is asked only then, so it may add a log tail)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    text = message() if callable(message) else message
    raise AssertionError(f"waited {timeout:g} s for: {text}")


def another_connection_waits_for_a_lock() -> None:
    """Return once some connection to the test database is waiting for a lock (the second of
    two that a concurrency test runs at once); fail when none does."""
    from django.db import connection

    def waiting() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            row = cursor.fetchone()
        return row is not None and row[0] > 0

    wait_for(
        waiting, message="the second connection to wait for the first one's lock", interval=0.05
    )


def race(
    first: Callable[[], None],
    second: Callable[[], None],
    *,
    held: threading.Event,
    release: threading.Event,
) -> None:
    """Run ``first`` and ``second`` at once, each in a thread with its own connection.
    ``first`` sets ``held`` once it holds a lock and then waits for ``release``; ``second``
    starts after ``held``. Returns when both are done, having seen the second connection wait
    for the first one's lock."""
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert held.wait(30)
    try:
        another_connection_waits_for_a_lock()
    finally:
        release.set()
        for thread in threads:
            thread.join(30)
