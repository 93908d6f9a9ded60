"""The retention period (AVG): after the number of months a school chose
(``School.retention_months``), what people typed or tapped is deleted and what the school was
shown stays.

``purge_expired`` deletes, for every school or the given ones:

- the raw answers of rounds closed longer ago than the period (``Response``, ``Answer``,
  ``OpenAnswer``, any ``Draft`` left and the sealed ``Ballot``s of a round that never reached
  its threshold), after storing the round's tallies per statement and
  value (``RoundTally``) and its number of respondents, so that ``surveys.anonymity`` draws the
  same released results, trend and signals from them. A round below its threshold was never
  shown and keeps nothing. Open answers are not kept in any form;
- the notes of interviews held longer ago (the interview itself stays: who was interviewed
  when, without a word of what was said);
- the check-ins, reactions and votes of focus sessions that ended longer ago (the agreements
  stay: the team made them to keep them).

What stays: the round, its invitations (the response rate), the leader's own view (it is the
leader's, and makes the gap), decisions on suggestions, agreements, the calendar.

Every part marks what it purged (``Round.purged_at``, ``Interview.notes_purged_at``,
``FocusSession.purged_at``) so pages can say why something is gone, and so a second run finds
nothing to do. Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``: two runs at the same
time each take other rows, never the same. All work is set-based: the number of queries does not
depend on the number of rounds, answers, interviews or sessions.
"""

from __future__ import annotations

import calendar
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from focusgroups.models import CheckIn, FocusSession, Reaction, Vote
from interviews.models import Interview, InterviewNote
from schools.models import School
from surveys.anonymity import is_releasable
from surveys.ballots import open_box
from surveys.models import DONT_KNOW, Answer, Ballot, Draft, OpenAnswer, Response, Round, RoundTally


@dataclass(frozen=True)
class Purged:
    """How many rounds, interviews and focus sessions one run purged."""

    rounds: int = 0
    interviews: int = 0
    sessions: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier, in Amsterdam; the 31st
    becomes the last day of a shorter month."""
    local = timezone.localtime(moment)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


@dataclass(frozen=True)
class _Scope:
    now: datetime
    periods: Sequence[int]  # the distinct retention periods of the schools concerned
    school_ids: Sequence[int] | None

    def due(self, school_path: str, ended: str, fallback: str | None = None) -> Q:
        """Rows whose moment (``ended``, or ``fallback`` when that is empty) lies longer ago
        than their school's retention period: one condition per distinct period, so a single
        query serves every school whatever each one chose."""
        conditions = []
        for months in self.periods:
            cutoff = months_before(self.now, months)
            moment = Q(**{f"{ended}__lte": cutoff})
            if fallback:
                moment |= Q(**{f"{ended}__isnull": True, f"{fallback}__lte": cutoff})
            conditions.append(Q(**{f"{school_path}__retention_months": months}) & moment)
        due = reduce(operator.or_, conditions)
        if self.school_ids is not None:
            due &= Q(**{f"{school_path}__in": self.school_ids})
        return due


def _delete(queryset: models.QuerySet[models.Model]) -> int:
    """One DELETE statement. ``QuerySet.delete()`` would load the rows to cascade and delete
    them in chunks of a hundred; here every child table is emptied explicitly first, so
    nothing is left for a cascade to find."""
    return queryset._raw_delete(queryset.db)


def _claim(queryset: models.QuerySet[Any], *fields: str) -> list[Any]:
    """Lock the due rows for this transaction and return ``fields`` of them (the pk alone
    when none are named). Only the claimed table's rows are locked, not the joined schools;
    rows another run holds are skipped: that run purges them."""
    locked = queryset.select_for_update(skip_locked=True, of=("self",))
    if fields:
        return list(locked.values_list("pk", *fields))
    return list(locked.values_list("pk", flat=True))


def _store_tallies(round_ids: Sequence[int]) -> None:
    """``INSERT … SELECT`` the tallies of these rounds: counted in the database, so no answer
    travels to Python on its way to being deleted."""
    grouped = (
        Answer.objects.filter(response__round_id__in=round_ids)
        .values("response__round_id", "item_id")
        .annotate(
            tally_value=Coalesce(
                "value", Value(DONT_KNOW), output_field=models.PositiveSmallIntegerField()
            ),
            n=Count("item"),
        )
        .order_by()
    )
    select, params = grouped.query.sql_with_params()
    meta = RoundTally._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(column[name]) for name in ("round", "item", "value", "count")
    )
    table = connection.ops.quote_name(meta.db_table)
    # Table and column names come from the model; every value travels as a parameter.
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def _released(thresholds: dict[int, int]) -> dict[int, int]:
    """Of these rounds (id: threshold), the ones whose results were released, with their
    number of respondents."""
    counts = Response.objects.per_round(thresholds)
    return {pk: counts[pk] for pk, t in thresholds.items() if is_releasable(counts.get(pk, 0), t)}


def _purge_rounds(scope: _Scope) -> int:
    """Eight statements at most, however many rounds are due."""
    due = scope.due("school", "closes_at")
    with transaction.atomic():
        due_rounds = Round.objects.filter(due, purged_at__isnull=True)
        thresholds = dict(_claim(due_rounds, "threshold"))
        claimed = list(thresholds)
        if not claimed:
            return 0
        released = _released(thresholds)
        # A round counted soon after closing (tally_closed) has its tallies already.
        untallied = set(
            Round.objects.filter(pk__in=list(released), tallied_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if untallied:
            _store_tallies(sorted(untallied))
        Round.objects.filter(pk__in=claimed).update(
            purged_at=scope.now,
            purged_respondents=Case(
                *(When(pk=pk, then=Value(n)) for pk, n in released.items()),
                default=None,
                output_field=models.PositiveIntegerField(null=True),
            ),
        )
        _delete(Answer.objects.filter(response__round_id__in=claimed))
        _delete(Response.objects.filter(round_id__in=claimed))
        _delete(OpenAnswer.objects.filter(round_id__in=claimed))
        _delete(Draft.objects.filter(invitation__round_id__in=claimed))
        # Ballots of a round that never reached its threshold stayed sealed; they go too.
        _delete(Ballot.objects.filter(round_id__in=claimed))
        return len(claimed)


def _purge_interviews(scope: _Scope) -> int:
    due = scope.due("round__school", "scheduled_at", "created_at")
    with transaction.atomic():
        due_interviews = Interview.objects.filter(due, notes_purged_at__isnull=True)
        claimed = _claim(due_interviews)
        if not claimed:
            return 0
        themes = InterviewNote.themes.through.objects
        _delete(themes.filter(interviewnote__interview_id__in=claimed))
        _delete(InterviewNote.objects.filter(interview_id__in=claimed))
        Interview.objects.filter(pk__in=claimed).update(notes_purged_at=scope.now)
        return len(claimed)


def _purge_sessions(scope: _Scope) -> int:
    due = scope.due("round__school", "closed_at", "created_at")
    with transaction.atomic():
        due_sessions = FocusSession.objects.filter(due, purged_at__isnull=True)
        claimed = _claim(due_sessions)
        if not claimed:
            return 0
        _delete(Vote.objects.filter(reaction__phase__session_id__in=claimed))
        _delete(Reaction.objects.filter(phase__session_id__in=claimed))
        _delete(CheckIn.objects.filter(session_id__in=claimed))
        # A presenter screen or phone still open on the session reloads and says it is gone.
        FocusSession.objects.filter(pk__in=claimed).update(
            purged_at=scope.now, version=F("version") + 1
        )
        return len(claimed)


def purge_expired(*, now: datetime, school_ids: Sequence[int] | None = None) -> Purged:
    """Delete what has passed its school's retention period at ``now``; see the module.

    1. read the distinct periods of the schools concerned (one query);
    2. purge due rounds, storing the tallies of released ones first;
    3. delete the notes of due interviews;
    4. delete the phone input of due focus sessions.

    Each step is its own transaction, so a failure in one leaves the others done; each is safe
    to repeat. Idempotent: a second run, or one running at the same time, purges nothing twice.
    """
    schools = School.objects.all()
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    periods = sorted(set(schools.values_list("retention_months", flat=True)))
    if not periods:
        return Purged()
    scope = _Scope(now=now, periods=periods, school_ids=school_ids)
    return Purged(
        rounds=_purge_rounds(scope),
        interviews=_purge_interviews(scope),
        sessions=_purge_sessions(scope),
    )


def tally_closed(*, now: datetime, round_ids: Sequence[int] | None = None) -> int:
    """Count every round that has closed and was not counted yet (or the given ones): its
    ballot box is opened (``surveys.ballots.open_box``: only at the threshold, shuffled), a
    released round's answers go into its tallies, and the round is marked counted
    (``tallied_at``), released or not, so it is looked at once. Returns the number of rounds
    marked. Idempotent, and safe beside a second run (the last step claims with SKIP LOCKED,
    and a box still being opened by another run is left to that run).

    A counted round takes no ballots any more (``Round.accepts_ballots``), and one whose box
    was opened cannot be opened again (``ExtendForm``), so tallies never go stale. A round
    that was not released may be reopened; it has no tallies, loses its mark, and its sealed
    ballots wait for the next close."""
    due = Round.objects.filter(
        closes_at__lte=now, tallied_at__isnull=True, purged_at__isnull=True
    ).select_related("version")
    if round_ids is not None:
        due = due.filter(pk__in=round_ids)
    counted = 0
    for round_ in due:
        open_box(round_, now)
        counted += _tally(round_.pk, now)
    return counted


def _tally(round_id: int, now: datetime) -> int:
    with transaction.atomic():
        claimed = _claim(
            Round.objects.filter(pk=round_id, tallied_at__isnull=True, purged_at__isnull=True),
            "threshold",
            "box_opened_at",
        )
        if not claimed:
            return 0
        ((_pk, threshold, box_opened_at),) = claimed
        waiting = Ballot.objects.filter(round_id=round_id).count()
        if waiting and (box_opened_at is not None or is_releasable(waiting, threshold)):
            # Another run is still opening the box, or a late ballot made it reach the
            # threshold after this run looked: the next run opens and counts it.
            return 0
        if _released({round_id: threshold}):
            _store_tallies([round_id])
        return Round.objects.filter(pk=round_id).update(tallied_at=now)
