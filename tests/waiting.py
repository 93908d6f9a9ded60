"""Waiting for what a test expects. A test that needs another process (a Celery worker,
gunicorn, beat, a server thread) to reach some state polls for that state, with a generous
bound, instead of sleeping a fixed time: a busy machine then only makes the test slower, not
red, and a state that never comes still fails, saying which state it was."""

from __future__ import annotations

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
