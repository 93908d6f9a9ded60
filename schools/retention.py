"""The retention period (AVG): after the number of months a school chose
(``School.retention_months``), what people typed or tapped is deleted and what the school was
shown stays.

What is deleted belongs to the app that keeps it, so each app registers its own purge
(``register``, from its ``AppConfig.ready``) and ``purge_expired`` runs them all:

- ``surveys``: the raw answers of rounds closed longer ago than the period, after storing the
  tallies of released rounds (surveys/retention.py);
- ``interviews``: the notes of interviews held longer ago; the interview itself stays;
- ``focusgroups``: the check-ins, reactions and votes of sessions that ended longer ago; the
  agreements stay.

Every purge marks what it purged (``Round.purged_at``, ``Interview.notes_purged_at``,
``FocusSession.purged_at``) so pages can say why something is gone and a second run finds
nothing to do. Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (``claim``): two runs at
the same time each take other rows, never the same. All work is set-based: the number of
queries does not depend on the number of rows.
"""

from __future__ import annotations

import calendar
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from schools.models import School


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier, in Amsterdam; the 31st
    becomes the last day of a shorter month."""
    local = timezone.localtime(moment)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


@dataclass(frozen=True)
class Scope:
    """One run: its moment, and the schools it covers."""

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


def delete_rows(queryset: models.QuerySet[Any]) -> int:
    """One DELETE statement. ``QuerySet.delete()`` would load the rows to cascade and delete
    them in chunks of a hundred; a purge empties every child table explicitly first, so
    nothing is left for a cascade to find."""
    return queryset._raw_delete(queryset.db)


def claim(queryset: models.QuerySet[Any], *fields: str) -> list[Any]:
    """Lock the due rows for this transaction and return ``fields`` of them (the pk alone
    when none are named). Only the claimed table's rows are locked, not the joined schools;
    rows another run holds are skipped: that run purges them."""
    locked = queryset.select_for_update(skip_locked=True, of=("self",))
    if fields:
        return list(locked.values_list("pk", *fields))
    return list(locked.values_list("pk", flat=True))


# A purge takes the run's scope and returns how many things (rounds, interviews, sessions) it
# purged; each runs in a transaction of its own, so a failure in one leaves the others done.
Purge = Callable[[Scope], int]
_purges: dict[str, Purge] = {}


def register(kind: str, purge: Purge) -> None:
    """Called by an app's ``AppConfig.ready``; ``kind`` names what the count is of."""
    _purges[kind] = purge


def purge_expired(*, now: datetime, school_ids: Sequence[int] | None = None) -> dict[str, int]:
    """Delete what has passed its school's retention period at ``now``, for every school or
    the given ones; per kind, how many were purged. Reads the distinct periods of the schools
    concerned once, then runs every registered purge. Idempotent: a second run, or one
    running at the same time, purges nothing twice."""
    schools = School.objects.all()
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    periods = sorted(set(schools.values_list("retention_months", flat=True)))
    if not periods:
        return dict.fromkeys(_purges, 0)
    scope = Scope(now=now, periods=periods, school_ids=school_ids)
    return {kind: purge(scope) for kind, purge in _purges.items()}
