"""What the retention period (schools/retention.py) deletes of a focus group: the check-ins,
reactions and votes of sessions that ended longer ago than the school's period (or started,
if never closed). The session and its agreements and goals stay: the team made them to keep
them. The session is marked ``purged_at``."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from focusgroups.models import CheckIn, FocusSession, Reaction, Vote
from schools.retention import Scope, claim, delete_rows


def purge_phone_input(scope: Scope) -> int:
    due = scope.due("round__school", "closed_at", "created_at")
    with transaction.atomic():
        claimed = claim(FocusSession.objects.filter(due, purged_at__isnull=True))
        if not claimed:
            return 0
        delete_rows(Vote.objects.filter(reaction__phase__session_id__in=claimed))
        delete_rows(Reaction.objects.filter(phase__session_id__in=claimed))
        delete_rows(CheckIn.objects.filter(session_id__in=claimed))
        # A presenter screen or phone still open on the session reloads and says it is gone.
        FocusSession.objects.filter(pk__in=claimed).update(
            purged_at=scope.now, version=F("version") + 1
        )
        return len(claimed)
