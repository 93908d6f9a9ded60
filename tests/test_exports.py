"""Exports of a round's results (surveys.exports): only what the anonymity gate released, as a
CSV for Dutch Excel and as a workbook, never open answers, never a formula, never a query."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from schools.models import School, Team
from surveys import anonymity, models
from surveys.exports import NotReleased, neutralise, report_csv, report_xlsx, sheet_title
from surveys.models import (
    DONT_KNOW,
    Invitation,
    Item,
    LeaderAnswer,
    Round,
    SuggestionChoice,
)
from surveys.report import RoundReport, build
from surveys.services import submit_answers

from .factories import MembershipFactory, UserFactory
from .survey_helpers import close_and_count, open_round, write_draft

OPEN_TEXT = "Open antwoord nummer"
# Two camps and one "don't know": enough for tension signals and suggestions.
VALUES = (1, 5, 1, 5, 4, 2, DONT_KNOW)


def closed_round(school: School, team: Team, n: int) -> Round:
    """A closed round on the default questionnaire with ``n`` submissions that differ per
    teacher, an open answer from each, and the leader's own view."""
    teachers = []
    for i in range(n):
        teacher = UserFactory.create(email=f"export{i}@linde.test")
        MembershipFactory.create(user=teacher, school=school, team=team)
        teachers.append(teacher)
    round_ = open_round(school, team=team, threshold=5, open_threshold=5)
    items = list(round_.version.items.all())
    question = round_.version.open_questions.first()
    assert question is not None
    for i, teacher in enumerate(teachers):
        invitation = Invitation.objects.get(round=round_, user=teacher)
        write_draft(
            invitation,
            {str(item.pk): VALUES[(i + item.pk) % len(VALUES)] for item in items},
            {str(question.pk): f"{OPEN_TEXT} {i}"},
        )
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    LeaderAnswer.objects.bulk_create(
        LeaderAnswer(round=round_, item=item, value=5) for item in items
    )
    close_and_count(round_)
    return round_


def report_of(round_: Round) -> RoundReport:
    """Built as the round views build it: the round with its school and team."""
    loaded = Round.objects.select_related("school", "team", "version").get(pk=round_.pk)
    return build(loaded, timezone.now())


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def blocks(rows: list[list[str]]) -> list[list[list[str]]]:
    """The CSV's blocks (about, themes, statements), split at the empty rows."""
    result: list[list[list[str]]] = [[]]
    for row in rows:
        if row:
            result[-1].append(row)
        else:
            result.append([])
    return result


def dutch_number(text: str) -> float:
    return float(text.replace(",", "."))


def all_cell_values(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def released(school: School, team: Team) -> Round:
    return closed_round(school, team, 6)


def test_csv_holds_the_round_the_themes_and_every_statement_with_its_counts(
    released: Round,
) -> None:
    report = report_of(released)
    about, themes, statements = blocks(csv_rows(report_csv(report)))

    assert about[0] == ["School", "OBS De Linde"]
    assert about[1] == ["Voor", "Onderbouw"]
    assert about[3][1] == "6"

    assert themes[0][0] == "Thema"
    assert len(themes) - 1 == len(report.themes) == 5  # four themes and the dialogue climate
    for row, theme in zip(themes[1:], report.themes, strict=True):
        assert theme.mean is not None
        assert dutch_number(row[1]) == pytest.approx(theme.mean, abs=0.05)

    distributions = anonymity.item_distributions(report.round, timezone.now())
    assert distributions is not None
    items = {item.text: item for item in Item.objects.filter(version=released.version)}
    assert len(statements) - 1 == len(items)
    for row in statements[1:]:
        item = items[row[1]]
        counts = distributions[item.pk]
        assert [int(c) for c in row[3:8]] == [counts[v] for v in range(1, 6)]
        assert int(row[8]) == counts[None]
        assert row[2] == ("Ja" if item.reverse_scored else "Nee")
        assert sum(int(c) for c in row[3:9]) == 6


def test_csv_follows_the_language_and_uses_its_decimal_separator(
    released: Round, english: None
) -> None:
    text = report_csv(report_of(released))
    _, themes, statements = blocks(csv_rows(text))
    assert themes[0] == ["Theme", "Average", "Spread", "Leader's view", "Gap: leader minus team"]
    assert statements[0][:3] == ["Theme", "Statement", "Scored in reverse"]
    assert statements[0][-2:] == ["Don't know", "Average"]
    assert "." in themes[1][1] and "," not in themes[1][1]
    # The leader answered 5 everywhere, so the gap is positive and the leader's view is 5.0.
    assert float(themes[1][3]) == 5.0
    assert float(themes[1][4]) > 0


def test_xlsx_has_four_sheets_with_numbers_as_numbers(released: Round, english: None) -> None:
    report = report_of(released)
    chosen = report.suggestions[0].suggestion.key
    SuggestionChoice.objects.create(round=released, key=chosen, status="chosen")
    report = report_of(released)
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    assert book.sheetnames == ["Themes", "Statements", "Signals", "Suggestions"]
    assert book.properties.creator == "dialoog"

    themes = book["Themes"]
    assert themes.freeze_panes == "A2"
    assert themes["A1"].value == "Theme" and themes["A1"].font.b
    assert themes.max_row == 1 + len(report.themes)
    mean = themes["B2"]
    assert isinstance(mean.value, int | float) and mean.number_format == "0.0"
    assert mean.value == pytest.approx(report.themes[0].mean)

    statements = book["Statements"]
    distributions = anonymity.item_distributions(report.round, timezone.now())
    assert distributions is not None
    items = {item.text: item for item in Item.objects.filter(version=released.version)}
    assert statements.max_row == 1 + len(items)
    for row in statements.iter_rows(min_row=2, values_only=True):
        counts = distributions[items[str(row[1])].pk]
        assert list(row[3:9]) == [*(counts[v] for v in range(1, 6)), counts[None]]
        assert all(isinstance(c, int) for c in row[3:9])

    signals = book["Signals"]
    assert report.signals, "the split answers should raise at least one signal"
    assert signals.max_row == 1 + len(report.signals)
    kinds = {
        "tension": "Tension",
        "warning_sign": "Not everything is said anymore",
        "blind_spot": "Blind spot",
        "weakest_theme": "Weakest theme",
    }
    rows = signals.iter_rows(min_row=2, values_only=True)
    for row, signal in zip(rows, report.signals, strict=True):
        assert row == (kinds[signal.kind], signal.reason)

    suggestions = book["Suggestions"]
    assert suggestions.max_row == 1 + len(report.suggestions)
    first = report.suggestions[0].suggestion
    assert suggestions["A2"].value.startswith(f"Recommendation {first.recommendation.number}: ")
    for intervention in first.interventions:
        assert f"{intervention.code} {intervention.text}" in suggestions["C2"].value
    assert suggestions["D2"].value == "Chosen"
    assert {c.value for c in suggestions["D"][2:]} <= {"Not decided yet"}


@pytest.mark.parametrize("export", [report_csv, report_xlsx])
def test_below_the_threshold_nothing_is_exported(
    school: School, team: Team, export: Callable[[RoundReport], object]
) -> None:
    report = report_of(closed_round(school, team, 4))
    with pytest.raises(NotReleased) as raised:
        export(report)
    assert raised.value.gate.reason == "below_threshold"
    assert "Minder dan 5 collega" in str(raised.value)


@pytest.mark.parametrize("export", [report_csv, report_xlsx])
def test_an_open_round_is_not_exported(
    released: Round, export: Callable[[RoundReport], object]
) -> None:
    Round.objects.filter(pk=released.pk).update(closes_at=timezone.now() + timedelta(days=1))
    with pytest.raises(NotReleased):
        export(report_of(released))


def test_a_statement_that_looks_like_a_formula_stays_text(released: Round) -> None:
    formula = '=HYPERLINK("http://evil.test","klik")'
    item = Item.objects.filter(version=released.version).order_by("pk").first()
    assert item is not None
    Item.objects.filter(pk=item.pk).update(text_nl=formula)
    # Nothing in the app edits a frozen statement, so the process keeps the ones it read
    # (surveys.models.frozen_content); this one was edited behind its back.
    models.forget_frozen()
    report = report_of(released)

    statements = [row[1] for row in blocks(csv_rows(report_csv(report)))[2][1:]]
    assert f"'{formula}" in statements
    assert formula not in statements

    book = load_workbook(io.BytesIO(report_xlsx(report)))
    cells = [c for row in book.worksheets[1].iter_rows() for c in row if c.value is not None]
    assert any(c.value == f"'{formula}" and c.data_type == "s" for c in cells)
    assert not any(c.data_type == "f" for sheet in book.worksheets for row in sheet for c in row)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Het team = sterk", "Het team = sterk"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_sheet_titles_fit_excel() -> None:
    assert sheet_title("Uitspraken: per thema / [alle] teams van de school") == (
        "Uitspraken per thema  alle team"
    )
    assert len(sheet_title("x" * 40)) == 31


def test_open_answers_never_leave_as_a_file(released: Round) -> None:
    report = report_of(released)
    assert report.open_texts and OPEN_TEXT in report.open_texts[0]  # shown on screen
    assert OPEN_TEXT not in report_csv(report)
    assert not any(OPEN_TEXT in str(v) for v in all_cell_values(report_xlsx(report)))


@pytest.mark.parametrize("export", [report_csv, report_xlsx])
def test_exports_read_only_the_report(
    released: Round, export: Callable[[RoundReport], object], django_assert_num_queries: Any
) -> None:
    report = report_of(released)
    with django_assert_num_queries(0):
        export(report)
