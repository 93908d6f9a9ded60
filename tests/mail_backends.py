"""A test-only e-mail backend for the worker tests: it waits ``SLOW_MAIL_SECONDS`` before it
writes each message to a file, so a test can kill the worker in the middle of a send."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0")))
        return super().send_messages(email_messages)
