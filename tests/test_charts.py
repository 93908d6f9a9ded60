"""The SVG charts of questionnaire results: well-formed, accessible, proportional, escaped and
translated. The output is parsed as XML, so every check looks at the drawing, not at strings."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from surveys.charts import (
    DONT_KNOW_COLOUR,
    FAVOURABILITY_COLOURS,
    diverging_bar,
    diverging_layout,
    score_bar,
    trend_sparkline,
)

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLE: dict[int | None, int] = {1: 0, 2: 1, 3: 2, 4: 4, 5: 3, None: 1}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML
    assert root.tag == f"{SVG}svg"
    return root


def segments(root: ET.Element) -> dict[str, ET.Element]:
    """The segments of a diverging bar by ``data-value`` ("1".."5", "dont-know")."""
    rects = root.iter(f"{SVG}rect")
    return {r.attrib["data-value"]: r for r in rects if r.attrib.get("class") == "segment"}


def bar_segments(root: ET.Element) -> dict[int, ET.Element]:
    return {int(k): rect for k, rect in segments(root).items() if k != "dont-know"}


def width_of(rect: ET.Element) -> float:
    return float(rect.attrib["width"])


def title_of(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    assert title is not None and title.text is not None
    return title.text


def assert_accessible_and_scalable(root: ET.Element) -> None:
    assert root.attrib["role"] == "img"
    assert root.attrib["aria-label"]
    width, height = root.attrib["width"], root.attrib["height"]
    assert root.attrib["viewBox"] == f"0 0 {width} {height}"
    assert "max-width: 100%" in root.attrib["style"]


# ---------------------------------------------------------------- diverging bar


def test_the_diverging_bar_is_well_formed_accessible_and_labelled_in_dutch() -> None:
    with translation.override("nl"):
        root = parse(diverging_bar(EXAMPLE))
    assert_accessible_and_scalable(root)
    assert root.attrib["aria-label"] == (
        "Helemaal oneens 0, oneens 1, neutraal 2, eens 4, helemaal eens 3, weet ik niet 1"
    )
    titles = {value: title_of(rect) for value, rect in segments(root).items()}
    assert titles == {
        "2": "Oneens: 1",
        "3": "Neutraal: 2",
        "4": "Eens: 4",
        "5": "Helemaal eens: 3",
        "dont-know": "Weet ik niet: 1",
    }


def test_the_diverging_bar_speaks_english_when_asked() -> None:
    with translation.override("en"):
        root = parse(diverging_bar(EXAMPLE))
    assert root.attrib["aria-label"] == (
        "Strongly disagree 0, disagree 1, neither agree nor disagree 2, agree 4, "
        "strongly agree 3, don't know 1"
    )
    assert title_of(segments(root)["4"]) == "Agree: 4"
    assert title_of(segments(root)["dont-know"]) == "Don't know: 1"


def test_widths_are_proportional_and_fill_the_scale() -> None:
    layout = diverging_layout(360, 22)
    bars = bar_segments(parse(diverging_bar(EXAMPLE)))
    assert sum(width_of(rect) for rect in bars.values()) == pytest.approx(layout.scale, abs=0.5)
    # Agree (4) has twice the count of neutral (2), and neutral twice that of disagree (1).
    assert width_of(bars[4]) == pytest.approx(2 * width_of(bars[3]), abs=0.05)
    assert width_of(bars[3]) == pytest.approx(2 * width_of(bars[2]), abs=0.05)


def test_segments_tile_the_bar_in_order_from_left_to_right() -> None:
    bars = bar_segments(parse(diverging_bar({1: 5, 2: 4, 3: 3, 4: 2, 5: 1})))
    assert sorted(bars) == [1, 2, 3, 4, 5]
    for left, right in zip([1, 2, 3, 4], [2, 3, 4, 5], strict=True):
        end = float(bars[left].attrib["x"]) + width_of(bars[left])
        assert float(bars[right].attrib["x"]) == pytest.approx(end, abs=0.02)


def test_zero_counts_draw_no_segment() -> None:
    root = parse(diverging_bar({1: 0, 2: 0, 3: 0, 4: 7, 5: 0}))
    assert list(segments(root)) == ["4"]
    assert "0" in root.attrib["aria-label"]  # the words still say it


def test_nothing_but_the_centre_line_when_nobody_answered() -> None:
    root = parse(diverging_bar({}))
    assert segments(root) == {}
    assert len(list(root.iter(f"{SVG}line"))) == 1


def test_the_neutral_category_straddles_the_centre_line() -> None:
    layout = diverging_layout(360, 22)
    root = parse(diverging_bar({1: 1, 2: 1, 3: 3, 4: 6, 5: 9}))
    neutral = bar_segments(root)[3]
    x = float(neutral.attrib["x"])
    assert x < layout.centre < x + width_of(neutral)
    # Exactly half of it on either side.
    assert layout.centre - x == pytest.approx(width_of(neutral) / 2, abs=0.02)
    centre_line = root.find(f"{SVG}line")
    assert centre_line is not None
    assert float(centre_line.attrib["x1"]) == pytest.approx(layout.centre)


def test_disagreement_lies_left_and_agreement_right_of_the_centre() -> None:
    layout = diverging_layout(360, 22)
    bars = bar_segments(parse(diverging_bar({1: 2, 2: 2, 4: 2, 5: 2})))
    for value in (1, 2):
        assert float(bars[value].attrib["x"]) + width_of(bars[value]) <= layout.centre + 0.01
    for value in (4, 5):
        assert float(bars[value].attrib["x"]) >= layout.centre - 0.01


def test_dont_know_is_a_separate_segment_at_the_far_right_after_a_gap() -> None:
    layout = diverging_layout(360, 22)
    root = parse(diverging_bar({1: 10, 2: 10, 3: 10, 4: 10, 5: 10, None: 50}))
    bars = bar_segments(root)
    dont_know = segments(root)["dont-know"]
    rightmost_end = max(float(r.attrib["x"]) + width_of(r) for r in bars.values())
    assert float(dont_know.attrib["x"]) > rightmost_end + 4  # the gap
    assert float(dont_know.attrib["x"]) + width_of(dont_know) <= 360
    assert dont_know.attrib["fill"] == DONT_KNOW_COLOUR
    # Half of all answers are "don't know": half of its track.
    assert width_of(dont_know) == pytest.approx(layout.dont_know_width / 2, abs=0.05)
    # And it does not eat into the bar: 1..5 still fill the scale.
    assert sum(width_of(r) for r in bars.values()) == pytest.approx(layout.scale, abs=0.5)


def test_the_form_sentinel_zero_also_counts_as_dont_know() -> None:
    root = parse(diverging_bar({4: 1, 0: 2}))
    assert segments(root)["dont-know"].attrib["data-count"] == "2"


@pytest.mark.parametrize("counts", [{6: 1}, {-1: 1}, {3: -1}])
def test_nonsense_counts_are_refused(counts: dict[int | None, int]) -> None:
    with pytest.raises(ValueError):
        diverging_bar(counts)


def test_colours_follow_the_answer_for_a_positive_statement() -> None:
    bars = bar_segments(parse(diverging_bar({1: 1, 2: 1, 3: 1, 4: 1, 5: 1})))
    assert {value: rect.attrib["fill"] for value, rect in bars.items()} == FAVOURABILITY_COLOURS


def test_reverse_scoring_swaps_the_colours_to_the_favourable_direction() -> None:
    with translation.override("en"):
        root = parse(diverging_bar({1: 1, 2: 1, 3: 1, 4: 1, 5: 1}, reverse_scored=True))
    bars = bar_segments(root)
    # Strongly agreeing with a negative statement is the most unfavourable answer.
    assert bars[5].attrib["fill"] == FAVOURABILITY_COLOURS[1]
    assert bars[4].attrib["fill"] == FAVOURABILITY_COLOURS[2]
    assert bars[3].attrib["fill"] == FAVOURABILITY_COLOURS[3]
    assert bars[1].attrib["fill"] == FAVOURABILITY_COLOURS[5]
    # Positions still follow the answer: 5 is the rightmost segment.
    assert float(bars[5].attrib["x"]) > float(bars[1].attrib["x"])
    assert root.attrib["aria-label"].endswith("(scored in reverse)")


def test_text_is_escaped() -> None:
    labels = ["<script>alert(1)</script>", "b", "c", 'd"', "e & f"]
    svg = diverging_bar({1: 1, 3: 1, 4: 1, 5: 1}, labels=labels)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)  # still well-formed, quotes and ampersands included
    assert root.attrib["aria-label"].startswith("<script>alert(1)</script> 1, b 0")
    assert title_of(bar_segments(root)[1]) == "<script>alert(1)</script>: 1"
    assert title_of(bar_segments(root)[4]) == 'd": 1'
    assert title_of(bar_segments(root)[5]) == "e & f: 1"


def test_wrong_number_of_labels_is_refused() -> None:
    with pytest.raises(ValueError):
        diverging_bar(EXAMPLE, labels=["a", "b"])


def test_counts_are_written_inside_segments_that_are_wide_enough() -> None:
    root = parse(diverging_bar({1: 1, 5: 30}))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "30" in texts


@given(
    counts=st.fixed_dictionaries(
        {key: st.integers(min_value=0, max_value=50) for key in (1, 2, 3, 4, 5, None)}
    ),
    reverse_scored=st.booleans(),
    width=st.integers(min_value=120, max_value=800),
)
def test_any_counts_give_well_formed_svg_with_widths_that_add_up(
    counts: Mapping[int | None, int], reverse_scored: bool, width: int
) -> None:
    layout = diverging_layout(width, 22)
    root = parse(diverging_bar(counts, reverse_scored=reverse_scored, width=width))
    assert root.attrib["role"] == "img"
    bars = bar_segments(root)
    assert sorted(bars) == sorted(k for k, n in counts.items() if k is not None and n > 0)
    total = sum(n for k, n in counts.items() if k is not None)
    drawn = sum(width_of(rect) for rect in bars.values())
    assert drawn == pytest.approx(layout.scale if total else 0, abs=0.5)
    for value, rect in bars.items():
        assert width_of(rect) == pytest.approx(counts[value] / total * layout.scale, abs=0.02)
        assert 0 <= float(rect.attrib["x"]) <= float(rect.attrib["x"]) + width_of(rect) <= width
    if counts[3]:
        x = float(bars[3].attrib["x"])
        assert x < layout.centre < x + width_of(bars[3])
    assert ("dont-know" in segments(root)) == (counts[None] > 0)
    for key, n in counts.items():
        assert f" {n}" in root.attrib["aria-label"], key


# ---------------------------------------------------------------- score bar


def fill_width(root: ET.Element) -> float:
    fill = next(r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "fill")
    return width_of(fill)


def test_the_score_bar_says_its_mean_and_fills_in_proportion() -> None:
    with translation.override("en"):
        root = parse(score_bar(3.4))
    assert_accessible_and_scalable(root)
    assert root.attrib["aria-label"] == "3.4 of 5"
    assert fill_width(root) == pytest.approx((3.4 - 1) / 4 * 160)
    tick = root.find(f"{SVG}line")
    assert tick is not None
    assert float(tick.attrib["x1"]) == pytest.approx(80)  # 3 is the middle of 1..5


def test_the_score_bar_uses_the_local_decimal_separator() -> None:
    with translation.override("nl"):
        root = parse(score_bar(3.4))
    assert root.attrib["aria-label"].startswith("3,4 ")


@pytest.mark.parametrize(
    ("mean", "width", "label"), [(7.2, 160.0, "5.0 of 5"), (-1.0, 0.0, "1.0 of 5")]
)
def test_the_score_bar_clamps_out_of_range_means(mean: float, width: float, label: str) -> None:
    with translation.override("en"):
        root = parse(score_bar(mean))
    assert fill_width(root) == pytest.approx(width)
    assert root.attrib["aria-label"] == label


def test_the_score_bar_refuses_nan() -> None:
    with pytest.raises(ValueError):
        score_bar(math.nan)


# ---------------------------------------------------------------- sparkline


def test_no_points_no_sparkline() -> None:
    assert trend_sparkline([]) == ""


def test_one_point_is_a_single_dot() -> None:
    with translation.override("en"):
        root = parse(trend_sparkline([("2025-03-01", 3.5)]))
    assert_accessible_and_scalable(root)
    assert root.attrib["aria-label"] == "2025-03-01: 3.5"
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert list(root.iter(f"{SVG}polyline")) == []


def test_three_points_make_a_line_through_three_dots() -> None:
    points = [("2024-09-01", 3.0), ("2025-01-15", 4.0), ("2025-06-01", 2.5)]
    with translation.override("nl"):
        root = parse(trend_sparkline(points))
    assert root.attrib["aria-label"] == "2024-09-01: 3,0; 2025-01-15: 4,0; 2025-06-01: 2,5"
    circles = list(root.iter(f"{SVG}circle"))
    assert [title_of(c) for c in circles] == [
        "2024-09-01: 3,0",
        "2025-01-15: 4,0",
        "2025-06-01: 2,5",
    ]
    xs = [float(c.attrib["cx"]) for c in circles]
    ys = [float(c.attrib["cy"]) for c in circles]
    assert xs == sorted(xs) and xs[0] < xs[1] < xs[2]
    assert ys[1] < ys[0] < ys[2]  # higher means are drawn higher (smaller y)
    polyline = root.find(f"{SVG}polyline")
    assert polyline is not None
    assert len(polyline.attrib["points"].split()) == 3


def test_sparkline_dates_are_escaped() -> None:
    svg = trend_sparkline([("<b>1 mei</b>", 3.0), ("a & b", 4.0)])
    assert "<b>" not in svg
    assert "a & b" in parse(svg).attrib["aria-label"]


# ---------------------------------------------------------------- template tags


def test_the_template_tags_render_the_charts() -> None:
    template = Template(
        "{% load chart_tags %}"
        "{% diverging_bar counts reverse %}|{% score_bar mean %}|{% score_bar none %}|"
        "{% trend_sparkline points %}"
    )
    with translation.override("en"):
        html = template.render(
            Context(
                {
                    "counts": EXAMPLE,
                    "reverse": True,
                    "mean": 3.4,
                    "none": None,
                    "points": [("2025-01-01", 3.0)],
                }
            )
        )
    bar, score, empty, spark = html.split("|")
    assert bar_segments(parse(bar))[5].attrib["fill"] == FAVOURABILITY_COLOURS[1]
    assert parse(score).attrib["aria-label"] == "3.4 of 5"
    assert empty == ""
    assert parse(spark).attrib["aria-label"] == "2025-01-01: 3.0"
