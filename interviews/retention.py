"""What the retention period (schools/retention.py) deletes of an interview: the notes of
interviews held longer ago than the school's period, with their theme codes. The interview
itself stays (who was interviewed when, without a word of what was said), marked
``notes_purged_at``."""

from __future__ import annotations

from django.db import transaction

from interviews.models import Interview, InterviewNote
from schools.retention import Scope, claim, delete_rows


def purge_notes(scope: Scope) -> int:
    due = scope.due("round__school", "scheduled_at", "created_at")
    with transaction.atomic():
        claimed = claim(Interview.objects.filter(due, notes_purged_at__isnull=True))
        if not claimed:
            return 0
        themes = InterviewNote.themes.through.objects
        delete_rows(themes.filter(interviewnote__interview_id__in=claimed))
        delete_rows(InterviewNote.objects.filter(interview_id__in=claimed))
        Interview.objects.filter(pk__in=claimed).update(notes_purged_at=scope.now)
        return len(claimed)
