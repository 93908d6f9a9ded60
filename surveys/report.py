"""Everything the results page, the dashboard, the printed report and the exports show about
one round, built in a fixed number of queries and only from what surveys.anonymity releases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from interventions.models import Theme
from schools.models import School
from surveys import anonymity
from surveys.models import (
    Item,
    LeaderAnswer,
    Round,
    SuggestionChoice,
    frozen_content,
    intervention_ids,
)
from surveys.signals import ItemStats, Signal, compute_signals
from surveys.suggestions import Suggestion, suggest


@dataclass
class ItemRow:
    item: Item
    counts: dict[int | None, int]
    leader: int | None = None  # the leader's favourable value, when given

    @property
    def scale_counts(self) -> list[int]:
        return [self.counts.get(v, 0) for v in range(1, 6)]

    @property
    def dont_know(self) -> int:
        return self.counts.get(None, 0)

    @property
    def mean(self) -> float | None:
        n = sum(self.scale_counts)
        if not n:
            return None
        total = sum(
            self.item.favourable(v) * c for v, c in zip(range(1, 6), self.scale_counts, strict=True)
        )
        return total / n


@dataclass
class ThemeRow:
    theme: Theme | None  # None: the dialogue climate
    mean: float | None
    spread: float | None
    leader_mean: float | None
    trend: list[tuple[str, float]] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        if self.mean is None or self.leader_mean is None:
            return None
        return self.leader_mean - self.mean


@dataclass
class SuggestionRow:
    suggestion: Suggestion
    status: str | None


@dataclass
class RoundReport:
    round: Round
    gate: anonymity.Gate
    themes: list[ThemeRow] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    suggestions: list[SuggestionRow] = field(default_factory=list)
    open_gate: anonymity.Gate | None = None
    open_texts: list[str] | None = None

    @property
    def released(self) -> bool:
        return self.gate.released


def school_rounds(school: School) -> list[Round]:
    """Every round of the school, newest first, with what a report shows of it (its audience)
    and builds it from (its version, whose frozen statements are read once per process): one
    query, from which ``latest_released`` and ``earlier_rounds`` pick. Read through the
    school, so each round has it without joining it again."""
    return list(school.rounds.select_related("team", "version"))


def earlier_rounds(round_: Round, rounds: Iterable[Round] | None = None) -> list[Round]:
    """The same audience's rounds up to and including this one, oldest first; picked from
    ``rounds`` (``school_rounds``) when the caller has read them, otherwise read here."""
    if rounds is None:
        rounds = Round.objects.filter(school_id=round_.school_id)
    same = [
        r
        for r in rounds
        if r.school_id == round_.school_id
        and r.team_id == round_.team_id
        and r.opens_at <= round_.opens_at
    ]
    return sorted(same, key=lambda r: r.opens_at)


def build(
    round_: Round,
    now: datetime,
    *,
    with_open_answers: bool = True,
    rounds: Iterable[Round] | None = None,
    gates: Mapping[int, anonymity.Gate] | None = None,
) -> RoundReport:
    """The report of ``round_`` at ``now``. Its figures and the trend come from
    ``surveys.anonymity.round_figures``, so from the tallies once the round is counted (they
    never change after that). The history is picked from ``rounds`` (``school_rounds``) when
    given, else read, and only for a closed round: before closing the gate shows nothing.
    At most eight queries when released (seven with ``rounds``), whatever the number of
    rounds before it, plus one for the version when ``round_`` was read without it and one
    the first time this process meets the version's statements; at most three when not."""
    history = earlier_rounds(round_, rounds) if round_.is_closed(now) else []
    figures = anonymity.round_figures(round_, history, now, gates)
    gate = figures.gate
    report = RoundReport(round=round_, gate=gate)
    if not gate.released:
        return report
    # A version never changes: its statements (with themes and interventions) are read once
    # per process.
    version = round_.version
    items = frozen_content(version.pk, version.fingerprint)[0]
    distributions = figures.distributions
    stats = figures.themes
    leader = dict(LeaderAnswer.objects.filter(round=round_).values_list("item_id", "value"))
    trend = figures.trend

    rows: dict[int | None, ThemeRow] = {}
    for item in items:
        number = item.theme.number if item.theme else None
        row = rows.get(number)
        if row is None:
            stat = stats.get(number) if number else None
            row = rows[number] = ThemeRow(
                theme=item.theme,
                mean=stat.mean if stat else None,
                spread=stat.spread if stat else None,
                leader_mean=None,
                trend=[
                    (f"{r.opens_at:%m-%Y}", trend[r.pk][number])
                    for r in history
                    if number and r.pk in trend and number in trend[r.pk]
                ],
            )
        value = leader.get(item.pk)
        row.items.append(
            ItemRow(
                item=item,
                counts=distributions.get(item.pk, {}),
                leader=item.favourable(value) if value else None,
            )
        )
    for row in rows.values():
        given = [i.leader for i in row.items if i.leader is not None]
        row.leader_mean = sum(given) / len(given) if given else None
        if row.theme is None:
            means = [m for i in row.items if (m := i.mean) is not None]
            row.mean = sum(means) / len(means) if means else None
    report.themes = sorted(
        rows.values(), key=lambda r: (r.theme is None, r.theme.number if r.theme else 0)
    )

    item_stats = [ItemStats.of(item, distributions.get(item.pk, {})) for item in items]
    report.signals = compute_signals(item_stats, leader)
    chosen = dict(SuggestionChoice.objects.filter(round=round_).values_list("key", "status"))
    report.suggestions = [
        SuggestionRow(suggestion=s, status=chosen.get(s.key))
        for s in suggest(
            report.signals,
            items_interventions={item.pk: intervention_ids(item) for item in items},
            school=round_.school,
            stats=item_stats,
        )
    ]
    if with_open_answers:
        report.open_gate = anonymity.open_answers_gate(round_, now)
        report.open_texts = anonymity.open_answers(round_, now)
    return report


def latest_released(
    school: School,
    now: datetime,
    rounds: Iterable[Round] | None = None,
    gates: Mapping[int, anonymity.Gate] | None = None,
) -> Round | None:
    """The school's most recent round whose results are released: a round that closed below
    its threshold, or is still being counted, does not hide the results before it. Picked
    from ``rounds`` (``school_rounds``) when the caller has read them, otherwise read here;
    ``gates`` (``anonymity.round_gates`` of those rounds) when the caller has them, otherwise
    counted here (one query)."""
    if rounds is None:
        rounds = school_rounds(school)
    closed = [r for r in rounds if r.is_closed(now)]
    if gates is None:
        gates = anonymity.round_gates(closed, now)
    return max((r for r in closed if gates[r.pk].released), key=lambda r: r.closes_at, default=None)
