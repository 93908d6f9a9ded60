"""The signals on released results (surveys.signals): Van der Eijk's agreement A, and each
signal firing and not firing on constructed distributions. Only the two helpers that read the
database need one; the rules themselves are pure."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from schools.models import School
from surveys.models import Item, LeaderAnswer
from surveys.signals import (
    ItemStats,
    _pattern_agreement,
    agreement,
    blind_spots,
    compute_signals,
    leader_values,
    lowest_items,
    stats_for,
    tension_signals,
    theme_means,
    warning_sign,
    weakest_theme,
)

from .survey_helpers import closed_round, default_template

NAMES = {
    1: "Professional dialogue",
    2: "Professional development",
    3: "Collective learning",
    4: "Professional learning community",
}

# Distributions over 1..5 (as asked) that the tests reuse.
CONSENSUS_HIGH = (0, 0, 1, 5, 4)  # mean 4.3, agreement well above 0
CONSENSUS_LOW = (3, 5, 2, 0, 0)  # mean 1.9
TWO_CAMPS = (4, 1, 0, 1, 4)  # A = -0.66, 50% on each side
MIDDLE = (0, 2, 6, 2, 0)  # mean 3.0, peaked


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The reasons are formatted in the active language; the source strings are English.
    with translation.override("en"):
        yield


_ids = iter(range(1, 10_000))


def stat(
    counts: Sequence[int],
    *,
    theme: int | None = 3,
    key: str = "",
    reverse: bool = False,
    dont_know: int = 0,
    item_id: int | None = None,
) -> ItemStats:
    """An item's released distribution; ``theme=None`` puts it in the climate block."""
    full: dict[int | None, int] = {v: c for v, c in zip(range(1, 6), counts, strict=True)}
    full[None] = dont_know
    return ItemStats(
        item_id=item_id if item_id is not None else next(_ids),
        theme=theme,
        block="climate" if theme is None else "theme",
        key=key,
        reverse_scored=reverse,
        counts=full,
        theme_name=NAMES.get(theme or 0, ""),
    )


def A(*counts: int) -> float:
    return agreement(dict(zip(range(1, 6), counts, strict=True)))


# --- agreement ----------------------------------------------------------------------------


@pytest.mark.parametrize("category", [1, 2, 3, 4, 5])
def test_everyone_in_one_category_is_full_agreement(category: int) -> None:
    assert agreement({category: 7}) == 1.0


def test_half_on_each_extreme_is_complete_polarisation() -> None:
    assert A(5, 0, 0, 0, 5) == pytest.approx(-1.0)


def test_uniform_is_zero() -> None:
    assert A(3, 3, 3, 3, 3) == pytest.approx(0.0)


def test_a_peaked_unimodal_distribution_agrees() -> None:
    assert A(*MIDDLE) > 0.5
    assert A(0, 1, 2, 5, 2) > 0.5


def test_a_bimodal_distribution_with_a_gap_is_negative() -> None:
    assert A(*TWO_CAMPS) < 0
    assert A(0, 5, 0, 0, 5) < 0


def test_pattern_agreement_by_hand() -> None:
    # 1-1-0-0-0: three 1-1-0 triples, no 1-0-1: U = 1; S = 2, so A = 1 - 1/4.
    assert _pattern_agreement((1, 1, 0, 0, 0)) == pytest.approx(0.75)
    # 1-0-1-0-0: TDU = 1 (1,2,3), TU = 2 (1,3,4 and 1,3,5): U = (3*2 - 4*1) / (3*3) = 2/9;
    # S = 2, so A = 2/9 * 3/4 = 1/6.
    assert _pattern_agreement((1, 0, 1, 0, 0)) == pytest.approx(1 / 6)
    assert _pattern_agreement((1, 0, 0, 0, 1)) == pytest.approx(-1.0)
    assert _pattern_agreement((1, 1, 1, 1, 1)) == pytest.approx(0.0)


def test_layers_are_weighted_by_their_share() -> None:
    # (2, 1, 0, 0, 0) = layer 1-1-0-0-0 (2 of 3 cases, A 0.75) + layer 1-0-0-0-0 (1 of 3, A 1).
    assert A(2, 1, 0, 0, 0) == pytest.approx(2 / 3 * 0.75 + 1 / 3 * 1.0)


def test_dont_know_is_ignored_and_missing_categories_are_zero() -> None:
    assert agreement({1: 5, 5: 5, None: 9}) == pytest.approx(-1.0)  # type: ignore[dict-item]


def test_agreement_without_answers_or_with_negative_counts_is_refused() -> None:
    with pytest.raises(ValueError, match="without answers"):
        agreement({})
    with pytest.raises(ValueError, match="negative"):
        agreement({1: 3, 2: -1})


counts_strategy = st.lists(st.integers(min_value=0, max_value=60), min_size=5, max_size=5).filter(
    lambda c: sum(c) > 0
)


@given(counts_strategy)
def test_agreement_is_within_minus_one_and_one(counts: list[int]) -> None:
    assert -1.0 <= A(*counts) <= 1.0


@given(counts_strategy, st.integers(min_value=2, max_value=50))
def test_agreement_is_invariant_to_scaling(counts: list[int], factor: int) -> None:
    assert A(*(c * factor for c in counts)) == pytest.approx(A(*counts), abs=1e-9)


@given(counts_strategy)
def test_agreement_is_the_same_on_the_mirrored_scale(counts: list[int]) -> None:
    assert A(*reversed(counts)) == pytest.approx(A(*counts), abs=1e-9)


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=10_000))
def test_agreement_of_one_category_is_one(category: int, n: int) -> None:
    assert agreement({category: n}) == 1.0


# --- ItemStats ----------------------------------------------------------------------------


def test_item_stats_count_and_flip() -> None:
    s = stat((1, 2, 0, 3, 4), reverse=True, dont_know=2)
    assert s.n == 10
    assert s.dont_know == 2
    # Reverse-scored: 5 becomes 1 etc., so the mean is 6 minus the mean as asked.
    assert s.mean_favourable == pytest.approx(6 - (1 + 4 + 12 + 20) / 10)
    assert s.favourable_counts == {1: 4, 2: 3, 3: 0, 4: 2, 5: 1}
    assert s.share_low == pytest.approx(0.7)
    assert s.share_high == pytest.approx(0.3)


def test_item_stats_without_answers() -> None:
    s = stat((0, 0, 0, 0, 0), dont_know=4)
    assert s.n == 0
    assert s.mean_favourable is None
    assert s.agreement is None
    assert s.share_low == s.share_high == 0.0
    assert not s.is_split


# --- tension ------------------------------------------------------------------------------


def test_tension_fires_per_theme_with_counts_in_the_reason() -> None:
    split = [stat(TWO_CAMPS, theme=3) for _ in range(3)]
    calm = [stat(CONSENSUS_HIGH, theme=3) for _ in range(3)]
    other_theme = [stat(CONSENSUS_HIGH, theme=2) for _ in range(4)]
    signals = tension_signals([*split, *calm, *other_theme])
    assert len(signals) == 1
    (signal,) = signals
    assert signal.kind == "tension"
    assert signal.theme == 3
    assert signal.item_ids == tuple(s.item_id for s in split)
    assert signal.reason == "Collective learning: 3 of 6 statements split the team."
    assert 0.5 < signal.strength <= 1.0


def test_tension_in_the_climate_is_its_own_signal() -> None:
    (signal,) = tension_signals([stat(TWO_CAMPS, theme=None), stat(CONSENSUS_HIGH, theme=None)])
    assert signal.theme is None
    assert signal.reason == "How we talk with each other: 1 of 2 statements splits the team."


def test_more_split_and_more_polarised_is_stronger() -> None:
    def strength(*items: ItemStats) -> float:
        (signal,) = tension_signals(items)
        return signal.strength

    one_of_four = strength(stat(TWO_CAMPS), *(stat(CONSENSUS_HIGH) for _ in range(3)))
    two_of_four = strength(*(stat(TWO_CAMPS) for _ in range(2)), *(stat(MIDDLE) for _ in range(2)))
    assert two_of_four > one_of_four
    mildly = strength(stat((1, 4, 0, 4, 1)), *(stat(CONSENSUS_HIGH) for _ in range(3)))
    extreme = strength(stat((5, 0, 0, 0, 5)), *(stat(CONSENSUS_HIGH) for _ in range(3)))
    assert extreme > mildly


@pytest.mark.parametrize(
    "counts",
    [
        CONSENSUS_HIGH,
        MIDDLE,
        (1, 0, 0, 0, 4),  # one dissenter: A = 0.2, not two camps
        (2, 2, 0, 6, 0),  # same mean and SD as (1, 4, 0, 4, 1), but A = 0.47
        (1, 0, 3, 0, 3),  # A below 0.1, but only 1 of 7 on the low side
    ],
)
def test_tension_does_not_fire_without_two_camps(counts: tuple[int, ...]) -> None:
    assert tension_signals([stat(counts), stat(CONSENSUS_HIGH)]) == []


def test_tension_ignores_unanswered_statements() -> None:
    (signal,) = tension_signals([stat(TWO_CAMPS), stat((0, 0, 0, 0, 0), dont_know=5)])
    assert "1 of 1 statements" in signal.reason


# --- warning sign -------------------------------------------------------------------------


def climate(
    *,
    surface: Sequence[int] = CONSENSUS_HIGH,
    all_can_be_said: Sequence[int] = CONSENSUS_HIGH,
    left_unsaid: Sequence[int] = (4, 5, 1, 0, 0),  # as asked: most disagree, favourable
    dont_know: int = 0,
) -> list[ItemStats]:
    return [
        stat(surface, theme=None, key="feel_heard", dont_know=dont_know),
        stat(surface, theme=None, key="build_on_ideas", dont_know=dont_know),
        stat(tuple(reversed(surface)), theme=None, key="talk_past", reverse=True),
        stat(surface, theme=None, key="energy"),
        stat(all_can_be_said, theme=None, key="all_can_be_said"),
        stat(left_unsaid, theme=None, key="left_unsaid", reverse=True),
    ]


def test_warning_sign_fires_when_not_everything_can_be_said() -> None:
    stats = climate(all_can_be_said=(2, 3, 3, 1, 1))
    signal = warning_sign(stats)
    assert signal is not None
    assert signal.kind == "warning_sign"
    assert signal.item_ids == (stats[4].item_id,)
    assert signal.reason == (
        "The atmosphere looks good (4.3 out of 5), but not everything is said: "
        "only 2 of 10 agree that anything can be said."
    )


def test_warning_sign_fires_when_many_agree_things_are_left_unsaid() -> None:
    stats = climate(left_unsaid=(0, 1, 2, 4, 3))  # as asked: 7 of 10 agree
    signal = warning_sign(stats)
    assert signal is not None
    assert signal.item_ids == (stats[5].item_id,)
    assert "7 of 10 agree that things are left unsaid" in signal.reason


def test_warning_sign_fires_on_many_dont_knows() -> None:
    signal = warning_sign(climate(dont_know=6))
    assert signal is not None
    assert signal.item_ids == ()
    assert "of all answers are “don't know”" in signal.reason


def test_warning_sign_names_every_undercurrent_and_grows_with_them() -> None:
    one = warning_sign(climate(all_can_be_said=(2, 3, 3, 1, 1)))
    three = warning_sign(
        climate(all_can_be_said=(2, 3, 3, 1, 1), left_unsaid=(0, 1, 2, 4, 3), dont_know=6)
    )
    assert one is not None and three is not None
    assert three.strength > one.strength
    assert three.strength == pytest.approx(1.0)
    assert "anything can be said" in three.reason
    assert "left unsaid" in three.reason
    assert "don't know" in three.reason
    assert ", " in three.reason and " and " in three.reason


def test_warning_sign_uses_the_overall_mean_without_climate_statements() -> None:
    stats = [stat(CONSENSUS_HIGH, theme=t) for t in (1, 2, 3, 4)]
    stats.append(stat((2, 3, 3, 1, 1), theme=None, key="all_can_be_said"))
    assert warning_sign(stats) is not None


def test_no_warning_sign_when_the_surface_is_not_good() -> None:
    # Everything low: that is not "a good atmosphere with things unsaid", it is visibly poor.
    stats = climate(surface=CONSENSUS_LOW, all_can_be_said=CONSENSUS_LOW, dont_know=6)
    assert warning_sign(stats) is None


def test_no_warning_sign_when_everything_is_said() -> None:
    assert warning_sign(climate()) is None
    assert warning_sign([]) is None


def test_no_warning_sign_without_the_key_statements_or_dont_knows() -> None:
    assert warning_sign([stat(CONSENSUS_HIGH, theme=t) for t in (1, 2, 3, 4)]) is None


# --- blind spots --------------------------------------------------------------------------


def test_blind_spot_when_the_leader_sees_a_theme_more_positively() -> None:
    stats = [stat(CONSENSUS_LOW, theme=2) for _ in range(4)]  # team mean 1.9
    leader = {s.item_id: 4 for s in stats}
    (signal,) = blind_spots(stats, leader)
    assert signal.kind == "blind_spot"
    assert signal.theme == 2
    assert signal.item_ids == tuple(s.item_id for s in stats)
    assert signal.reason == (
        "Professional development: you see 4 of 4 statements more positively than your team "
        "(2.1 points apart on average)."
    )
    assert signal.strength == 1.0


def test_blind_spot_when_the_leader_sees_it_more_negatively() -> None:
    stats = [stat(CONSENSUS_HIGH, theme=4) for _ in range(3)]  # team mean 4.3
    (signal,) = blind_spots(stats, {s.item_id: 3 for s in stats})
    assert "Professional learning community" in signal.reason
    assert "3 of 3 statements more negatively" in signal.reason


def test_blind_spot_in_both_directions() -> None:
    low, high = stat(CONSENSUS_LOW, theme=1), stat(CONSENSUS_HIGH, theme=1)
    (signal,) = blind_spots([low, high], {low.item_id: 4, high.item_id: 2})
    assert "differently from your team, in both directions" in signal.reason


def test_blind_spot_on_a_single_statement() -> None:
    # Three statements match exactly, one is 1.3 apart: mean gap 0.33 but one item >= 1.25.
    stats = [stat((0, 0, 10, 0, 0), theme=3) for _ in range(3)]
    odd = stat((0, 0, 7, 3, 0), theme=3)  # team mean 3.3
    leader = {s.item_id: 3 for s in stats} | {odd.item_id: 2}
    (signal,) = blind_spots([*stats, odd], leader)
    assert signal.item_ids == (odd.item_id,)
    assert "1 of 4 statements more negatively" in signal.reason


def test_blind_spot_reads_the_leader_on_the_favourable_scale() -> None:
    # Reverse-scored: the leader answering 1 ("disagree: nothing is left unsaid") is
    # favourable 5, the team agreeing (as asked 4-5) is favourable 1-2.
    s = stat((0, 0, 1, 5, 4), theme=None, key="left_unsaid", reverse=True)
    (signal,) = blind_spots([s], {s.item_id: 1})
    assert "more positively" in signal.reason
    assert blind_spots([s], {s.item_id: 4}) == []


def test_no_blind_spot_when_leader_and_team_are_close() -> None:
    stats = [stat(CONSENSUS_HIGH, theme=2) for _ in range(4)]  # team mean 4.3
    leader: dict[int, int | None] = {s.item_id: 4 for s in stats}
    assert blind_spots(stats, leader) == []
    # The leader's "don't know" and unanswered statements are left out, not counted as 0.
    assert blind_spots(stats, {s.item_id: None for s in stats}) == []
    assert blind_spots(stats, {}) == []


# --- weakest theme ------------------------------------------------------------------------


def test_weakest_theme_fires_when_it_clearly_lags() -> None:
    weak = [stat(CONSENSUS_LOW, theme=4), stat((0, 2, 4, 4, 0), theme=4), stat(MIDDLE, theme=4)]
    stats = [*(stat(CONSENSUS_HIGH, theme=t) for t in (1, 2, 3)), *weak]
    signal = weakest_theme(stats)
    assert signal is not None
    assert signal.kind == "weakest_theme"
    assert signal.theme == 4
    # The lowest statements, lowest first: those at or below the theme's mean.
    assert signal.item_ids == (weak[0].item_id,)
    assert signal.reason == (
        "Professional learning community is the weakest theme: 2.7 out of 5, against 4.3 for "
        "the other themes (3 statements)."
    )
    assert signal.strength == 1.0


def test_no_weakest_theme_when_the_themes_are_close() -> None:
    stats = [
        stat((0, 0, 2, 6, 2), theme=1),  # 4.0
        stat((0, 0, 3, 5, 2), theme=2),  # 3.9
        stat((0, 0, 4, 4, 2), theme=3),  # 3.8
    ]
    assert weakest_theme(stats) is None


def test_no_weakest_theme_with_a_single_theme() -> None:
    assert weakest_theme([stat(CONSENSUS_LOW, theme=2)]) is None
    assert weakest_theme([]) is None


def test_the_climate_is_not_a_theme() -> None:
    stats = [stat(CONSENSUS_HIGH, theme=1), stat(CONSENSUS_HIGH, theme=2)]
    stats.append(stat(CONSENSUS_LOW, theme=None))
    assert set(theme_means(stats)) == {1, 2}
    assert weakest_theme(stats) is None


def test_lowest_items_are_capped_and_ordered() -> None:
    items = [stat((5 - i, i, 0, 0, 5), theme=2) for i in range(5)] + [
        stat((0,) * 4 + (9,), theme=2)
    ]
    ids = lowest_items(items, 2)
    means = {s.item_id: s.mean_favourable or 0 for s in items}
    assert len(ids) == 3
    assert [means[i] for i in ids] == sorted(means[i] for i in ids)


# --- all together -------------------------------------------------------------------------


def test_compute_signals_orders_strongest_first() -> None:
    stats = [
        *climate(all_can_be_said=(2, 3, 3, 1, 1)),
        *(stat(CONSENSUS_HIGH, theme=t) for t in (1, 2)),
        stat(TWO_CAMPS, theme=3),
        *(stat(CONSENSUS_HIGH, theme=3) for _ in range(5)),
        *(stat(CONSENSUS_LOW, theme=4) for _ in range(2)),
    ]
    leader = {s.item_id: 5 for s in stats if s.theme == 4}
    signals = compute_signals(stats, leader)
    assert {s.kind for s in signals} == {"warning_sign", "tension", "blind_spot", "weakest_theme"}
    assert [s.strength for s in signals] == sorted((s.strength for s in signals), reverse=True)
    assert not any(s.kind == "blind_spot" for s in compute_signals(stats))


def test_compute_signals_on_a_calm_team_is_empty() -> None:
    stats = [*climate(), *(stat(CONSENSUS_HIGH, theme=t) for t in (1, 2, 3, 4))]
    # The leader agrees with the team (4 favourable; as asked 2 on the reverse-scored ones).
    leader: dict[int, int | None] = {s.item_id: 2 if s.reverse_scored else 4 for s in stats}
    assert compute_signals(stats, leader) == []


def test_reasons_follow_the_active_language_of_the_theme_name() -> None:
    s = ItemStats(1, 3, "theme", "", False, {1: 5, 5: 5}, theme_name="Collectief leren")
    (signal,) = tension_signals([s])
    assert signal.reason.startswith("Collectief leren:")
    nameless = ItemStats(2, 3, "theme", "", False, {1: 5, 5: 5})
    assert tension_signals([nameless])[0].reason.startswith("Theme 3:")


# --- the two database helpers -------------------------------------------------------------

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OPENS = datetime(2025, 9, 29, 8, 0, tzinfo=AMSTERDAM)
CLOSES = datetime(2025, 10, 13, 17, 0, tzinfo=AMSTERDAM)


@pytest.mark.django_db
def test_stats_for_reads_the_released_distributions(
    school: School, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    items = list(Item.objects.filter(version=default_template().freeze()))
    unsaid = next(i for i in items if i.key == "left_unsaid")
    first = next(i for i in items if i.theme and i.theme.number == 3)
    round_ = closed_round(
        school,
        opens_at=OPENS,
        closes_at=CLOSES,
        answers=[
            {unsaid.pk: 5, first.pk: 1},
            {unsaid.pk: 4, first.pk: 5},
            {unsaid.pk: None, first.pk: 5},
        ],
    )
    after = CLOSES + timedelta(days=1)
    # The gate (are ballots still waiting? how many responses?), then the distributions.
    with django_assert_num_queries(4):
        stats = stats_for(round_, after)
    assert stats is not None
    assert len(stats) == len(items)
    by_id = {s.item_id: s for s in stats}
    assert by_id[unsaid.pk].counts == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, None: 1}
    assert by_id[unsaid.pk].reverse_scored
    assert by_id[unsaid.pk].block == "climate"
    assert by_id[unsaid.pk].theme is None
    assert by_id[first.pk].theme == 3
    assert by_id[first.pk].theme_name == "Collective learning"
    # A statement nobody answered is there, with all-zero counts.
    assert any(s.n == 0 and s.dont_know == 0 for s in stats)


@pytest.mark.django_db
def test_stats_for_is_none_while_the_gate_is_shut(school: School) -> None:
    item = Item.objects.filter(version=default_template().freeze()).first()
    assert item is not None
    round_ = closed_round(
        school, opens_at=OPENS, closes_at=CLOSES, answers=[{item.pk: 4}, {item.pk: 4}]
    )  # 2 of threshold 3
    assert stats_for(round_, CLOSES + timedelta(days=1)) is None
    assert stats_for(round_, CLOSES - timedelta(days=1)) is None


@pytest.mark.django_db
def test_leader_values_in_one_query(
    school: School, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    round_ = closed_round(school, opens_at=OPENS, closes_at=CLOSES, answers=[])
    items = list(Item.objects.filter(version=round_.version)[:2])
    LeaderAnswer.objects.create(round=round_, item=items[0], value=2)
    LeaderAnswer.objects.create(round=round_, item=items[1], value=None)
    with django_assert_num_queries(1):
        values = leader_values(round_)
    assert values == {items[0].pk: 2, items[1].pk: None}
