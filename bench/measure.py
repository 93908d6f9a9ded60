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


def _national_count() -> int:
    """The yardstick: a plain count of the answers the national figure summarises (those of
    the national data set's schools), through the ORM."""
    from bench.data import NATIONAL_PREFIX
    from surveys.models import Answer

    return Answer.objects.filter(
        response__round__school__slug__startswith=f"{NATIONAL_PREFIX}-"
    ).count()


def national_figures(now: datetime) -> list[Figure]:
    from surveys.national import national_theme_means

    answers = _national_count()
    count = _best_of(5, _national_count)
    result = national_theme_means(now)
    assert result is not None, "no national figure: fewer schools than MIN_SCHOOLS"
    aggregate = _best_of(5, lambda: national_theme_means(now))
    ratio = aggregate / count
    return [
        Figure(
            f"national aggregate ({result.schools:,} schools, {answers:,} answers)",
            f"{aggregate * 1000:.0f} ms vs counting those answers {count * 1000:.0f} ms "
            f"= {ratio:.1f}x",
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


def check_stored(slugs: list[str], items: int, *, flows: int, peer: tuple[int, int, int]) -> Figure:
    """Every questionnaire sent was stored exactly once: each invitation that is done has one
    sealed ballot; once the box is opened (as after closing), each ballot is one response of
    ``items`` answers. The whole questionnaires (``flows`` of them) are among them; the peer
    stored one response of 40 answers for each of its questionnaires
    (``peer`` = stored, sent, stored without 40 answers)."""
    from django.utils import timezone

    from surveys.ballots import open_box
    from surveys.models import Answer, Ballot, Invitation, Response, Round

    done = Invitation.objects.filter(round__school__slug__in=slugs, done=True)
    flow_done = done.filter(round__school__slug=slugs[-1]).count()
    done_count = done.count()
    sealed = Ballot.objects.filter(round__school__slug__in=slugs).count()
    for round_ in Round.objects.filter(school__slug__in=slugs).select_related("version"):
        Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now())
        round_.refresh_from_db()
        open_box(round_, timezone.now())
    responses = Response.objects.filter(round__school__slug__in=slugs)
    sizes = (
        Answer.objects.filter(response__in=responses)
        .values("response")
        .annotate(n=Count("item"))
        .values_list("n", flat=True)
    )
    wrong = sum(1 for n in sizes if n != items)
    stored = responses.count()
    peer_stored, peer_sent, peer_short = peer
    return Figure(
        "questionnaires stored exactly once",
        f"{done_count:,} invitations done ({flow_done} whole questionnaires of {flows}), "
        f"{sealed:,} sealed ballots, {stored:,} responses once opened, {wrong} with ≠ {items} "
        f"answers; peer: {peer_stored} of {peer_sent} stored, {peer_short} with ≠ 40",
        "equal, 0",
        done_count == sealed == stored
        and wrong == 0
        and done_count > 0
        and flow_done == flows
        and peer_stored == peer_sent
        and peer_short == 0,
    )
