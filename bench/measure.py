"""The figures bench/run.py measures inside its own process (no HTTP): the national
aggregate against a plain count, the nudge scan, and the check that every submit was stored
exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone


@dataclass
class Figure:
    name: str
    value: str
    target: str = ""
    met: bool | None = None


def _best_of(runs: int, work: Callable[[], object]) -> float:
    """The median of ``runs`` timings after one warm-up run (the data is then in memory)."""
    work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return median(timings)


def _sequential_count() -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        # A plain sequential scan, as the issue asks: no index-only shortcut.
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SELECT count(*) FROM surveys_answer")
        return int(cursor.fetchone()[0])


def national_figures(now: datetime) -> list[Figure]:
    from surveys.national import national_theme_means

    answers = _sequential_count()
    count = _best_of(5, _sequential_count)
    result = national_theme_means(now)
    assert result is not None, "no national figure: fewer schools than MIN_SCHOOLS"
    aggregate = _best_of(5, lambda: national_theme_means(now))
    ratio = aggregate / count
    return [
        Figure(
            f"national aggregate ({result.schools:,} schools, {answers:,} answers)",
            f"{aggregate * 1000:.0f} ms vs sequential count {count * 1000:.0f} ms = {ratio:.1f}x",
            "≤ 3x",
            ratio <= 3,
        ),
        _counting_figure(now),
    ]


def _counting_figure(now: datetime) -> Figure:
    """What the aggregate rests on: every round counted into tallies once, by the beat, soon
    after it closes. Timed here for all rounds of the past year at once, then rolled back."""
    from surveys.models import Round, RoundTally
    from surveys.retention import tally_closed

    with transaction.atomic():
        rounds = Round.objects.filter(tallied_at__isnull=False, purged_at__isnull=True)
        RoundTally.objects.filter(round__in=rounds).delete()
        rounds.update(tallied_at=None)
        started = time.perf_counter()
        counted = tally_closed(now=now)
        took = time.perf_counter() - started
        transaction.set_rollback(True)
    return Figure(
        f"counting {counted:,} closed rounds into tallies (the beat, once per round)",
        f"{took:.1f} s",
    )


def nudge_scan_figure(schools: int) -> Figure:
    from nudges.bench import build_schools
    from nudges.rules import scan

    with transaction.atomic():
        build_schools(schools, prefix=f"bench-nudges-{int(time.time())}")
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = scan(now=timezone.now())
            took = time.perf_counter() - started
        transaction.set_rollback(True)
    return Figure(
        f"nudge scan over {schools:,} schools",
        f"{took:.2f} s, {len(queries.captured_queries)} queries, {result.created:,} nudges",
    )


def check_submits(slug: str, items: int) -> Figure:
    """Every submit stored exactly once: each invitation that is done has one sealed ballot;
    once the box is opened (as after closing), each ballot is one response of ``items``
    answers, and no response has more or fewer."""
    from django.utils import timezone

    from surveys.ballots import open_box
    from surveys.models import Answer, Ballot, Invitation, Response, Round

    done = Invitation.objects.filter(round__school__slug=slug, done=True).count()
    sealed = Ballot.objects.filter(round__school__slug=slug).count()
    for round_ in Round.objects.filter(school__slug=slug).select_related("version"):
        Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now())
        round_.refresh_from_db()
        open_box(round_, timezone.now())
    responses = Response.objects.filter(round__school__slug=slug)
    sizes = (
        Answer.objects.filter(response__in=responses)
        .values("response")
        .annotate(n=Count("item"))
        .values_list("n", flat=True)
    )
    wrong = sum(1 for n in sizes if n != items)
    stored = responses.count()
    return Figure(
        "submits stored exactly once",
        f"{done:,} invitations done, {sealed:,} sealed ballots, {stored:,} responses once "
        f"opened, {wrong} with ≠ {items} answers",
        "equal, 0",
        done == sealed == stored and wrong == 0 and done > 0,
    )
