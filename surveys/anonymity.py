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
5. The turnout of a round (``Turnout``) may be shown at any time, coarsely: as it was at the
   last full hour, so it never moves with a single submit, and below the threshold only as
   "fewer than N". It never says what anyone answered nor who did not.
6. After the school's retention period the answers are deleted (``surveys.retention``) and a
   released round keeps only its tallies per statement and value (``RoundTally``) and its
   number of respondents. The functions below then read those instead, so the results look
   the same; a round that was never released keeps nothing, so its gate stays shut. Open
   answers are gone for good and their gate says so.
7. No round opens whose figures could be subtracted from those of another round of the school
   open at the same time (``subtraction_risk``): a whole-school round minus a team round in
   the same weeks is the teachers outside the team. Checked on invitees, fixed when a round is
   created, so it is decided before anyone answers.
8. What phones send in a live session (the focus group's check-in, the answers to a practice
   step) stays off the beamer until the facilitator reveals it, all at once, and only from
   ``threshold`` contributions on (``may_reveal``); below it a count reads "fewer than N"
   (``shown_count``). Once revealed it is frozen: nothing sent later is stored, because the
   room would see the figures change the moment someone taps, and learn what that person
   chose. ``schools.live.add_unless_revealed`` and ``schools.live.reveal`` keep the two apart.

Every function takes ``now`` explicitly, so the decision can be tested for any moment and a page
never mixes two clocks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    StdDev,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from surveys.models import (
    DONT_KNOW,
    SCALE_MAX,
    SCALE_MIN,
    Answer,
    Ballot,
    Block,
    Invitation,
    OpenAnswer,
    Response,
    Round,
    RoundTally,
)

K = TypeVar("K")
H = TypeVar("H", bound=Hashable)

Reason = Literal[
    "not_closed", "counting", "below_threshold", "below_open_threshold", "purged", "ok"
]

NOT_CLOSED = _("Results appear when the round has closed.")
COUNTING = _("The answers are being counted. The results appear within a few minutes.")
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
        if self.reason == "counting":
            return str(COUNTING)
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


def open_threshold_allowed(threshold: int, open_threshold: int) -> bool:
    """May a round's open answers have this threshold? A written sentence is the easiest
    answer to recognise: its threshold is never below the one for the scores."""
    return open_threshold >= threshold


def shown_count(count: int, threshold: int) -> int | None:
    """A count of people as it may be shown: itself from ``threshold`` on, ``None`` below it
    (shown as "fewer than N"). No query."""
    return count if is_releasable(count, threshold) else None


def may_reveal(count: int, threshold: int) -> bool:
    """May the facilitator reveal what ``count`` phones sent (rule 7)? Below the threshold
    nothing could be shown without someone being recognisable, and revealing would freeze the
    input for nothing; so the reveal waits. No query."""
    return is_releasable(count, threshold)


def _gate(
    round: Round,
    now: datetime,
    threshold: int,
    shut: Reason,
    counted: _Counted | None = None,
) -> Gate:
    # Before closing we do not even count: there is nothing to decide and nothing to reveal.
    if not round.is_closed(now):
        return Gate(released=False, respondents=None, reason="not_closed", threshold=threshold)
    if round.is_purged:
        # A purged round kept its count only if it was released; no query.
        respondents = round.purged_respondents
    elif not round.tallied_at and (
        not round.box_opened_at
        or (round.ballots.exists() if counted is None else round.pk in counted.waiting)
    ):
        # Closed, and its sealed ballots not (all) opened yet (surveys.ballots): nothing to
        # count and nothing to say until they are, a minute or so after closing.
        return Gate(released=False, respondents=None, reason="counting", threshold=threshold)
    else:
        respondents = (
            round.responses.count() if counted is None else counted.responses.get(round.pk, 0)
        )
    if respondents is None or not is_releasable(respondents, threshold):
        return Gate(released=False, respondents=None, reason=shut, threshold=threshold)
    return Gate(released=True, respondents=respondents, reason="ok", threshold=threshold)


@dataclass(frozen=True)
class _Counted:
    """What the gates of several rounds rest on, counted for all of them at once: responses
    per round, and the rounds whose opened box still holds ballots."""

    responses: Mapping[int, int]
    waiting: Collection[int]


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


def round_gates(rounds: Sequence[Round], now: datetime) -> dict[int, Gate]:
    """``round_gate`` of each round, by id, decided by the same rule from one grouped count
    of responses (none when no round needs counting), plus one look for waiting ballots only
    when some round's box is being opened: two queries at most, whatever the number of
    rounds (the trend over years of rounds, a report and its history)."""
    closed = [r for r in rounds if r.is_closed(now) and not r.is_purged]
    opening = [r.pk for r in closed if not r.tallied_at and r.box_opened_at]
    waiting: set[int] = set()
    if opening:
        waiting = set(
            Ballot.objects.filter(round_id__in=opening)
            .values_list("round_id", flat=True)
            .distinct()
        )
    counting = [r.pk for r in closed if r.tallied_at or (r.box_opened_at and r.pk not in waiting)]
    counted = _Counted(
        responses=Response.objects.per_round(counting) if counting else {}, waiting=waiting
    )
    return {r.pk: _gate(r, now, r.threshold, "below_threshold", counted) for r in rounds}


def item_distributions(round: Round, now: datetime) -> dict[int, dict[int | None, int]] | None:
    """Per item id: how many respondents gave each value, ``None`` being "don't know".

    Every value of the scale is present (0 when nobody chose it), so a chart never has to guess.
    Counted by the database in one grouped query, so no individual answer row ever reaches
    Python; two queries in all, whatever the number of responses or items (one for a purged
    round, read from its tallies). ``None`` when the gate is shut.
    """
    if not round_gate(round, now).released:
        return None
    return _distributions(round)


def _distributions(round: Round) -> dict[int, dict[int | None, int]]:
    """``item_distributions`` of a round whose gate is open; one query."""
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
            .annotate(n=Count("item"))
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
    stats = theme_stats(round, now)
    return None if stats is None else {theme: stat.mean for theme, stat in stats.items()}


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
    rows = (
        tallies.filter(item__block=Block.THEME)
        .exclude(value=DONT_KNOW)
        # Named once and referred to three times: the same SQL, but Django resolves the
        # expression (and its join) once instead of three times, a third of the work.
        .alias(favourable=_favourable())
        .values(*by, "item__theme__number")
        .annotate(
            n=Sum("count"),
            s1=Sum(F("favourable") * F("count"), output_field=IntegerField()),
            s2=Sum(F("favourable") * F("favourable") * F("count"), output_field=IntegerField()),
        )
        .order_by()
    )
    return [(row, _Sums(row["n"], row["s1"], row["s2"])) for row in rows if row["n"]]


def theme_stats(round: Round, now: datetime) -> dict[int, ThemeStat] | None:
    """Per theme number: mean and spread of the favourable values, in one grouped query on
    top of the gate's count. ``None`` when the gate is shut."""
    if not round_gate(round, now).released:
        return None
    return _theme_stats([round])[round.pk]


def _theme_stats(released: Sequence[Round]) -> dict[int, dict[int, ThemeStat]]:
    """Per round id of ``released`` (rounds whose gate is open): per theme number, mean and
    spread of the favourable values. One grouped query over the tallies of counted rounds, one
    over the answers of rounds not counted yet, whatever the number of rounds."""
    stats: dict[int, dict[int, ThemeStat]] = {r.pk: {} for r in released}
    live = [r.pk for r in released if not r.is_tallied]
    if live:
        rows = (
            Answer.objects.filter(
                response__round_id__in=live, item__block=Block.THEME, value__isnull=False
            )
            .alias(favourable=_favourable())
            .values("response__round_id", "item__theme__number")
            .annotate(
                mean=Avg("favourable", output_field=FloatField()),
                spread=StdDev("favourable", output_field=FloatField()),
                answers=Count("item"),
            )
            .order_by()
        )
        for row in rows:
            stats[row["response__round_id"]][row["item__theme__number"]] = ThemeStat(
                mean=float(row["mean"]),
                spread=float(row["spread"] or 0.0),
                answers=row["answers"],
            )
    tallied = [r.pk for r in released if r.is_tallied]
    if tallied:
        for (round_id, theme), sums in _tally_sums(tallied).items():
            stats[round_id][theme] = ThemeStat(mean=sums.mean, spread=sums.spread, answers=sums.n)
    return stats


def theme_trend(rounds: Sequence[Round], now: datetime) -> dict[int, dict[int, float]]:
    """Per round id (only rounds the gate releases): per theme number, the mean favourable
    value. Two queries whatever the number of rounds (``round_gates``, then ``_theme_stats``
    over the released ones); one more when some are counted and some not yet, and one more
    while a round's ballot box is being opened."""
    gates = round_gates(rounds, now)
    return _means(_theme_stats([r for r in rounds if gates[r.pk].released]))


def _means(stats: Mapping[int, Mapping[int, ThemeStat]]) -> dict[int, dict[int, float]]:
    """Per round id, per theme number: the mean of ``_theme_stats``."""
    return {
        round_id: {theme: stat.mean for theme, stat in themes.items()}
        for round_id, themes in stats.items()
    }


@dataclass(frozen=True)
class Figures:
    """What a report may show of one round that comes from its answers: the gate, and only
    when it is open the rest (empty otherwise). ``trend`` holds, per released round of the
    history (the round itself among them), per theme number, the mean favourable value."""

    gate: Gate
    distributions: dict[int, dict[int | None, int]]
    themes: dict[int, ThemeStat]
    trend: dict[int, dict[int, float]]


def round_figures(
    round: Round,
    history: Sequence[Round],
    now: datetime,
    gates: Mapping[int, Gate] | None = None,
) -> Figures:
    """``item_distributions``, ``theme_stats`` and ``theme_trend`` of ``round`` and its
    ``history`` at once, each round through the same gate: one count of responses for all the
    rounds, and, once the round is released, its tallies and one grouped query over the
    tallies of every released round. Three queries whatever the number of rounds, once they
    are counted (soon after closing); until then one more to look for ballots still waiting,
    and one more for the rounds read from their answers. ``gates``: the ``round_gates`` of
    these rounds (or more) at the same ``now``, when the caller has them; saves the count."""
    rounds = list({r.pk: r for r in (*history, round)}.values())
    if gates is None or any(r.pk not in gates for r in rounds):
        gates = round_gates(rounds, now)
    gate = gates[round.pk]
    if not gate.released:
        return Figures(gate=gate, distributions={}, themes={}, trend={})
    stats = _theme_stats([r for r in rounds if gates[r.pk].released])
    return Figures(
        gate=gate,
        distributions=_distributions(round),
        themes=stats[round.pk],
        trend=_means(stats),
    )


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


@dataclass(frozen=True)
class Turnout:
    """How many of the invited had answered, as the leader may see it: the count of the last
    full hour (``Round.turnout``, kept by ``RoundQuerySet.record_turnout``), so that no single
    submit can be timed by watching it move, and below the threshold only "fewer than N", so
    that a small count cannot point at the few who answered. Who did not answer is never
    shown (invitations are only counted)."""

    invited: int
    answered: int | None  # None: fewer than ``threshold``
    threshold: int
    as_of: datetime | None

    @property
    def percentage(self) -> int | None:
        if self.answered is None or not self.invited:
            return None
        return round(100 * self.answered / self.invited)

    @property
    def label(self) -> str:
        """ "7 of 12 answered" or "fewer than 5 of 12 answered", in the active language."""
        if self.answered is None:
            return str(FEWER_THAN) % {"n": self.threshold, "invited": self.invited}
        return str(ANSWERED) % {"n": self.answered, "invited": self.invited}


ANSWERED = _("%(n)s of %(invited)s answered")
FEWER_THAN = _("fewer than %(n)s of %(invited)s answered")


def turnout(round: Round, *, invited: int | None = None, gate: Gate | None = None) -> Turnout:
    """The turnout of ``round`` as the leader may see it; one count of its invitations unless
    ``invited`` is given (a list annotates it). Once the results are released (``gate``), the
    final number of respondents they rest on, which no submit can move any more."""
    if invited is None:
        invited = Invitation.objects.filter(round=round).count()
    if gate is not None and gate.released:
        return Turnout(
            invited=invited, answered=gate.respondents, threshold=round.threshold, as_of=None
        )
    answered = round.turnout or 0
    return Turnout(
        invited=invited,
        answered=answered if is_releasable(answered, round.threshold) else None,
        threshold=round.threshold,
        as_of=round.turnout_at,
    )


# 7: rounds that cannot be subtracted from each other.


@dataclass(frozen=True)
class Audience(Generic[H]):
    """What the subtraction rule needs of a round: whom it invites (person ids), when it runs
    (from ``opens_at`` up to, not including, ``closes_at``, as ``Round.status`` has it) and its
    threshold. ``key`` names the round to the caller."""

    key: H
    opens_at: datetime
    closes_at: datetime
    threshold: int
    members: frozenset[int]

    def can_be_released(self) -> bool:
        """Only invitees answer, so a round that invites fewer people than its threshold never
        shows a figure: there is nothing to subtract from it or with it."""
        return len(self.members) >= self.threshold

    def runs_at(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at

    def overlaps(self, other: Audience[H]) -> bool:
        return self.opens_at < other.closes_at and other.opens_at < self.closes_at


@dataclass(frozen=True)
class Risk(Generic[H]):
    """Why a round may not run as asked: combined with the rounds named by ``keys``, its figures
    would single out a group of fewer than ``threshold`` people."""

    keys: tuple[H, ...]
    threshold: int


def subtraction_risk(new: Audience[H], others: Iterable[Audience[H]]) -> Risk[H] | None:
    """Whether the round ``new`` may run next to the school's ``others``, or why not.

    What "subtracted" means. Rounds that run at the same moment ask the same people the same
    statements in the same weeks, so assume that everyone answers them alike. Whoever holds
    their released figures (per statement and value, how many chose it) can add and subtract
    them: ``sum(c_i * figure(R_i))`` equals ``sum(w_p * answers(p))`` over the people, where
    ``w_p`` is the sum of the ``c_i`` of the rounds that invited ``p``. When ``w_p`` is 1 for a
    group G and 0 for everyone else, the result is exactly G's figure: G is singled out. A
    whole-school round minus a team round is the teachers outside that team; a whole-school
    round minus the rounds of two teams is the teachers in neither.

    The rule. People invited to exactly the same rounds (of those running at one moment) are
    treated alike by every combination; call them a *cell*. Every group that can be singled
    out is a union of cells, so it is enough that every cell holds at least the highest
    threshold of the rounds its people were invited to: then no group that can be singled out
    is smaller than the threshold promised to anyone in it. On top of that, the rule a leader
    can check by hand: when ``new`` shares invitees with a round running at the same time,
    their overlap and both differences each hold at least the larger of the two thresholds, or
    are empty (so do both rounds, as the overlap is part of each).

    Rounds that can never be released take part in nothing, ``new`` included. ``others`` are
    taken to satisfy the rule among themselves (each passed it when it was created): only what
    ``new`` adds is checked, so an older conflict is not blamed on it.

    Which moments: between two openings rounds only close, so whatever runs together at any
    moment of ``new``'s period also runs together at ``new``'s opening or at the opening of a
    later round within that period. Those are the moments checked.
    """
    if not new.can_be_released():
        return None
    together = [o for o in others if o.can_be_released() and o.overlaps(new)]
    moments = sorted({new.opens_at} | {o.opens_at for o in together if o.opens_at > new.opens_at})
    for moment in moments:
        running = [o for o in together if o.runs_at(moment)]
        shared = [o for o in running if o.members & new.members]
        for other in shared:
            threshold = max(other.threshold, new.threshold)
            parts = (
                other.members & new.members,
                other.members - new.members,
                new.members - other.members,
            )
            if any(0 < len(part) < threshold for part in parts):
                return Risk((other.key,), threshold)
        # Without shared invitees ``new`` is a cell of its own, large enough as it can be
        # released, and every other cell stays as it was.
        if shared and (short := _cell_short_of(new, running)):
            return Risk(tuple(o.key for o in _linked(new, running)), short)
    return None


def _linked(new: Audience[H], running: Sequence[Audience[H]]) -> list[Audience[H]]:
    """The rounds linked to ``new`` by shared invitees, directly or through each other: the
    ones a combination that singles out a cell made by ``new`` can draw on (a school round
    minus two team rounds names both teams, though only the school round shares with each)."""
    linked: list[Audience[H]] = []
    reached = set(new.members)
    while grown := [o for o in running if o not in linked and o.members & reached]:
        for other in grown:
            linked.append(other)
            reached |= other.members
    return [o for o in running if o in linked]


def _cell_short_of(new: Audience[H], running: Sequence[Audience[H]]) -> int | None:
    """The highest threshold that a cell made by ``new`` falls short of, or None. ``new`` makes
    the cells of its own people and the rest of every cell it splits; the others stay."""
    rounds = (*running, new)
    sizes: dict[tuple[bool, ...], int] = {}
    for person in new.members.union(*(o.members for o in running)):
        vector = tuple(person in r.members for r in rounds)
        sizes[vector] = sizes.get(vector, 0) + 1
    short: list[int] = []
    for vector, size in sizes.items():
        made_by_new = vector[-1] or (*vector[:-1], True) in sizes
        promised = max(r.threshold for r, inside in zip(rounds, vector, strict=True) if inside)
        if made_by_new and size < promised:
            short.append(promised)
    return max(short, default=None)


@dataclass(frozen=True)
class Subtraction:
    """A round that may not run as asked, with the rounds it could be subtracted with."""

    rounds: list[Round]
    threshold: int

    @property
    def message(self) -> str:
        """What to tell the leader, in the active language: the other rounds by audience and
        dates, never a person."""
        described = [_described(r) for r in self.rounds]
        return ngettext(
            "In the same weeks there is a round for %(rounds)s. Putting its results next to "
            "those of this round would show the answers of fewer than %(n)s colleagues. Choose "
            "dates outside that round, or the same group as that round.",
            "In the same weeks there are rounds for %(rounds)s. Putting their results next to "
            "those of this round would show the answers of fewer than %(n)s colleagues. Choose "
            "dates outside those rounds.",
            len(described),
        ) % {"rounds": get_text_list(described, gettext("and")), "n": self.threshold}


def _described(round: Round) -> str:
    return gettext("%(audience)s (%(opens)s to %(closes)s)") % {
        "audience": round.team.name if round.team else gettext("the whole school"),
        "opens": date_format(timezone.localtime(round.opens_at), "j F Y"),
        "closes": date_format(timezone.localtime(round.closes_at), "j F Y"),
    }


def subtraction_risk_for(round: Round, members: Collection[int]) -> Subtraction | None:
    """``subtraction_risk`` for ``round`` (about to be created, or given a later closing
    moment) inviting ``members``, against the other rounds of its school as they were created:
    by their invitations, not by today's teams, since a round's invitees are fixed when it is
    created (``surveys.services.round_open``). At most two queries."""
    others = Round.objects.filter(
        school_id=round.school_id, opens_at__lt=round.closes_at, closes_at__gt=round.opens_at
    )
    if round.pk is not None:
        others = others.exclude(pk=round.pk)
    by_pk = {r.pk: r for r in others.select_related("team").order_by("opens_at", "pk")}
    if not by_pk:
        return None
    invited: dict[int, set[int]] = {pk: set() for pk in by_pk}
    for round_id, user_id in Invitation.objects.filter(round_id__in=by_pk).values_list(
        "round_id", "user_id"
    ):
        invited[round_id].add(user_id)
    # A risk names other rounds only, so the new round's key (0: no round has it) is never used.
    risk = subtraction_risk(
        Audience(0, round.opens_at, round.closes_at, round.threshold, frozenset(members)),
        [
            Audience(r.pk, r.opens_at, r.closes_at, r.threshold, frozenset(invited[r.pk]))
            for r in by_pk.values()
        ],
    )
    if risk is None:
        return None
    return Subtraction([by_pk[k] for k in risk.keys], risk.threshold)
