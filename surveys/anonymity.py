"""The one gatekeeper between stored answers and anything a person sees.

Every results page and every export goes through this module; nothing else reads ``Answer`` or
``OpenAnswer`` for display. Teachers answer honestly only when they can trust that no answer can
be traced to them, so the rules of docs/product.md ("Anonymity") live here, in one place that
can be tested as a whole:

1. Nothing of a round is shown before it has closed: while it is open, every new figure would
   differ from the previous one by exactly the person who just answered.
2. No aggregate of fewer than ``round.threshold`` respondents, and not even the number of
   respondents then ("fewer than N"): a count of 2 tells a team of 12 who the two were.
3. Open answers need the (higher or equal) ``round.open_threshold``, because words and style
   identify people more easily than scores. They are returned as texts only, without ids or
   dates, and shuffled with the operating system's randomness, so that neither storage order
   nor a seeded generator gives the order of submission back.
4. No subgroup whose complement in its parent is below the threshold
   (``releasable_subgroups``), so nobody can subtract one figure from another.
5. The response rate of a round (done invitations / invitations) may be shown at any time: it
   says how many answered, never what anyone answered nor who did not.
6. After the school's retention period the answers are deleted (``surveys.retention``) and a
   released round keeps only its tallies per statement and value (``RoundTally``) and its
   number of respondents. The functions below then read those instead, so the results look
   the same; a round that was never released keeps nothing, so its gate stays shut. Open
   answers are gone for good and their gate says so.
7. What phones send in a live session (the focus group's check-in, the answers to a practice
   step) stays off the beamer until the facilitator reveals it, all at once, and only from
   ``threshold`` contributions on (``may_reveal``); below it a count reads "fewer than N"
   (``shown_count``). Once revealed it is frozen: nothing sent later is stored, because the
   room would see the figures change the moment someone taps, and learn what that person
   chose. ``dialoog.live.add_unless_revealed`` and ``dialoog.live.reveal`` keep the two apart.

Every function takes ``now`` explicitly, so the decision can be tested for any moment and a page
never mixes two clocks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    StdDev,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from .models import (
    DONT_KNOW,
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    Block,
    Invitation,
    OpenAnswer,
    Response,
    Round,
    RoundTally,
)

K = TypeVar("K")

Reason = Literal["not_closed", "below_threshold", "below_open_threshold", "purged", "ok"]

NOT_CLOSED = _("Results appear when the round has closed.")
BELOW_THRESHOLD = _(
    "Fewer than %(n)s colleagues answered, so nothing can be shown without someone being "
    "recognisable."
)
BELOW_OPEN_THRESHOLD = _(
    "Open answers appear only when at least %(n)s colleagues answered, so that nobody can be "
    "recognised by their words."
)
PURGED = _(
    "The open answers were deleted when the school's retention period had passed. The "
    "figures are kept."
)

# One generator for the process, fed by os.urandom: it cannot be seeded, so the order of open
# answers cannot be reproduced, not even by a test or a debugging session that seeds ``random``.
_shuffler = random.SystemRandom()


@dataclass(frozen=True)
class Gate:
    """Whether (part of) a round's results may be shown, and what may be said about it.

    ``respondents`` is ``None`` whenever the gate is shut: below the threshold the exact number
    is itself identifying, and before closing it changes with every single submission.
    ``threshold`` is the number the gate was measured against, for the "fewer than N" message.
    """

    released: bool
    respondents: int | None
    reason: Reason
    threshold: int

    @property
    def message(self) -> str:
        """What to tell the reader instead of the results, in the active language."""
        if self.reason == "not_closed":
            return str(NOT_CLOSED)
        if self.reason == "below_threshold":
            return str(BELOW_THRESHOLD) % {"n": self.threshold}
        if self.reason == "below_open_threshold":
            return str(BELOW_OPEN_THRESHOLD) % {"n": self.threshold}
        if self.reason == "purged":
            return str(PURGED)
        return ""


def is_releasable(count: int, threshold: int) -> bool:
    """A figure about ``count`` people may be shown. Also the rule for a parent group."""
    return count >= threshold


def shown_count(count: int, threshold: int) -> int | None:
    """A count of people as it may be shown: itself from ``threshold`` on, ``None`` below it
    (shown as "fewer than N"). No query."""
    return count if is_releasable(count, threshold) else None


def may_reveal(count: int, threshold: int) -> bool:
    """May the facilitator reveal what ``count`` phones sent (rule 7)? Below the threshold
    nothing could be shown without someone being recognisable, and revealing would freeze the
    input for nothing; so the reveal waits. No query."""
    return is_releasable(count, threshold)


def _gate(round: Round, now: datetime, threshold: int, shut: Reason) -> Gate:
    # Before closing we do not even count: there is nothing to decide and nothing to reveal.
    if not round.is_closed(now):
        return Gate(released=False, respondents=None, reason="not_closed", threshold=threshold)
    # A purged round kept its count only if it was released; no query either way.
    respondents = round.purged_respondents if round.is_purged else round.responses.count()
    if respondents is None or not is_releasable(respondents, threshold):
        return Gate(released=False, respondents=None, reason=shut, threshold=threshold)
    return Gate(released=True, respondents=respondents, reason="ok", threshold=threshold)


def round_gate(round: Round, now: datetime) -> Gate:
    """May the scores of this round be shown at ``now``? At most one query (a count)."""
    return _gate(round, now, round.threshold, "below_threshold")


def open_answers_gate(round: Round, now: datetime) -> Gate:
    """May the open answers of this round be shown at ``now``? Measured against
    ``open_threshold`` (never lower than ``threshold``). At most one query. After the
    retention period there is nothing left to show, and the gate says why."""
    gate = _gate(round, now, round.open_threshold, "below_open_threshold")
    if gate.released and round.is_purged:
        return Gate(released=False, respondents=None, reason="purged", threshold=gate.threshold)
    return gate


def item_distributions(round: Round, now: datetime) -> dict[int, dict[int | None, int]] | None:
    """Per item id: how many respondents gave each value, ``None`` being "don't know".

    Every value of the scale is present (0 when nobody chose it), so a chart never has to guess.
    Counted by the database in one grouped query, so no individual answer row ever reaches
    Python; two queries in all, whatever the number of responses or items (one for a purged
    round, read from its tallies). ``None`` when the gate is shut.
    """
    if not round_gate(round, now).released:
        return None
    rows: list[tuple[int, int | None, int]]
    if round.is_tallied:
        rows = [
            (item_id, None if value == DONT_KNOW else value, n)
            for item_id, value, n in RoundTally.objects.filter(round=round).values_list(
                "item_id", "value", "count"
            )
        ]
    else:
        rows = list(
            Answer.objects.filter(response__round=round)
            .values("item_id", "value")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("item_id", "value", "n")
        )
    empty: dict[int | None, int] = {v: 0 for v in range(SCALE_MIN, SCALE_MAX + 1)}
    empty[None] = 0
    result: dict[int, dict[int | None, int]] = {}
    for item_id, value, n in rows:
        result.setdefault(item_id, dict(empty))[value] = n
    return result


def theme_means(round: Round, now: datetime) -> dict[int, float] | None:
    """Per theme number: the mean favourable value (5 is always good), "don't know" left out.

    Reverse-scored items are flipped (``6 - value``) in the database, so the mean is one grouped
    ``AVG`` over all answers of the theme's items (two queries in all). A theme whose answers are
    all "don't know" has no mean and is left out. ``None`` when the gate is shut.
    """
    if not round_gate(round, now).released:
        return None
    if round.is_tallied:
        return {theme: sums.mean for (_, theme), sums in _tally_sums([round.pk]).items()}
    rows = (
        Answer.objects.filter(response__round=round, item__block=Block.THEME)
        .values("item__theme__number")
        .annotate(mean=Avg(_favourable(), output_field=FloatField()))
        .order_by()
    )
    return {
        row["item__theme__number"]: float(row["mean"]) for row in rows if row["mean"] is not None
    }


def _favourable() -> Case:
    return Case(
        When(item__reverse_scored=True, then=Value(SCALE_MAX + SCALE_MIN) - F("value")),
        default=F("value"),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class ThemeStat:
    mean: float
    spread: float  # population standard deviation of the favourable values
    answers: int  # answers on the scale (not respondents; "don't know" left out)


@dataclass(frozen=True)
class _Sums:
    """Of one theme's favourable values: how many, their sum and their sum of squares."""

    n: int
    s1: int
    s2: int

    @property
    def mean(self) -> float:
        return self.s1 / self.n

    @property
    def spread(self) -> float:
        # Population variance from exact integers, as ``StdDev`` (stddev_pop) gives it.
        return math.sqrt(max(self.n * self.s2 - self.s1 * self.s1, 0)) / self.n


def _tally_sums(round_ids: Sequence[int]) -> dict[tuple[int, int], _Sums]:
    """Per (round id, theme number), from the tallies of counted rounds: the sums that mean and
    spread are made of, in one grouped query ("don't know" left out, as in the answers)."""
    rows = theme_sums(RoundTally.objects.filter(round_id__in=round_ids), "round_id")
    return {(row["round_id"], row["item__theme__number"]): sums for row, sums in rows}


def theme_sums(tallies: QuerySet[RoundTally], *by: str) -> list[tuple[dict[str, Any], _Sums]]:
    """Sums of favourable values per theme (and per ``by``) over ``tallies``, grouped in the
    database: also the national picture (``surveys.national``), over every school's tallies."""
    favourable = _favourable()
    weighted = ExpressionWrapper(favourable * F("count"), output_field=IntegerField())
    squared = ExpressionWrapper(favourable * favourable * F("count"), output_field=IntegerField())
    rows = (
        tallies.filter(item__block=Block.THEME)
        .exclude(value=DONT_KNOW)
        .values(*by, "item__theme__number")
        .annotate(n=Sum("count"), s1=Sum(weighted), s2=Sum(squared))
        .order_by()
    )
    return [(row, _Sums(row["n"], row["s1"], row["s2"])) for row in rows if row["n"]]


def theme_stats(round: Round, now: datetime) -> dict[int, ThemeStat] | None:
    """Per theme number: mean and spread of the favourable values, in one grouped query on
    top of the gate's count. ``None`` when the gate is shut."""
    if not round_gate(round, now).released:
        return None
    if round.is_tallied:
        return {
            theme: ThemeStat(mean=sums.mean, spread=sums.spread, answers=sums.n)
            for (_, theme), sums in _tally_sums([round.pk]).items()
        }
    rows = (
        Answer.objects.filter(response__round=round, item__block=Block.THEME, value__isnull=False)
        .values("item__theme__number")
        .annotate(
            mean=Avg(_favourable(), output_field=FloatField()),
            spread=StdDev(_favourable(), output_field=FloatField()),
            answers=Count("id"),
        )
        .order_by()
    )
    return {
        row["item__theme__number"]: ThemeStat(
            mean=float(row["mean"]), spread=float(row["spread"] or 0.0), answers=row["answers"]
        )
        for row in rows
    }


def theme_trend(rounds: Sequence[Round], now: datetime) -> dict[int, dict[int, float]]:
    """Per round id (only rounds the gate releases): per theme number, the mean favourable
    value. Two queries whatever the number of rounds: one count of responses per round, one
    grouped average per round and theme; one more when some rounds are tallied (their means
    come from the tallies; a purged round's count is on the round)."""
    closed = [r for r in rounds if r.is_closed(now)]
    if not closed:
        return {}
    live = [r for r in closed if not r.is_purged]
    counts: dict[int, int] = {}
    if live:
        counts = Response.objects.per_round(r.pk for r in live)
    for r in closed:
        if r.is_purged and r.purged_respondents is not None:
            counts[r.pk] = r.purged_respondents
    released = [r for r in closed if is_releasable(counts.get(r.pk, 0), r.threshold)]
    if not released:
        return {}
    trend: dict[int, dict[int, float]] = {r.pk: {} for r in released}
    released_live = [r.pk for r in released if not r.is_tallied]
    if released_live:
        rows = (
            Answer.objects.filter(response__round_id__in=released_live, item__block=Block.THEME)
            .values("response__round_id", "item__theme__number")
            .annotate(mean=Avg(_favourable(), output_field=FloatField()))
            .order_by()
        )
        for row in rows:
            if row["mean"] is not None:
                trend[row["response__round_id"]][row["item__theme__number"]] = float(row["mean"])
    released_tallied = [r.pk for r in released if r.is_tallied]
    if released_tallied:
        for (round_id, theme), sums in _tally_sums(released_tallied).items():
            trend[round_id][theme] = sums.mean
    return trend


def open_answers(round: Round, now: datetime) -> list[str] | None:
    """The open answers as bare texts in an unpredictable order, or ``None`` when the gate for
    open answers is shut. Only the text column is read: no id, question or row order leaves the
    database that could be matched to anything else."""
    if not open_answers_gate(round, now).released:
        return None
    texts = list(
        OpenAnswer.objects.filter(round=round).exclude(text="").values_list("text", flat=True)
    )
    _shuffler.shuffle(texts)
    return texts


def releasable_subgroups(
    parent_count: int, subgroup_counts: Mapping[K, int], threshold: int
) -> frozenset[K]:
    """The subgroups whose figures may be shown next to their parent's.

    Preconditions (checked): the subgroups are disjoint parts of the parent, so their counts are
    non-negative and sum to at most ``parent_count`` (teams partition a school's respondents;
    respondents without a team make up the rest).

    Guarantee: every released subgroup has ``count >= threshold``, and for every subset ``S`` of
    the released subgroups, ``parent_count - sum(S)`` is 0 or ``>= threshold``, so the parent
    figure minus any combination of released figures never isolates 1..threshold-1 people.
    (The parent itself is shown only when ``is_releasable(parent_count, threshold)``; if it is
    not, nothing is released either.)

    Method (greedy): release every subgroup with ``count >= threshold``; while the remainder
    ``r = parent_count - sum(released)`` is between 1 and threshold-1, withhold the smallest
    released subgroup.

    Why that suffices: for a subset ``S`` of the released set ``R``,
    ``parent_count - sum(S) = r + sum(R minus S)``. If ``S`` leaves out any released subgroup,
    that term alone is ``>= threshold`` (counts are non-negative, so nothing can make it
    smaller). If ``S = R`` it is ``r``, which the loop left at 0 or ``>= threshold``. Withholding
    one subgroup raises ``r`` by at least ``threshold``, so the loop runs at most once, and it
    must run when it does: with ``r`` in 1..threshold-1 the subset ``S = R`` would isolate those
    people. So the greedy withholds as few subgroups as possible, and the smallest one.
    The argument relies on disjointness: with overlapping subgroups, subtracting two of them
    double-counts their overlap, which is why overlapping input is refused.
    """
    if threshold < 1:
        raise ValueError("The threshold must be at least 1.")
    if any(c < 0 for c in subgroup_counts.values()) or parent_count < 0:
        raise ValueError("Counts cannot be negative.")
    if sum(subgroup_counts.values()) > parent_count:
        raise ValueError("Subgroups must be disjoint parts of the parent.")
    if not is_releasable(parent_count, threshold):
        return frozenset()
    released = {k: c for k, c in subgroup_counts.items() if is_releasable(c, threshold)}
    while released and 0 < parent_count - sum(released.values()) < threshold:
        smallest = min(released, key=lambda k: released[k])
        del released[smallest]
    return frozenset(released)


def response_rate(round: Round) -> tuple[int, int]:
    """(done invitations, all invitations) of a round, in one aggregate query.

    Allowed at any time, also while the round is open: it tells the leader how many answered,
    not what anyone answered, and ``done`` carries no time that could be matched to a response.
    Who did not respond is never shown (the invitations are only counted here).
    """
    counts = Invitation.objects.filter(round=round).aggregate(
        done=Count("id", filter=Q(done=True)), total=Count("id")
    )
    return counts["done"], counts["total"]
