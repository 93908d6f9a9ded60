"""One nudge scan now, for operators and the demo: creates due nudges, resolves those whose
condition no longer holds, and queues the e-mails that are due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from nudges.outbox import BROKER_DOWN
from nudges.rules import scan
from nudges.tasks import sweep


class Command(BaseCommand):
    help = "Scan every school for nudges now and queue the e-mails that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        result = scan(now=timezone.now())
        try:
            queued = sweep()
        except BROKER_DOWN:
            queued = 0
            self.stderr.write("The broker is down; e-mails wait for the next sweep.")
        self.stdout.write(
            f"{result.created} new, {result.resolved} resolved, {result.reopened} reopened, "
            f"{queued} e-mails queued."
        )
