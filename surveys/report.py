"""Everything the results page, the dashboard, the printed report and the exports show about
one round, built in a fixed number of queries and only from what surveys.anonymity releases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch

from interventions.models import Intervention, Theme

from . import anonymity
from .models import Item, LeaderAnswer, Round, SuggestionChoice
from .signals import ItemStats, Signal, compute_signals
from .suggestions import Suggestion, suggest


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


def earlier_rounds(round_: Round) -> list[Round]:
    """The same audience's rounds up to and including this one, oldest first."""
    same_team: dict[str, object] = (
        {"team__isnull": True} if round_.team_id is None else {"team": round_.team_id}
    )
    return list(
        Round.objects.filter(
            school_id=round_.school_id, opens_at__lte=round_.opens_at, **same_team
        ).order_by("opens_at")
    )


def build(round_: Round, now: datetime, *, with_open_answers: bool = True) -> RoundReport:
    gate = anonymity.round_gate(round_, now)
    report = RoundReport(round=round_, gate=gate)
    if not gate.released:
        return report
    items = list(
        Item.objects.filter(version_id=round_.version_id)
        .select_related("theme")
        .prefetch_related(
            Prefetch("interventions", queryset=Intervention.objects.select_related("theme"))
        )
    )
    distributions = anonymity.item_distributions(round_, now) or {}
    stats = anonymity.theme_stats(round_, now) or {}
    leader = dict(LeaderAnswer.objects.filter(round=round_).values_list("item_id", "value"))
    history = earlier_rounds(round_)
    trend = anonymity.theme_trend(history, now)

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

    item_stats = [
        ItemStats(
            item_id=item.pk,
            theme=item.theme.number if item.theme else None,
            block=item.block,
            key=item.key,
            reverse_scored=item.reverse_scored,
            counts=distributions.get(item.pk, {}),
            theme_name=item.theme.name if item.theme else "",
        )
        for item in items
    ]
    report.signals = compute_signals(item_stats, leader)
    chosen = dict(SuggestionChoice.objects.filter(round=round_).values_list("key", "status"))
    report.suggestions = [
        SuggestionRow(suggestion=s, status=chosen.get(s.key))
        for s in suggest(
            report.signals,
            items_interventions={item.pk: list(item.interventions.all()) for item in items},
            school=round_.school,
            stats=item_stats,
        )
    ]
    if with_open_answers:
        report.open_gate = anonymity.open_answers_gate(round_, now)
        report.open_texts = anonymity.open_answers(round_, now)
    return report


def latest_released(school: Any, now: datetime) -> Round | None:
    """The school's most recent closed round (its gate still decides what is shown)."""
    return (
        Round.objects.filter(school=school)
        .closed(now)
        .select_related("school", "team", "version")
        .order_by("-closes_at")
        .first()
    )
