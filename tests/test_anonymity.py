"""The anonymity gatekeeper (surveys.anonymity): what of a round may be shown, when, and to
whom. A teacher must be able to trust that no answer can be traced back to them."""

from __future__ import annotations

import ast
import itertools
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import factory
import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import translation
from factory.django import DjangoModelFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries

from interventions.models import Theme
from schools.models import School, User
from surveys.anonymity import (
    Gate,
    is_releasable,
    item_distributions,
    open_answers,
    open_answers_gate,
    releasable_subgroups,
    round_figures,
    round_gate,
    round_gates,
    theme_means,
    theme_stats,
    theme_trend,
    turnout,
)
from surveys.models import (
    Answer,
    Ballot,
    Block,
    Invitation,
    Item,
    OpenAnswer,
    OpenQuestion,
    QuestionnaireTemplate,
    QuestionnaireVersion,
    Response,
    Round,
)
from surveys.retention import tally_closed

from .factories import SchoolFactory, UserFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OPENS = datetime(2025, 9, 29, 8, 0, tzinfo=AMSTERDAM)
CLOSES = datetime(2025, 10, 13, 17, 0, tzinfo=AMSTERDAM)
BEFORE = OPENS - timedelta(days=3)
WHILE_OPEN = CLOSES - timedelta(days=1)
AFTER = CLOSES + timedelta(days=1)


# Survey factories: only this module needs them so far.


class TemplateFactory(DjangoModelFactory[QuestionnaireTemplate]):
    class Meta:
        model = QuestionnaireTemplate

    name_nl = factory.Sequence(lambda n: f"Vragenlijst {n}")


class VersionFactory(DjangoModelFactory[QuestionnaireVersion]):
    class Meta:
        model = QuestionnaireVersion

    template = factory.SubFactory(TemplateFactory)
    number = 1
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    name_nl = factory.SelfAttribute("template.name_nl")


class ItemFactory(DjangoModelFactory[Item]):
    class Meta:
        model = Item

    version = factory.SubFactory(VersionFactory)
    block = Block.THEME
    theme = factory.LazyFunction(lambda: Theme.objects.get(number=1))
    order = factory.Sequence(int)
    text_nl = factory.Sequence(lambda n: f"Stelling {n}")


class OpenQuestionFactory(DjangoModelFactory[OpenQuestion]):
    class Meta:
        model = OpenQuestion

    version = factory.SubFactory(VersionFactory)
    text_nl = "Wat zou je willen veranderen?"


class RoundFactory(DjangoModelFactory[Round]):
    class Meta:
        model = Round

    school = factory.SubFactory(SchoolFactory)
    version = factory.SubFactory(VersionFactory)
    opens_at = OPENS
    closes_at = CLOSES
    threshold = 5
    open_threshold = factory.SelfAttribute("threshold")


class OpenAnswerFactory(DjangoModelFactory[OpenAnswer]):
    class Meta:
        model = OpenAnswer

    round = factory.SubFactory(RoundFactory)
    question = factory.LazyAttribute(lambda o: OpenQuestionFactory.create(version=o.round.version))
    text = factory.Sequence(lambda n: f"Antwoord {n}")


class InvitationFactory(DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    round = factory.SubFactory(RoundFactory)
    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


def respond(round: Round, sheets: Sequence[dict[Item, int | None]]) -> None:
    """One response per sheet ({item: value or None for "don't know"}), as the opened ballot
    box of the round leaves them."""
    round.box_opened_at = round.closes_at
    Round.objects.filter(pk=round.pk).update(box_opened_at=round.box_opened_at)
    for sheet in sheets:
        response = Response.objects.create(round=round)
        Answer.objects.bulk_create(
            Answer(response=response, item=item, value=value) for item, value in sheet.items()
        )


def everything(round: Round, now: datetime) -> tuple[object, ...]:
    return item_distributions(round, now), theme_means(round, now), open_answers(round, now)


@pytest.fixture
def school_round(school: School, leader: User) -> Round:
    return RoundFactory.create(school=school, created_by=leader)


@pytest.fixture
def items(school_round: Round) -> dict[str, Item]:
    """Two items on theme 1 (one scored in reverse), one on theme 3, one on the climate."""
    version = school_round.version
    return {
        "open": ItemFactory.create(version=version, theme=Theme.objects.get(number=1)),
        "unsaid": ItemFactory.create(
            version=version, theme=Theme.objects.get(number=1), reverse_scored=True
        ),
        "goals": ItemFactory.create(version=version, theme=Theme.objects.get(number=3)),
        "climate": ItemFactory.create(version=version, block=Block.CLIMATE, theme=None),
    }


def sheets(items: dict[str, Item], n: int) -> list[dict[Item, int | None]]:
    """``n`` filled-in questionnaires; the first five are the ones the figures are checked on."""
    fixed: list[dict[str, int | None]] = [
        {"open": 5, "unsaid": 1, "goals": None, "climate": 3},
        {"open": 4, "unsaid": 1, "goals": 3, "climate": 4},
        {"open": 4, "unsaid": None, "goals": 4, "climate": 4},
        {"open": 3, "unsaid": 2, "goals": 2, "climate": 2},
        {"open": None, "unsaid": 4, "goals": 4, "climate": 5},
    ]
    rows = [fixed[i % len(fixed)] for i in range(n)]
    return [{items[name]: value for name, value in row.items()} for row in rows]


# 1 and 2: closed rounds only, and only from the threshold on.


def test_it_hides_scores_and_their_count_below_the_threshold(
    school_round: Round, items: dict[str, Item]
) -> None:
    respond(school_round, sheets(items, 4))
    OpenAnswerFactory.create_batch(4, round=school_round)

    gate = round_gate(school_round, AFTER)

    assert gate == Gate(released=False, respondents=None, reason="below_threshold", threshold=5)
    assert everything(school_round, AFTER) == (None, None, None)
    with translation.override("en"):
        assert gate.message == (
            "Fewer than 5 colleagues answered, so nothing can be shown without someone being "
            "recognisable."
        )
    assert "4" not in gate.message


def test_it_shows_correct_figures_from_the_threshold_on(
    school_round: Round, items: dict[str, Item]
) -> None:
    respond(school_round, sheets(items, 5))

    gate = round_gate(school_round, AFTER)
    distributions = item_distributions(school_round, AFTER)
    means = theme_means(school_round, AFTER)

    assert gate == Gate(released=True, respondents=5, reason="ok", threshold=5)
    assert gate.message == ""
    assert distributions is not None
    assert distributions[items["open"].pk] == {1: 0, 2: 0, 3: 1, 4: 2, 5: 1, None: 1}
    assert distributions[items["unsaid"].pk] == {1: 2, 2: 1, 3: 0, 4: 1, 5: 0, None: 1}
    assert set(distributions) == {item.pk for item in items.values()}
    # Theme 1: "open" gives 5, 4, 4, 3; "unsaid" is reverse-scored, so 1, 1, 2, 4 count as
    # 5, 5, 4, 2. Both "don't know"s are left out: 32 / 8 = 4.0 (unflipped it would be 3.0).
    # Theme 3: 3, 4, 2, 4 -> 3.25. The climate item has no theme and is not in the means.
    assert means == {1: pytest.approx(4.0), 3: pytest.approx(3.25)}


def test_a_theme_answered_only_with_dont_know_has_no_mean(
    school_round: Round, items: dict[str, Item]
) -> None:
    respond(school_round, [{items["goals"]: None, items["open"]: 4}] * 5)

    assert theme_means(school_round, AFTER) == {1: pytest.approx(4.0)}


@pytest.mark.parametrize("moment", [BEFORE, OPENS, WHILE_OPEN, CLOSES - timedelta(seconds=1)])
def test_it_shows_nothing_before_the_round_closes_however_many_answered(
    school_round: Round, items: dict[str, Item], moment: datetime
) -> None:
    respond(school_round, sheets(items, 20))
    OpenAnswerFactory.create_batch(20, round=school_round)

    gate = round_gate(school_round, moment)

    assert gate == Gate(released=False, respondents=None, reason="not_closed", threshold=5)
    assert open_answers_gate(school_round, moment).respondents is None
    assert everything(school_round, moment) == (None, None, None)
    with translation.override("en"):
        assert gate.message == "Results appear when the round has closed."


def test_it_shows_everything_from_the_moment_the_round_closes(
    school_round: Round, items: dict[str, Item]
) -> None:
    respond(school_round, sheets(items, 20))
    OpenAnswerFactory.create_batch(20, round=school_round)

    assert round_gate(school_round, CLOSES).respondents == 20
    assert None not in everything(school_round, CLOSES)


# 3: open answers.


@pytest.fixture
def strict_round(school: School) -> Round:
    return RoundFactory.create(school=school, threshold=5, open_threshold=7)


def test_open_answers_need_their_own_higher_threshold(strict_round: Round) -> None:
    item = ItemFactory.create(version=strict_round.version)
    respond(strict_round, [{item: 4}] * 6)
    written = [a.text for a in OpenAnswerFactory.create_batch(6, round=strict_round)]

    assert round_gate(strict_round, AFTER).released
    assert item_distributions(strict_round, AFTER) is not None
    assert open_answers(strict_round, AFTER) is None
    gate = open_answers_gate(strict_round, AFTER)
    assert gate == Gate(
        released=False, respondents=None, reason="below_open_threshold", threshold=7
    )
    with translation.override("en"):
        assert "at least 7 colleagues" in gate.message

    respond(strict_round, [{item: 2}])
    written.append(OpenAnswerFactory.create(round=strict_round).text)

    shown = open_answers(strict_round, AFTER)
    assert shown is not None
    assert sorted(shown) == sorted(written)
    assert all(type(text) is str for text in shown)


def test_open_answers_come_in_an_unpredictable_order(strict_round: Round) -> None:
    respond(strict_round, [{}] * 7)
    written = {a.text for a in OpenAnswerFactory.create_batch(20, round=strict_round)}

    orders = [tuple(open_answers(strict_round, AFTER) or ()) for _ in range(10)]

    assert all(set(order) == written and len(order) == 20 for order in orders)
    # Ten equal shuffles of 20 texts happen with probability (1/20!)^9: never.
    assert len(set(orders)) >= 2
    # Seeding Python's global generator does not reproduce the order (it uses os.urandom).
    state = random.getstate()
    try:
        random.seed(1)
        first = open_answers(strict_round, AFTER)
        random.seed(1)
        assert open_answers(strict_round, AFTER) != first
    finally:
        random.setstate(state)


def test_empty_open_answers_are_left_out(strict_round: Round) -> None:
    respond(strict_round, [{}] * 7)
    OpenAnswerFactory.create(round=strict_round, text="")
    OpenAnswerFactory.create(round=strict_round, text="Meer tijd voor elkaar.")

    assert open_answers(strict_round, AFTER) == ["Meer tijd voor elkaar."]


# The work stays in the database: a fixed number of queries whatever the size of the round.


@pytest.mark.parametrize(("respondents", "extra_items"), [(5, 0), (30, 12)])
def test_results_take_a_fixed_number_of_queries(
    school_round: Round,
    items: dict[str, Item],
    respondents: int,
    extra_items: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    more = ItemFactory.create_batch(extra_items, version=school_round.version)
    filled = sheets(items, respondents)
    respond(school_round, [sheet | {item: 3 for item in more} for sheet in filled])
    OpenAnswerFactory.create_batch(respondents, round=school_round)

    # The gate: no ballot still waiting in the opened box, and how many responses; once the
    # round is counted into tallies the first of the two goes.
    with django_assert_num_queries(2):
        round_gate(school_round, AFTER)
    with django_assert_num_queries(3):
        distributions = item_distributions(school_round, AFTER)
    with django_assert_num_queries(3):
        theme_means(school_round, AFTER)
    with django_assert_num_queries(3):
        open_answers(school_round, AFTER)
    with django_assert_num_queries(0):
        item_distributions(school_round, WHILE_OPEN)
    assert distributions is not None
    assert len(distributions) == len(items) + extra_items


# 5: the turnout, also while the round is open: as of the last full hour, and below the
# threshold only "fewer than N".


def test_the_leader_sees_the_turnout_of_the_last_full_hour_in_one_query(
    school_round: Round, teacher: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    InvitationFactory.create(round=school_round, user=teacher, done=True)
    InvitationFactory.create_batch(2, round=school_round, done=True)
    InvitationFactory.create_batch(5, round=school_round, done=False)
    InvitationFactory.create_batch(3, done=True)  # another school's round
    assert school_round.is_open(WHILE_OPEN)
    assert school_round.threshold == 5

    # Nothing counted yet: "fewer than 5".
    with django_assert_num_queries(1):
        shown = turnout(school_round)
    assert (shown.invited, shown.answered, shown.as_of) == (8, None, None)
    assert shown.label == "minder dan 5 van 8 geantwoord"
    Round.objects.record_turnout(WHILE_OPEN)
    school_round.refresh_from_db()
    assert turnout(school_round).answered is None  # three answered: still "fewer than 5"
    InvitationFactory.create_batch(2, round=school_round, done=True)
    assert turnout(school_round).answered is None  # the count of the last full hour
    Round.objects.record_turnout(WHILE_OPEN + timedelta(hours=1))
    school_round.refresh_from_db()
    shown = turnout(school_round)
    assert (shown.answered, shown.percentage, shown.label) == (5, 50, "5 van 10 geantwoord")
    with translation.override("en"):
        assert shown.label == "5 of 10 answered"


def test_a_round_without_invitations_has_a_turnout_of_fewer_than_the_threshold_of_zero(
    school_round: Round,
) -> None:
    shown = turnout(school_round)
    assert (shown.invited, shown.answered, shown.percentage) == (0, None, None)


# The gate as a property: for any threshold, number of respondents and moment.


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    threshold=st.integers(3, 7),
    respondents=st.integers(0, 12),
    waiting=st.integers(0, 12),
    opened=st.booleans(),
    counted=st.booleans(),
    moment=st.sampled_from([BEFORE, WHILE_OPEN, CLOSES, AFTER]),
)
def test_the_gate_opens_exactly_when_closed_counted_and_enough_answered(
    school: School,
    threshold: int,
    respondents: int,
    waiting: int,
    opened: bool,
    counted: bool,
    moment: datetime,
) -> None:
    """``respondents`` responses and ``waiting`` sealed ballots, the box ``opened`` or not,
    the round ``counted`` (tallied) or not: nothing is shown before closing, nor while
    ballots still wait to be opened, nor below the threshold."""
    with transaction.atomic():
        round = RoundFactory.create(
            school=school,
            threshold=threshold,
            box_opened_at=CLOSES if opened else None,
            tallied_at=CLOSES if counted else None,
        )
        Response.objects.bulk_create(Response(round=round) for _ in range(respondents))
        Ballot.objects.bulk_create(Ballot(round=round, sealed="x") for _ in range(waiting))
        gate = round_gate(round, moment)
        transaction.set_rollback(True)

    closed = moment >= CLOSES
    # Still being counted: the box is not opened yet, or still holds ballots.
    counting = not counted and (not opened or waiting > 0)
    enough = respondents >= threshold
    assert gate.released == (closed and not counting and enough)
    assert gate.respondents is None or gate.respondents >= threshold
    assert gate.respondents == (respondents if gate.released else None)
    expected = (
        "not_closed"
        if not closed
        else "counting"
        if counting
        else "ok"
        if enough
        else "below_threshold"
    )
    assert gate.reason == expected


def test_the_gates_of_many_rounds_are_decided_as_each_rounds_own_in_two_queries(
    school: School, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """A report and the trend decide the gates of a whole history at once (``round_gates``):
    for every combination of respondents, waiting ballots, opened box, counted, purged and
    moment, the same gate as ``round_gate`` gives the round on its own."""
    rounds = []
    for respondents, waiting, opened, counted in itertools.product(
        (4, 5), (0, 2), (False, True), (False, True)
    ):
        round = RoundFactory.create(
            school=school,
            box_opened_at=CLOSES if opened else None,
            tallied_at=CLOSES if counted else None,
        )
        Response.objects.bulk_create(Response(round=round) for _ in range(respondents))
        Ballot.objects.bulk_create(Ballot(round=round, sealed="x") for _ in range(waiting))
        rounds.append(round)
    # Purged: released (its count kept) or not (nothing kept).
    rounds.append(RoundFactory.create(school=school, purged_at=AFTER, purged_respondents=6))
    rounds.append(RoundFactory.create(school=school, purged_at=AFTER))

    for moment in (WHILE_OPEN, AFTER):
        # One count of responses, one look for ballots still waiting in an opened box.
        with django_assert_num_queries(2 if moment == AFTER else 0):
            gates = round_gates(rounds, moment)
        assert gates == {r.pk: round_gate(r, moment) for r in rounds}
    assert sum(g.released for g in gates.values()) == 6


def test_a_reports_figures_and_trend_are_what_each_function_releases(
    school: School, items: dict[str, Item], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """``round_figures`` gives a report, from one count for its whole history, exactly what
    ``item_distributions``, ``theme_stats`` and ``theme_trend`` give on their own: for a
    round read from its answers and from its tallies, with a history of a counted round, a
    round below the threshold and one that has not closed."""
    version = next(iter(items.values())).version
    earlier = [
        RoundFactory.create(
            school=school,
            version=version,
            opens_at=OPENS - timedelta(days=d),
            closes_at=CLOSES - timedelta(days=d),
        )
        for d in (400, 200)
    ]
    respond(earlier[0], sheets(items, 6))  # counted: read from its tallies
    respond(earlier[1], sheets(items, 4))  # below the threshold: not in the trend
    tally_closed(now=AFTER, round_ids=[r.pk for r in earlier])
    later = RoundFactory.create(
        school=school, version=version, opens_at=AFTER, closes_at=AFTER + timedelta(days=9)
    )
    current = RoundFactory.create(school=school, version=version)
    respond(current, sheets(items, 7))
    rounds = [*Round.objects.filter(pk__in=[r.pk for r in earlier]), later, current]

    # Not counted yet: a look for ballots still waiting, the count, the answers of the round
    # and the tallies of the history (two readings of theme figures), the distributions.
    # Counted, as every round is soon after closing: the count, the tallies twice.
    for counted, queries in ((False, 5), (True, 3)):
        if counted:
            tally_closed(now=AFTER, round_ids=[current.pk])
            current.refresh_from_db()
            assert current.is_tallied
        with django_assert_num_queries(queries):
            figures = round_figures(current, rounds, AFTER)
        assert figures.gate == round_gate(current, AFTER)
        assert figures.distributions == item_distributions(current, AFTER)
        assert figures.themes == theme_stats(current, AFTER)
        assert figures.trend == theme_trend(rounds, AFTER)
        assert set(figures.trend) == {earlier[0].pk, current.pk}

    shut = round_figures(earlier[1], rounds, AFTER)
    assert shut.gate.reason == "below_threshold"
    assert (shut.distributions, shut.themes, shut.trend) == ({}, {}, {})


# 4: subgroups. Nobody may subtract released figures from the parent's to isolate a few people.


def test_a_team_is_withheld_when_the_rest_of_the_school_would_be_too_small() -> None:
    # 20 respondents: showing teams A (8) and B (9) would leave 3 people (team C plus those
    # without a team) as "school minus A minus B". Withholding A, the smallest, leaves 11.
    released = releasable_subgroups(20, {"A": 8, "B": 9, "C": 3}, threshold=5)

    assert released == frozenset({"B"})


def test_overlapping_subgroups_are_refused() -> None:
    with pytest.raises(ValueError, match="disjoint"):
        releasable_subgroups(10, {"A": 6, "B": 6}, threshold=5)


@settings(max_examples=500)
@given(
    threshold=st.integers(3, 10),
    counts=st.lists(st.integers(0, 30), max_size=8),
    extra=st.integers(0, 10),
)
def test_released_subgroups_can_never_be_subtracted_down_to_a_small_group(
    threshold: int, counts: list[int], extra: int
) -> None:
    parent = sum(counts) + extra
    subgroups = {f"team {i}": count for i, count in enumerate(counts)}

    released = releasable_subgroups(parent, subgroups, threshold)

    assert released <= subgroups.keys()
    # (a) every released figure is about at least `threshold` people.
    assert all(subgroups[k] >= threshold for k in released)
    # (c) the parent is shown only from the threshold on, and without it nothing is.
    assert is_releasable(parent, threshold) == (parent >= threshold)
    if not is_releasable(parent, threshold):
        assert released == frozenset()
    # (b) the parent minus ANY combination of released figures is 0 or >= threshold (the
    # empty combination is the parent's own figure, which is only shown when releasable).
    smallest = 0 if is_releasable(parent, threshold) else 1
    for size in range(smallest, len(released) + 1):
        for subset in itertools.combinations(sorted(released), size):
            rest = parent - sum(subgroups[k] for k in subset)
            assert rest == 0 or rest >= threshold, (subset, rest)
    # (d) nothing is withheld without need ...
    eligible = {k for k, count in subgroups.items() if count >= threshold}
    remainder = parent - sum(subgroups[k] for k in eligible)
    if parent >= threshold and (remainder == 0 or remainder >= threshold):
        assert released == eligible
    # ... and when something must be, it is one subgroup, and a smallest one.
    withheld = eligible - released
    assert len(withheld) <= 1
    for k in withheld:
        assert subgroups[k] == min(subgroups[e] for e in eligible)


# --- One gate ---------------------------------------------------------------------------------

_PROJECT = Path(__file__).resolve().parent.parent
_GATE = _PROJECT / "surveys" / "anonymity.py"


def _threshold_comparisons(path: Path) -> list[str]:
    """The lines of ``path`` that compare something with a threshold directly: a name or an
    attribute called ``*threshold*``, or a call of one, as an operand of <, <=, > or >=."""

    def names_a_threshold(node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Name):
            return "threshold" in node.id
        if isinstance(node, ast.Attribute):
            return "threshold" in node.attr
        return False

    ordering = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Compare) or not any(isinstance(o, ordering) for o in node.ops):
            continue
        if any(names_a_threshold(operand) for operand in (node.left, *node.comparators)):
            found.append(f"{path.relative_to(_PROJECT)}:{node.lineno}")
    return found


def test_only_the_anonymity_module_compares_with_a_threshold() -> None:
    """Whether a figure may be shown (results, interviews, the focus group's check-in, the
    practice runner, the ballot box, retention) is decided in surveys/anonymity.py only; a
    comparison written out anywhere else is a second rule that can drift from it."""
    sources = [
        path
        for app in django_settings.PROJECT_APPS
        for path in (_PROJECT / app).rglob("*.py")
        if "migrations" not in path.parts and path != _GATE
    ]
    assert len(sources) > 50  # the apps were found
    assert _threshold_comparisons(_GATE)  # and the check finds the gate's own comparisons
    assert [line for path in sources for line in _threshold_comparisons(path)] == []
