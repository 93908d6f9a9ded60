"""A test-only e-mail backend for the worker tests: a file of its own for every connection
(each delivery opens one), so a test can count mails by counting files, and an optional
wait of ``SLOW_MAIL_SECONDS`` before each write, so a test can kill the worker in the
middle of a send (the backend logs when it starts waiting, so the test knows it is there)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger(__name__)
# The line a test waits for in the worker's log.
SLOW_SEND_STARTED = "Slow mail: waiting before writing"


class SlowFileBackend(EmailBackend):
    # django-stubs does not declare the attributes the file backend sets in __init__.
    file_path: str
    _fname: str | None

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        seconds = float(os.environ.get("SLOW_MAIL_SECONDS", "0"))
        if seconds:
            logger.warning("%s (%g s)", SLOW_SEND_STARTED, seconds)
            time.sleep(seconds)
        return super().send_messages(email_messages)

    def _get_filename(self) -> str:
        # Django names the file after the second and id(self). Two connections opened in
        # the same second can get the same id once the first is collected, and then share
        # one file, so a test counting files sees one mail too few. A uuid keeps them apart.
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{time.time_ns()}-{uuid.uuid4().hex}.log")
        return self._fname
