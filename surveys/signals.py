"""Signals: what in a round's released results deserves the leader's attention.

The article (Ilgen, 2019) starts from a school where the atmosphere seems fine while "not
everything is said anymore", and asks the leader to notice and name where tension sits. A table
of means hides exactly that: a team that is split down the middle averages out at a harmless 3.
So the results page does not only show means; it looks for four patterns:

- ``tension``: statements on which the team is split (Van der Eijk's agreement A, see
  ``agreement``), gathered per theme and for the dialogue climate;
- ``warning_sign``: the article's opening, a good surface with things left unsaid;
- ``blind_spot``: where the leader's own view ("how I think my team sees it") is far from the
  team's;
- ``weakest_theme``: the theme that clearly lags behind the others.

Everything here except ``stats_for`` and ``leader_values`` is a pure function of aggregates that
``surveys.anonymity`` has already released, so the rules are tested on constructed
distributions and can never see more than the anonymity gate lets through. The thresholds are
explained in docs/signals.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property
from typing import Literal

from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from surveys.anonymity import item_distributions
from surveys.models import SCALE_MAX, SCALE_MIN, Block, Item, LeaderAnswer, Round

SignalKind = Literal["tension", "warning_sign", "blind_spot", "weakest_theme"]

SCALE = range(SCALE_MIN, SCALE_MAX + 1)
K = len(SCALE)

# The climate statements the warning sign reads (Item.key, set by the default questionnaire).
ALL_CAN_BE_SAID = "all_can_be_said"
LEFT_UNSAID = "left_unsaid"

# Tension: an item is split when agreement is at most this (0 is a uniform spread)…
SPLIT_MAX_AGREEMENT = 0.1
# …and at least this share sits on each side of the middle (favourable 1-2 and 4-5).
SPLIT_MIN_SIDE = 0.2

# Warning sign: the surface counts as good from this mean favourable value…
GOOD_SURFACE = 3.5
# …and a key statement is worrying at or below this one (the middle of the scale).
WORRYING = 3.0
# …or when at least this share of all answers is "don't know".
DONT_KNOW_SHARE = 0.15

# Blind spot: the mean gap over a theme's statements, or the gap on one statement.
BLIND_THEME_GAP = 0.75
BLIND_ITEM_GAP = 1.25

# Weakest theme: at least this far below the mean of the other themes.
WEAKEST_MARGIN = 0.25
# The statements of the weakest theme that the suggestions start from.
LOWEST_ITEMS = 3

# Ties in strength are broken in this order: the warning sign is what the product exists for.
KIND_ORDER: dict[str, int] = {"warning_sign": 0, "tension": 1, "blind_spot": 2, "weakest_theme": 3}

THEME_FALLBACK = _("Theme %(n)s")
TENSION = ngettext_lazy(
    "%(theme)s: %(count)s of %(total)s statements splits the team.",
    "%(theme)s: %(count)s of %(total)s statements split the team.",
    "count",
)
WARNING = _("The atmosphere looks good (%(mean)s out of 5), but not everything is said: %(why)s.")
WARNING_ALL_CAN_BE_SAID = _("only %(count)s of %(total)s agree that anything can be said")
WARNING_LEFT_UNSAID = _("%(count)s of %(total)s agree that things are left unsaid")
WARNING_DONT_KNOW = _("%(percent)s%% of all answers are “don't know”")
BLIND_MORE_POSITIVE = _(
    "%(theme)s: you see %(count)s of %(total)s statements more positively than your team "
    "(%(gap)s points apart on average)."
)
BLIND_MORE_NEGATIVE = _(
    "%(theme)s: you see %(count)s of %(total)s statements more negatively than your team "
    "(%(gap)s points apart on average)."
)
BLIND_BOTH_WAYS = _(
    "%(theme)s: you see %(count)s of %(total)s statements differently from your team, in both "
    "directions (%(gap)s points apart on average)."
)
WEAKEST = ngettext_lazy(
    "%(theme)s is the weakest theme: %(mean)s out of 5, against %(others)s for the other themes "
    "(%(count)s statement).",
    "%(theme)s is the weakest theme: %(mean)s out of 5, against %(others)s for the other themes "
    "(%(count)s statements).",
    "count",
)


@dataclass(frozen=True)
class ItemStats:
    """The released distribution of one statement plus what the rules need to read it.

    ``counts`` maps each scale value (1..5) and ``None`` ("don't know") to a number of
    respondents, as ``surveys.anonymity.item_distributions`` returns it, on the scale as asked
    (not yet flipped for reverse-scored statements). ``theme_name`` is the theme's name in the
    active language (the reasons name it); empty for the climate block.

    The figures below are worked out once per statement (``cached_property``): the rules read
    them many times over, and the object never changes.
    """

    item_id: int
    theme: int | None
    block: str
    key: str
    reverse_scored: bool
    counts: dict[int | None, int]
    theme_name: str = ""

    @classmethod
    def of(cls, item: Item, counts: dict[int | None, int]) -> ItemStats:
        """A statement of a frozen version (its theme read with it) and its released counts."""
        return cls(
            item_id=item.pk,
            theme=item.theme.number if item.theme else None,
            block=item.block,
            key=item.key,
            reverse_scored=item.reverse_scored,
            counts=counts,
            theme_name=item.theme.name if item.theme else "",
        )

    @cached_property
    def n(self) -> int:
        """Answers on the scale; "don't know" is not an opinion about the statement."""
        return sum(self.counts.get(v, 0) for v in SCALE)

    @property
    def dont_know(self) -> int:
        return self.counts.get(None, 0)

    @cached_property
    def favourable_counts(self) -> dict[int, int]:
        """The counts on the scale where 5 is always good (reverse-scored ones flipped)."""
        flip = SCALE_MAX + SCALE_MIN
        return {v: self.counts.get(flip - v if self.reverse_scored else v, 0) for v in SCALE}

    @cached_property
    def mean_favourable(self) -> float | None:
        """``None`` when nobody answered on the scale: there is no mean to compare."""
        if not self.n:
            return None
        return sum(v * c for v, c in self.favourable_counts.items()) / self.n

    @property
    def low(self) -> int:
        """Respondents on the unfavourable side (favourable 1-2)."""
        fav = self.favourable_counts
        return fav[1] + fav[2]

    @property
    def high(self) -> int:
        """Respondents on the favourable side (favourable 4-5)."""
        fav = self.favourable_counts
        return fav[4] + fav[5]

    @property
    def share_low(self) -> float:
        return self.low / self.n if self.n else 0.0

    @property
    def share_high(self) -> float:
        return self.high / self.n if self.n else 0.0

    @cached_property
    def agreement(self) -> float | None:
        """Van der Eijk's A of the answers; the same on either direction of the scale."""
        if not self.n:
            return None
        return agreement({v: c for v, c in self.counts.items() if v is not None})

    @property
    def is_split(self) -> bool:
        """The team is split on this statement: little agreement *and* people on both sides.

        Low agreement alone also describes a team spread evenly over the scale; the share on
        each side makes sure there are two camps, not one camp and an outlier.
        """
        a = self.agreement
        return (
            a is not None
            and a <= SPLIT_MAX_AGREEMENT
            and self.share_low >= SPLIT_MIN_SIDE
            and self.share_high >= SPLIT_MIN_SIDE
        )

    @property
    def label(self) -> str:
        """The group the reasons name: the theme, or the dialogue climate."""
        if self.block == Block.CLIMATE:
            return str(Block.CLIMATE.label)
        if self.theme_name:
            return self.theme_name
        return str(THEME_FALLBACK) % {"n": self.theme}


@dataclass(frozen=True)
class Signal:
    """Something the leader should look at, with a sentence that says why.

    ``theme`` is the theme number, ``None`` for the dialogue climate (and for the warning sign,
    which reads the whole questionnaire). ``strength`` is in [0, 1] and only orders signals.
    ``reason`` is already formatted in the language that was active when it was computed.
    """

    kind: SignalKind
    theme: int | None
    item_ids: tuple[int, ...]
    strength: float
    reason: str


def agreement(counts: Mapping[int, int]) -> float:
    """Van der Eijk's agreement A of a distribution over the ordered scale 1..5.

    Van der Eijk, C. (2001). Measuring agreement in ordered rating scales. *Quality &
    Quantity*, 35(3), 325-341. A runs from -1 (the answers split over the two extremes) through
    0 (a uniform spread) to +1 (everyone in one category). Unlike the standard deviation it
    tells a team in two camps (negative A) from a team whose views are merely spread out (A near
    0), which is exactly the difference the leader needs.

    The algorithm, as in the paper: the frequency vector is peeled into *layers*. Each layer
    takes the smallest non-zero frequency from every non-empty category, so it is a uniform
    distribution over a set of categories, described by a 0/1 *pattern*. A pattern's agreement
    is ``U * (1 - (S - 1) / (K - 1))`` with ``S`` non-empty categories out of ``K`` and ``U``
    its unimodality (``_pattern_agreement``). The distribution's A is the mean of the layers'
    agreement weighted by each layer's share of the cases.

    ``counts`` maps scale values to frequencies; missing values count as 0 and any other key
    (such as ``None`` for "don't know") is ignored. Raises ``ValueError`` for a negative count
    or when nobody answered on the scale (A is not defined then).
    """
    remainder = [counts.get(v, 0) for v in SCALE]
    if any(c < 0 for c in remainder):
        raise ValueError("Frequencies cannot be negative.")
    total = sum(remainder)
    if total == 0:
        raise ValueError("Agreement is not defined without answers.")
    result = 0.0
    while any(remainder):
        pattern = tuple(1 if c > 0 else 0 for c in remainder)
        smallest = min(c for c in remainder if c > 0)
        layer_size = smallest * sum(pattern)
        result += layer_size / total * _pattern_agreement(pattern)
        remainder = [c - smallest * p for c, p in zip(remainder, pattern, strict=True)]
    # Rounding in the weighted sum can step a hair outside [-1, 1].
    return max(-1.0, min(1.0, result))


@cache  # a pure function of one of the 31 patterns of five categories, asked for again and again
def _pattern_agreement(pattern: tuple[int, ...]) -> float:
    """The agreement of one layer, a uniform distribution over the categories marked 1.

    Unimodality ``U`` counts the triples of categories ``i < j < m``: a 1-0-1 triple breaks
    unimodality (``TDU``); 1-1-0 and 0-1-1 triples fit it (``TU``); other triples say nothing.
    ``U = ((K-2)·TU - (K-1)·TDU) / ((K-2)·(TU+TDU))`` (Van der Eijk 2001, equation 2). One
    category is full agreement (1); all categories give 0/0, a uniform spread, defined as 0.
    """
    k = len(pattern)
    s = sum(pattern)
    if s == 1:
        return 1.0
    tu = tdu = 0
    for i in range(k - 2):
        for j in range(i + 1, k - 1):
            for m in range(j + 1, k):
                triple = (pattern[i], pattern[j], pattern[m])
                if triple == (1, 0, 1):
                    tdu += 1
                elif triple in ((1, 1, 0), (0, 1, 1)):
                    tu += 1
    if tu + tdu == 0:
        return 0.0
    unimodality = ((k - 2) * tu - (k - 1) * tdu) / ((k - 2) * (tu + tdu))
    return unimodality * (1 - (s - 1) / (k - 1))


def _fmt(value: float) -> str:
    """One decimal, with the active language's decimal separator (3,5 in Dutch)."""
    return number_format(value, 1)


def _pooled_mean(stats: Iterable[ItemStats]) -> float | None:
    """The mean favourable value over all answers of these statements (not a mean of means,
    so a statement that fewer people could answer weighs less)."""
    total = weighted = 0
    for s in stats:
        for v, c in s.favourable_counts.items():
            total += c
            weighted += v * c
    return weighted / total if total else None


def _groups(stats: Sequence[ItemStats]) -> dict[int | None, list[ItemStats]]:
    """The statements per theme number, the climate block under ``None``, in theme order."""
    groups: dict[int | None, list[ItemStats]] = {}
    for s in stats:
        groups.setdefault(None if s.block == Block.CLIMATE else s.theme, []).append(s)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))


def theme_means(stats: Sequence[ItemStats]) -> dict[int, float]:
    """Per theme number (block "theme" only): the pooled mean favourable value."""
    means: dict[int, float] = {}
    for theme, group in _groups(stats).items():
        if theme is None:
            continue
        mean = _pooled_mean(group)
        if mean is not None:
            means[theme] = mean
    return means


def lowest_items(
    stats: Sequence[ItemStats], theme: int, limit: int = LOWEST_ITEMS
) -> tuple[int, ...]:
    """The ids of a theme's weakest statements, lowest first: those at or below the theme's
    mean, at most ``limit``. What the suggestions start from when a theme is weak."""
    group = [s for s in stats if s.block == Block.THEME and s.theme == theme]
    scored = [(s.mean_favourable, s.item_id) for s in group if s.mean_favourable is not None]
    theme_mean = _pooled_mean(group)
    if theme_mean is None:
        return ()
    below = sorted((m, i) for m, i in scored if m <= theme_mean)
    return tuple(i for _m, i in below[:limit])


def tension_signals(stats: Sequence[ItemStats]) -> list[Signal]:
    """One signal per theme (and one for the dialogue climate) in which statements split the
    team; see ``ItemStats.is_split``.

    Strength: the share of the group's statements that is split, plus up to 0.5 for how
    polarised the split statements are (A = 0.1 adds nothing, A = -1 adds 0.5), capped at 1.
    """
    signals: list[Signal] = []
    for theme, group in _groups(stats).items():
        answered = [s for s in group if s.n]
        split = [s for s in answered if s.is_split]
        if not split:
            continue
        polarisation = sum(
            (SPLIT_MAX_AGREEMENT - (s.agreement or 0.0)) / (SPLIT_MAX_AGREEMENT + 1) for s in split
        ) / len(split)
        strength = min(1.0, len(split) / len(answered) + 0.5 * polarisation)
        reason = TENSION % {
            "theme": group[0].label,
            "count": len(split),
            "total": len(answered),
        }
        signals.append(
            Signal(
                kind="tension",
                theme=theme,
                item_ids=tuple(s.item_id for s in split),
                strength=strength,
                reason=reason,
            )
        )
    return signals


def warning_sign(stats: Sequence[ItemStats]) -> Signal | None:
    """The article's opening: a good atmosphere, yet "niet alles wordt meer gezegd".

    Fires when the surface is good (the climate statements other than the two about saying
    things, or else all statements, average at least 3.5 favourable) *and* at least one
    undercurrent shows: "anything can be said" at or below 3.0, "things are left unsaid" at or
    below 3.0 favourable (many agree), or at least 15% "don't know" over all statements (not
    answering is a way of not saying). The reason names the undercurrents that showed.

    Strength: 0.5 plus 0.5 per third of the undercurrents that showed, so the warning sign,
    once it fires, outranks a small tension or gap.
    """
    if not stats:
        return None
    by_key = {s.key: s for s in stats if s.key}
    surface_items = [
        s for s in stats if s.block == Block.CLIMATE and s.key not in (ALL_CAN_BE_SAID, LEFT_UNSAID)
    ]
    candidates = [m for m in (_pooled_mean(surface_items), _pooled_mean(stats)) if m is not None]
    good = [m for m in candidates if m >= GOOD_SURFACE]
    if not good:
        return None
    surface = good[0]

    why: list[str] = []
    item_ids: list[int] = []
    said = by_key.get(ALL_CAN_BE_SAID)
    if said is not None and (mean := said.mean_favourable) is not None and mean <= WORRYING:
        why.append(str(WARNING_ALL_CAN_BE_SAID) % {"count": said.high, "total": said.n})
        item_ids.append(said.item_id)
    unsaid = by_key.get(LEFT_UNSAID)
    if unsaid is not None and (mean := unsaid.mean_favourable) is not None and mean <= WORRYING:
        # Favourable 1-2 on a reverse-scored statement: they agree things are left unsaid.
        why.append(str(WARNING_LEFT_UNSAID) % {"count": unsaid.low, "total": unsaid.n})
        item_ids.append(unsaid.item_id)
    dont_know = sum(s.dont_know for s in stats)
    answers = dont_know + sum(s.n for s in stats)
    if answers and dont_know / answers >= DONT_KNOW_SHARE:
        why.append(str(WARNING_DONT_KNOW) % {"percent": round(100 * dont_know / answers)})
    if not why:
        return None
    return Signal(
        kind="warning_sign",
        theme=None,
        item_ids=tuple(item_ids),
        strength=0.5 + 0.5 * len(why) / 3,
        reason=str(WARNING) % {"mean": _fmt(surface), "why": get_text_list(why, gettext("and"))},
    )


def blind_spots(stats: Sequence[ItemStats], leader: Mapping[int, int | None]) -> list[Signal]:
    """Where the leader's own view is far from the team's, per theme (and for the climate).

    ``leader`` maps item ids to the leader's answer on the scale as asked (``None``: don't
    know). Per group, over the statements both the leader and the team answered: the gap is the
    leader's favourable value minus the team's mean favourable value. A blind spot when the
    mean absolute gap is at least 0.75, or one statement is at least 1.25 apart. The signal
    lists the statements at least 0.75 apart, and the reason says in which direction.

    Strength: how many times its threshold the larger of the two gaps is, halved, capped at 1
    (0.5 right at the threshold, 1 at twice the threshold).
    """
    signals: list[Signal] = []
    flip = SCALE_MAX + SCALE_MIN
    for theme, group in _groups(stats).items():
        gaps: dict[int, float] = {}
        for s in group:
            value = leader.get(s.item_id)
            team = s.mean_favourable
            if value is None or team is None:
                continue
            own = flip - value if s.reverse_scored else value
            gaps[s.item_id] = own - team
        if not gaps:
            continue
        theme_gap = sum(abs(g) for g in gaps.values()) / len(gaps)
        item_gap = max(abs(g) for g in gaps.values())
        if theme_gap < BLIND_THEME_GAP and item_gap < BLIND_ITEM_GAP:
            continue
        notable = {i: g for i, g in gaps.items() if abs(g) >= BLIND_THEME_GAP}
        if all(g > 0 for g in notable.values()):
            template = BLIND_MORE_POSITIVE
        elif all(g < 0 for g in notable.values()):
            template = BLIND_MORE_NEGATIVE
        else:
            template = BLIND_BOTH_WAYS
        reason = str(template) % {
            "theme": group[0].label,
            "count": len(notable),
            "total": len(gaps),
            "gap": _fmt(theme_gap),
        }
        strength = min(1.0, max(theme_gap / BLIND_THEME_GAP, item_gap / BLIND_ITEM_GAP) / 2)
        signals.append(
            Signal(
                kind="blind_spot",
                theme=theme,
                item_ids=tuple(notable),
                strength=strength,
                reason=reason,
            )
        )
    return signals


def weakest_theme(stats: Sequence[ItemStats]) -> Signal | None:
    """The theme (1-4) with the lowest mean favourable value, when it clearly lags: at least
    0.25 below the mean of the other themes' means. Closer than that, naming one theme "the
    weakest" would read a difference into noise. Needs at least two themes with answers.

    ``item_ids`` are the theme's lowest statements (``lowest_items``), which the suggestions
    start from. Strength: the margin over 0.5, capped at 1 (0.5 right at the threshold).
    """
    means = theme_means(stats)
    if len(means) < 2:
        return None
    theme = min(means, key=lambda t: (means[t], t))
    others = [m for t, m in means.items() if t != theme]
    other_mean = sum(others) / len(others)
    margin = other_mean - means[theme]
    if margin < WEAKEST_MARGIN:
        return None
    group = [s for s in stats if s.block == Block.THEME and s.theme == theme]
    reason = WEAKEST % {
        "theme": group[0].label,
        "mean": _fmt(means[theme]),
        "others": _fmt(other_mean),
        "count": sum(1 for s in group if s.n),
    }
    return Signal(
        kind="weakest_theme",
        theme=theme,
        item_ids=lowest_items(stats, theme),
        strength=min(1.0, margin / (2 * WEAKEST_MARGIN)),
        reason=reason,
    )


def compute_signals(
    stats: Sequence[ItemStats], leader: Mapping[int, int | None] | None = None
) -> list[Signal]:
    """All signals, strongest first (ties: warning sign, tension, blind spot, weakest theme;
    then by theme, the climate last). Without the leader's answers there are no blind spots."""
    signals = [*tension_signals(stats), *blind_spots(stats, leader or {})]
    for single in (warning_sign(stats), weakest_theme(stats)):
        if single is not None:
            signals.append(single)
    return sorted(
        signals,
        key=lambda s: (
            -s.strength,
            KIND_ORDER[s.kind],
            s.theme is None,
            s.theme or 0,
        ),
    )


def stats_for(round: Round, now: datetime) -> list[ItemStats] | None:
    """The released statistics of a round's statements, or ``None`` while the anonymity gate
    is shut (``surveys.anonymity.item_distributions``, two queries) — so the signals can never
    be computed from more than may be shown. Plus one query for the statements and their
    themes. Statements nobody answered get all-zero counts."""
    distributions = item_distributions(round, now)
    if distributions is None:
        return None
    empty: dict[int | None, int] = {v: 0 for v in SCALE}
    empty[None] = 0
    items = Item.objects.filter(version_id=round.version_id).select_related("theme")
    return [ItemStats.of(item, dict(distributions.get(item.pk, empty))) for item in items]


def leader_values(round: Round) -> dict[int, int | None]:
    """The leader's own answers of a round, per item id (``None``: don't know). One query."""
    return dict(LeaderAnswer.objects.filter(round=round).values_list("item_id", "value"))
