"""Seal every waiting ballot and every draft again under the first of ``BALLOT_KEYS``.

Key rotation: put the new key first in ``BALLOT_KEYS`` and keep the old one after it, restart,
run this command, then remove the old key. Each row is read and written under its own row lock,
in batches, so answering goes on meanwhile; a second run changes only what is still sealed
under an old key (and harmlessly re-seals the rest)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import models, transaction

from surveys.models import Ballot, Draft
from surveys.sealing import reseal

BATCH = 500


class Command(BaseCommand):
    help = "Seal waiting ballots and drafts again under the first key of BALLOT_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        ballots = self._reseal(Ballot, ["sealed"])
        drafts = self._reseal(Draft, ["scores", "texts"])
        self.stdout.write(f"Sealed again: {ballots} ballots, {drafts} drafts.")

    @staticmethod
    def _reseal(model: type[models.Model], fields: list[str]) -> int:
        rows: models.Manager[Any] = model._default_manager
        done = 0
        pks = list(rows.values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            with transaction.atomic():
                batch = list(
                    rows.select_for_update()
                    .filter(pk__in=pks[start : start + BATCH])
                    .only("pk", *fields)
                )
                for row in batch:
                    for field in fields:
                        if value := getattr(row, field):
                            setattr(row, field, reseal(value))
                rows.bulk_update(batch, fields)
                done += len(batch)
        return done
