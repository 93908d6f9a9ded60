"""From signals to the article's recommendations and interventions (surveys.suggestions):
each rule, the two routes between the how and the why, the reasons naming the catalogue's own
texts, and a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from interventions.models import Intervention, Theme
from schools.models import School
from surveys.models import Item, Round
from surveys.signals import ItemStats, Signal, SignalKind, compute_signals, stats_for
from surveys.suggestions import Suggestion, interventions_by_item, suggest

from .survey_helpers import closed_round, default_template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch() -> Iterator[None]:
    # The catalogue's texts are Dutch first; "Recommendation %(n)s" is already translated.
    with translation.override("nl"):
        yield


@pytest.fixture
def cat(db: None) -> dict[str, Intervention]:
    return {i.code: i for i in Intervention.objects.catalogue().select_related("theme")}


def sig(
    kind: SignalKind,
    theme: int | None,
    item_ids: tuple[int, ...] = (),
    *,
    strength: float = 0.5,
    reason: str = "Collectief leren: 2 of 6 statements split the team.",
) -> Signal:
    return Signal(kind=kind, theme=theme, item_ids=item_ids, strength=strength, reason=reason)


def codes(suggestion: Suggestion) -> list[str]:
    return [i.code for i in suggestion.interventions]


def run(
    signals: Sequence[Signal],
    links: dict[int, list[Intervention]] | None = None,
    stats: Sequence[ItemStats] = (),
) -> dict[str, Suggestion]:
    ids = {item_id: [i.pk for i in given] for item_id, given in (links or {}).items()}
    found = suggest(signals, items_interventions=ids, school=None, stats=stats)
    keys = [s.key for s in found]
    assert len(keys) == len(set(keys)), "keys must be unique"
    return {s.key: s for s in found}


def quoted(intervention: Intervention) -> str:
    return f"'{intervention.text.rstrip('.')}'"


# --- the rules ----------------------------------------------------------------------------


def test_tension_in_a_topic(cat: dict[str, Intervention]) -> None:
    signal = sig("tension", 3, (101, 102))
    links = {101: [cat["3.1"]], 102: [cat["3.2"], cat["3.6"]]}
    found = run([signal], links)
    assert list(found) == ["tension-3", "route-3"]
    tension = found["tension-3"]
    assert tension.signal is signal
    assert tension.recommendation.number == 2
    # 3.2 and 4.2 first, then the split statements' own interventions, each once.
    assert codes(tension) == ["3.2", "4.2", "3.1", "3.6"]
    assert tension.route == "why_to_how"
    assert tension.reason == (
        "Collectief leren: 2 of 6 statements split the team → Aanbeveling 2; interventies "
        f"{quoted(cat['3.2'])}, {quoted(cat['4.2'])}, {quoted(cat['3.1'])} en "
        f"{quoted(cat['3.6'])}"
    )
    assert "'signaleert spanningen en maakt deze bespreekbaar'" in tension.reason


def test_a_split_topic_is_also_offered_the_how(cat: dict[str, Intervention]) -> None:
    route = run([sig("tension", 4, (1,))])["route-4"]
    assert route.recommendation.number == 1
    assert codes(route) == ["1.1", "1.2"]
    assert route.route == "why_to_how"
    assert "begin bij hoe jullie met elkaar praten → Aanbeveling 1" in route.reason
    assert quoted(cat["1.1"]) in route.reason


def test_tension_in_the_climate_has_no_route_partner() -> None:
    found = run([sig("tension", None, (7,), reason="Dialoogklimaat: 1 of 6 splits the team.")])
    assert list(found) == ["tension-climate"]
    assert found["tension-climate"].route == "how_to_why"


def test_warning_sign_gives_two_suggestions(cat: dict[str, Intervention]) -> None:
    signal = sig("warning_sign", None, reason="The atmosphere looks good, but not all is said.")
    found = run([signal])
    assert list(found) == ["warning", "warning-agreements"]
    keep_talking, agreements = found["warning"], found["warning-agreements"]
    assert keep_talking.recommendation.number == 1
    assert codes(keep_talking) == ["1.1"]
    assert agreements.recommendation.number == 3
    assert codes(agreements) == ["4.4", "3.5"]
    assert {keep_talking.route, agreements.route} == {"how_to_why"}
    assert keep_talking.reason == (
        f"The atmosphere looks good, but not all is said → Aanbeveling 1; interventie "
        f"{quoted(cat['1.1'])}"
    )
    assert "wat kan wel en wat kan niet?'" in agreements.reason


def test_blind_spot(cat: dict[str, Intervention]) -> None:
    found = run([sig("blind_spot", 2, (5,))])
    assert list(found) == ["blind-2"]
    blind = found["blind-2"]
    assert blind.recommendation.number == 2
    assert codes(blind) == ["4.5", "1.5"]
    assert blind.route == "why_to_how"
    assert quoted(cat["4.5"]) in blind.reason
    assert run([sig("blind_spot", None, (5,))])["blind-climate"].route == "how_to_why"


def test_weakest_theme_takes_the_recommendation_its_interventions_serve_most(
    cat: dict[str, Intervention],
) -> None:
    # 2.4 serves Aanbeveling 5; 2.5 and 2.7 serve Aanbeveling 1.
    links = {21: [cat["2.4"]], 22: [cat["2.5"]], 23: [cat["2.7"]]}
    found = run([sig("weakest_theme", 2, (21, 22, 23))], links)
    weakest = found["weakest-2"]
    assert weakest.recommendation.number == 1
    assert codes(weakest) == ["2.4", "2.5", "2.7"]
    assert weakest.route == "why_to_how"
    assert found["route-2"].route == "why_to_how"


def test_weakest_theme_falls_back_to_recommendation_5(cat: dict[str, Intervention]) -> None:
    # 2.1 and 2.3 serve no recommendation.
    found = run([sig("weakest_theme", 2, (21, 22))], {21: [cat["2.1"]], 22: [cat["2.3"]]})
    assert found["weakest-2"].recommendation.number == 5
    assert codes(found["weakest-2"]) == ["2.1", "2.3"]
    # No linked interventions at all: Aanbeveling 5 with the theme's interventions serving it.
    collective = run([sig("weakest_theme", 3, (31,))])["weakest-3"]
    assert collective.recommendation.number == 5
    assert codes(collective) == ["3.3", "3.6"]
    community = run([sig("weakest_theme", 4, (41,))])["weakest-4"]
    assert community.recommendation.number == 5
    assert community.interventions == ()
    assert community.reason.endswith("→ Aanbeveling 5")


# --- the route from the how to the why ----------------------------------------------------


def stat(item_id: int, theme: int, counts: tuple[int, ...]) -> ItemStats:
    full: dict[int | None, int] = dict(zip(range(1, 6), counts, strict=True))
    full[None] = 0
    return ItemStats(item_id, theme, "theme", "", False, full)


def test_a_weak_central_theme_is_connected_to_the_weakest_topic(
    cat: dict[str, Intervention],
) -> None:
    stats = [
        stat(11, 1, (3, 5, 2, 0, 0)),
        stat(21, 2, (0, 0, 1, 5, 4)),
        stat(31, 3, (0, 0, 2, 6, 2)),
        stat(41, 4, (0, 4, 6, 0, 0)),  # the weakest topic, its lowest statement
        stat(42, 4, (0, 0, 6, 4, 0)),
    ]
    links = {41: [cat["4.6"]], 42: [cat["4.3"]]}
    found = run([sig("weakest_theme", 1, (11,))], links, stats)
    assert list(found) == ["weakest-1", "route-1"]
    assert found["weakest-1"].route == "how_to_why"
    route = found["route-1"]
    assert route.route == "how_to_why"
    assert codes(route) == ["4.6"]
    assert route.recommendation.number == 2
    theme_4 = Theme.objects.get(number=4)
    assert f"verbind het met {theme_4.name} → Aanbeveling 2" in route.reason
    assert quoted(cat["4.6"]) in route.reason


def test_without_stats_the_route_uses_a_topic_signal(cat: dict[str, Intervention]) -> None:
    signals = [sig("tension", 1, (11,)), sig("weakest_theme", 3, (31,))]
    found = run(signals, {31: [cat["3.4"]]})
    assert list(found) == ["tension-1", "route-1", "weakest-3", "route-3"]
    assert codes(found["route-1"]) == ["3.4"]
    assert found["route-1"].recommendation.number == 4
    assert found["route-3"].route == "why_to_how"


def test_no_how_to_why_route_without_any_topic() -> None:
    assert list(run([sig("tension", 1, (11,))])) == ["tension-1"]


def test_one_route_per_theme_and_the_signals_order() -> None:
    signals = [
        sig("weakest_theme", 3, (31,), strength=0.9),
        sig("warning_sign", None, strength=0.8),
        sig("tension", 3, (32,), strength=0.7),
        sig("blind_spot", 1, (11,), strength=0.6),
    ]
    found = suggest(signals, items_interventions={}, school=None)
    assert [s.key for s in found] == [
        "weakest-3",
        "route-3",
        "warning",
        "warning-agreements",
        "tension-3",
        "blind-1",
    ]
    assert found[1].signal is signals[0]


# --- the catalogue only, in a fixed number of queries -------------------------------------


def test_a_schools_own_interventions_are_not_suggested(
    school: School, cat: dict[str, Intervention]
) -> None:
    own = Intervention.objects.create(
        theme=Theme.objects.get(number=3), number=1, text_nl="Onze eigen werkwijze.", school=school
    )
    found = suggest(
        [sig("tension", 3, (31,))],
        items_interventions={31: [own.pk, cat["3.4"].pk]},
        school=school,
    )
    assert own not in found[0].interventions
    assert codes(found[0]) == ["3.2", "4.2", "3.4"]


def test_suggest_runs_a_fixed_number_of_queries(
    cat: dict[str, Intervention], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    links = {n: [cat["3.1"].pk, cat["4.3"].pk] for n in range(1, 20)}
    one = [sig("tension", 3, (1, 2))]
    many = [
        sig("warning_sign", None),
        *(sig("tension", t, (1, 2, 3)) for t in (1, 2, 3, 4)),
        *(sig("blind_spot", t, (4,)) for t in (1, 2, 3, 4)),
        sig("weakest_theme", 4, (5, 6)),
    ]
    with django_assert_num_queries(2):
        small = suggest(one, items_interventions=links, school=None)
    with django_assert_num_queries(2):
        large = suggest(many, items_interventions=links, school=None)
    with django_assert_num_queries(0):
        assert suggest([], items_interventions=links, school=None) == []
    assert len(large) > len(small)
    # Everything the page shows is loaded: codes and texts need no further query.
    with django_assert_num_queries(0):
        for suggestion in large:
            assert [i.code for i in suggestion.interventions]
            assert suggestion.recommendation.title


# --- from a real round --------------------------------------------------------------------

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OPENS = datetime(2025, 9, 29, 8, 0, tzinfo=AMSTERDAM)
CLOSES = datetime(2025, 10, 13, 17, 0, tzinfo=AMSTERDAM)


def test_interventions_by_item(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    version = default_template().freeze()
    round_ = Round(version=version)
    with django_assert_num_queries(1):
        links = interventions_by_item(round_)
    item = Item.objects.get(version=version, theme__number=3, order=2)
    assert [Intervention.objects.get(pk=pk).code for pk in links[item.pk]] == ["3.2"]
    climate = Item.objects.filter(version=version, block="climate").first()
    assert climate is not None
    assert links[climate.pk] == []


def test_from_a_closed_round_to_suggestions(school: School) -> None:
    version = default_template().freeze()
    items = list(Item.objects.filter(version=version).select_related("theme"))
    split = next(i for i in items if i.theme and i.theme.number == 3 and i.order == 4)
    # Six teachers: everything 4, except two camps on one statement about collective learning.
    answers: list[dict[int, int | None]] = [
        {
            item.pk: (1 if n < 3 else 5) if item == split else (2 if item.reverse_scored else 4)
            for item in items
        }
        for n in range(6)
    ]
    round_ = closed_round(school, answers, opens_at=OPENS, closes_at=CLOSES)
    stats = stats_for(round_, CLOSES + timedelta(days=1))
    assert stats is not None
    signals = compute_signals(stats, {})
    assert [s.kind for s in signals] == ["tension"]
    found = suggest(
        signals, items_interventions=interventions_by_item(round_), school=school, stats=stats
    )
    assert [s.key for s in found] == ["tension-3", "route-3"]
    assert codes(found[0]) == ["3.2", "4.2", "3.4"]
    assert found[0].reason.startswith("Collectief leren: 1 van de 6 stellingen verdeelt het team →")
