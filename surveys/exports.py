"""Downloads of a round's released results: a CSV for any spreadsheet and an Excel workbook.

Both are written from a ``RoundReport`` (``surveys.report.build``) and from nothing else: the
report holds only what ``surveys.anonymity`` has released, so an export can never show more than
the results page, and because nothing here touches the database, a download costs no queries
beyond building the report (which the view needs anyway).

What is left out on purpose:

- Open answers. They are texts in people's own words; on screen and in print they stay under the
  leader's eyes, but a file is forwarded, kept and merged with other files, which is exactly how
  words become traceable. Only aggregates leave the application as a file.
- Everything of a round whose gate is shut: ``NotReleased`` is raised before a single byte is
  written, so there is no half-empty file that still tells something (such as the fact that
  there were responses, or the statements' order of a version with too few respondents).

Statements, theme names, reasons and intervention texts are edited by administrators and school
leaders, and a spreadsheet treats a cell starting with ``=`` as a formula. Every text cell is
therefore passed through ``neutralise`` (CSV/Excel formula injection, OWASP).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext

from surveys.anonymity import Gate
from surveys.models import SuggestionChoice
from surveys.report import RoundReport, SuggestionRow, ThemeRow
from surveys.signals import Signal

# A cell starting with one of these is read as a formula (or as the start of one) by Excel,
# LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Excel refuses longer sheet titles and these characters in them.
SHEET_TITLE_MAX = 31
SHEET_TITLE_FORBIDDEN = frozenset("[]:*?/\\")

# Excel's column width unit is roughly one character of the default font.
MIN_WIDTH, MAX_WIDTH = 6, 70

MEAN_FORMAT = "0.0"
GAP_FORMAT = "+0.0;-0.0;0.0"
COUNT_FORMAT = "0"

Cell = str | int | float | None


class NotReleased(Exception):
    """The round's results may not be shown, so nothing may be exported either.

    Carries the gate, so the view can show the same message as the results page
    (``str(exc)`` is that message) without counting again.
    """

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        super().__init__(gate.message)


def neutralise(text: str) -> str:
    """``text`` as a cell that a spreadsheet shows and never evaluates.

    A leading apostrophe is what Excel itself uses to mark "this is text"; it is visible in the
    cell, which is the honest outcome for a statement that really starts with ``=``.
    """
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _require_released(report: RoundReport) -> None:
    if not report.released:
        raise NotReleased(report.gate)


# --- Labels ------------------------------------------------------------------------------------
# gettext is called when a file is written, so the file follows the language of the request.


def _theme_label(row: ThemeRow) -> str:
    if row.theme is None:
        return gettext("How we talk with each other")
    return str(row.theme)  # "2. <name>": the number tells the reader where it sits in the model


def _audience(report: RoundReport) -> str:
    team = report.round.team
    return team.name if team is not None else gettext("The whole school")


def _period(report: RoundReport) -> str:
    opens = date_format(timezone.localtime(report.round.opens_at), "DATE_FORMAT")
    closes = date_format(timezone.localtime(report.round.closes_at), "DATE_FORMAT")
    return f"{opens} \u2013 {closes}"


def _scale_headers() -> list[str]:
    labels = (
        gettext("Strongly disagree"),
        gettext("Disagree"),
        gettext("Neither agree nor disagree"),
        gettext("Agree"),
        gettext("Strongly agree"),
    )
    return [f"{n} ({label})" for n, label in enumerate(labels, start=1)]


def _theme_headers() -> list[str]:
    return [
        gettext("Theme"),
        gettext("Average"),
        gettext("Spread"),
        gettext("Leader's view"),
        gettext("Gap: leader minus team"),
    ]


def _statement_headers() -> list[str]:
    return [
        gettext("Theme"),
        gettext("Statement"),
        gettext("Scored in reverse"),
        *_scale_headers(),
        gettext("Don't know"),
        gettext("Average"),
    ]


def _signal_label(signal: Signal) -> str:
    # The same words as the results page and the dashboard.
    labels = {
        "tension": gettext("Tension"),
        "warning_sign": gettext("Not everything is said anymore"),
        "blind_spot": gettext("Blind spot"),
        "weakest_theme": gettext("Weakest theme"),
    }
    return labels.get(signal.kind, signal.kind)


def _status_label(status: str | None) -> str:
    if status in SuggestionChoice.Status.values:
        return str(SuggestionChoice.Status(status).label)
    return gettext("Not decided yet")


def _recommendation_label(row: SuggestionRow) -> str:
    recommendation = row.suggestion.recommendation
    number = gettext("Recommendation %(n)s") % {"n": recommendation.number}
    return f"{number}: {recommendation.title}"


def _interventions_label(row: SuggestionRow) -> str:
    # One line each ("1.2 geeft vorm aan deze agenda"), like the list on the results page.
    return "\n".join(f"{i.code} {i.text}" for i in row.suggestion.interventions)


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def _about(report: RoundReport) -> list[tuple[str, Cell]]:
    """The header block: which round this is about, and on how many respondents it rests."""
    return [
        (gettext("School"), report.round.school.name),
        (gettext("For"), _audience(report)),
        (gettext("Period"), _period(report)),
        (gettext("Respondents"), report.gate.respondents),
    ]


def _theme_rows(report: RoundReport) -> Iterable[Sequence[Cell]]:
    """Per theme: label, average, spread, leader's view, gap (as ``_theme_headers``)."""
    for t in report.themes:
        yield (_theme_label(t), t.mean, t.spread, t.leader_mean, t.gap)


def _statement_rows(report: RoundReport) -> Iterable[Sequence[Cell]]:
    """Per statement, in the order of the results page (as ``_statement_headers``)."""
    for theme in report.themes:
        for row in theme.items:
            yield (
                _theme_label(theme),
                row.item.text,
                _yes_no(row.item.reverse_scored),
                *row.scale_counts,
                row.dont_know,
                row.mean,
            )


# --- CSV ---------------------------------------------------------------------------------------


def _csv_number(value: float | None) -> str:
    """One decimal, with the decimal separator of the active language: Dutch Excel reads
    ``3,5`` as a number when the file is separated by semicolons, and ``3.5`` as text."""
    if value is None:
        return ""
    # Rounded half up like the results page (floatformat); number_format itself truncates.
    rounded = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=1)


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, int):
        return str(value)
    return _csv_number(value)


def report_csv(report: RoundReport) -> str:
    """The released aggregates of a round as semicolon-separated text (the view adds the BOM).

    Three blocks separated by an empty line, so a person can read it and a script can split
    it: the round (school, for whom, period, respondents), one row per theme, one row per
    statement with the counts per answer. Counts are of the answers as given (1 = strongly
    disagree), the averages are on the favourable scale (5 is always good), which is why the
    statement rows say whether a statement is scored in reverse.

    Raises ``NotReleased`` when the round's gate is shut. Runs no queries, provided the round
    was loaded with its school and team (``select_related``), as the round views do.
    """
    _require_released(report)
    rows: list[Sequence[Cell]] = [*_about(report), ()]
    rows.append(_theme_headers())
    rows.extend(_theme_rows(report))
    rows.append(())
    rows.append(_statement_headers())
    rows.extend(_statement_rows(report))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


# --- Excel -------------------------------------------------------------------------------------


def sheet_title(title: str) -> str:
    """A title Excel accepts: without ``[]:*?/\\`` and at most 31 characters (a translation
    may be longer than the English source)."""
    cleaned = "".join(c for c in title if c not in SHEET_TITLE_FORBIDDEN).strip()
    return cleaned[:SHEET_TITLE_MAX].strip() or "Sheet"


def _write_sheet(
    sheet: Any,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    formats: dict[int, str],
) -> None:
    """Bold, frozen headers; numbers stay numbers (with ``formats`` by column index), text is
    neutralised and wraps when it is long; widths follow the content within limits."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    widths = [len(h) for h in headers]
    sheet.append([neutralise(h) for h in headers])
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for values in rows:
        sheet.append([neutralise(v) if isinstance(v, str) else v for v in values])
        row = sheet.max_row
        for index, value in enumerate(values):
            cell = sheet.cell(row=row, column=index + 1)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever openpyxl guessed
                longest = max((len(line) for line in value.splitlines()), default=0)
                widths[index] = max(widths[index], longest)
                if longest > MAX_WIDTH or "\n" in value:
                    cell.alignment = wrap
            elif value is not None:
                cell.number_format = formats.get(index, "General")
                widths[index] = max(widths[index], 6)
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(max(width, MIN_WIDTH), MAX_WIDTH) + 2
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def report_xlsx(report: RoundReport) -> bytes:
    """The released aggregates, signals and suggestions of a round as an Excel workbook.

    Four sheets (themes, statements, signals, suggestions) with one header row each, so a
    leader can sort, filter and chart without cleaning up first. Averages are real numbers
    shown with one decimal, counts are integers. The round itself (school, for whom, period,
    respondents) is in the workbook's properties. No open answers, see the module docstring.

    Raises ``NotReleased`` when the round's gate is shut. Runs no queries (same proviso as
    ``report_csv``).
    """
    # openpyxl is some 180 modules (7 MiB) that only this export uses: loaded here, not in
    # every web worker.
    from openpyxl import Workbook

    _require_released(report)
    about = _about(report)
    book = Workbook()
    book.properties.creator = "dialoog"
    book.properties.lastModifiedBy = "dialoog"
    book.properties.title = neutralise(" · ".join(str(value) for _, value in about[:3]))
    book.properties.subject = gettext("Results of a questionnaire round")
    book.properties.description = "\n".join(f"{label}: {value}" for label, value in about)

    themes = book.active
    themes.title = sheet_title(gettext("Themes"))
    _write_sheet(
        themes,
        _theme_headers(),
        _theme_rows(report),
        {1: MEAN_FORMAT, 2: MEAN_FORMAT, 3: MEAN_FORMAT, 4: GAP_FORMAT},
    )

    statements = book.create_sheet(sheet_title(gettext("Statements")))
    count_columns = {3 + n: COUNT_FORMAT for n in range(6)}
    _write_sheet(
        statements,
        _statement_headers(),
        _statement_rows(report),
        {**count_columns, 9: MEAN_FORMAT},
    )

    signals = book.create_sheet(sheet_title(gettext("Signals")))
    _write_sheet(
        signals,
        [gettext("Signal"), gettext("Why")],
        ((_signal_label(s), s.reason) for s in report.signals),
        {},
    )

    suggestions = book.create_sheet(sheet_title(gettext("Suggestions")))
    _write_sheet(
        suggestions,
        [gettext("Recommendation"), gettext("Why"), gettext("Interventions"), gettext("Decision")],
        (
            (
                _recommendation_label(row),
                row.suggestion.signal.reason,
                _interventions_label(row),
                _status_label(row.status),
            )
            for row in report.suggestions
        ),
        {},
    )

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
