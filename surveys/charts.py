"""Server-rendered SVG charts for questionnaire results: no JavaScript, no CDN.

Every chart is an inline ``<svg>`` with ``role="img"`` and an ``aria-label`` that says in words
(in the active language) what the picture shows, ``<title>`` children for hover tooltips, and
``width``/``height`` plus a ``viewBox`` so that CSS ``max-width: 100%`` scales it down (also in
print). All text is escaped; the functions are pure (no database) and return a ``SafeString``.

Colours come from a blue-orange diverging scheme, which stays distinguishable for the common
forms of colour blindness: blue is favourable, orange unfavourable, light grey neutral and a
darker grey "don't know". Counts are printed inside a segment when it is wide enough, so the
chart also reads on paper, where there is no hover.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

SCALE_MIN = 1
SCALE_MAX = 5
NEUTRAL = 3
#: Keys of ``counts`` that mean "don't know". ``None`` is how answers are stored; ``0`` is the
#: form's sentinel (``surveys.models.DONT_KNOW``) and is accepted too.
DONT_KNOW_KEYS: tuple[int | None, ...] = (None, 0)

#: Fill colour per favourability, 1 = most unfavourable … 5 = most favourable.
FAVOURABILITY_COLOURS: dict[int, str] = {
    1: "#b35806",  # dark orange
    2: "#f1a340",  # light orange
    3: "#d9d9d9",  # light grey
    4: "#92c5de",  # light blue
    5: "#2166ac",  # dark blue
}
DONT_KNOW_COLOUR = "#a6a6a6"
#: Text colour on each fill, each with a contrast ratio of at least 4.5:1.
TEXT_ON: dict[str, str] = {
    "#b35806": "#ffffff",
    "#f1a340": "#1a1a1a",
    "#d9d9d9": "#1a1a1a",
    "#92c5de": "#1a1a1a",
    "#2166ac": "#ffffff",
    "#a6a6a6": "#1a1a1a",
}
INK = "#1a1a1a"
OUTLINE = "#595959"
TRACK = "#e9ecef"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
FONT_SIZE = 11
#: Rough width of one digit at FONT_SIZE, to decide whether a count fits inside a segment.
DIGIT_WIDTH = 7.0


def _num(value: float) -> str:
    """A coordinate for an SVG attribute: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tenths() -> Callable[[float], str]:
    """``number_format(value, 1)`` for a series of values: the active language's separators
    are looked up once instead of for every value (a sparkline has one per round)."""
    lang = get_language()
    return partial(
        numberformat.format,
        decimal_sep=get_format("DECIMAL_SEPARATOR", lang),
        decimal_pos=1,
        grouping=get_format("NUMBER_GROUPING", lang),
        thousand_sep=get_format("THOUSAND_SEPARATOR", lang),
        use_l10n=True,
    )


def _svg(width: int, height: int, label: str, body: str, css_class: str) -> SafeString:
    opening = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'style="max-width: 100%; height: auto">',
        css_class,
        width,
        height,
        width,
        height,
        label,
    )
    # Every part is built by format_html, or escapes its text itself (trend_sparkline).
    return mark_safe(f"{opening}{body}</svg>")  # noqa: S308


def category_labels() -> list[str]:
    """The five answer categories followed by "don't know", in the active language."""
    return [
        gettext("Strongly disagree"),
        gettext("Disagree"),
        gettext("Neither agree nor disagree"),
        gettext("Agree"),
        gettext("Strongly agree"),
        gettext("Don't know"),
    ]


def colour_for(value: int, *, reverse_scored: bool = False) -> str:
    """The fill of answer ``value`` (1..5): by favourability, so reversed for a negative item."""
    favourability = SCALE_MAX + SCALE_MIN - value if reverse_scored else value
    return FAVOURABILITY_COLOURS[favourability]


@dataclass(frozen=True)
class DivergingLayout:
    """Where the parts of a diverging bar go, in user units of the ``viewBox``.

    The centre line sits in the middle of the plot area, at the same x for every item, so bars
    of several statements drawn one above the other line up (Robbins & Heiberger). ``scale`` is
    the width that stands for all answers 1..5 together (100 %): half the plot area, because in
    the extreme case everybody answers on one side. The "don't know" area is separate, right of
    a gap; there ``dont_know_width`` stands for 100 % of all answers including "don't know".
    """

    width: int
    height: int
    plot_x: float
    centre: float
    scale: float
    dont_know_x: float
    dont_know_width: float
    bar_y: float
    bar_height: float


def diverging_layout(width: int = 360, height: int = 22) -> DivergingLayout:
    if width < 40 or height < 6:
        raise ValueError("A diverging bar needs at least 40 by 6 units.")
    margin = 1.0  # room for the outline's stroke
    gap = max(6.0, round(width * 0.02))
    dont_know_width = max(20.0, round(width * 0.12))
    plot_width = width - 2 * margin - gap - dont_know_width
    return DivergingLayout(
        width=width,
        height=height,
        plot_x=margin,
        centre=margin + plot_width / 2,
        scale=plot_width / 2,
        dont_know_x=margin + plot_width + gap,
        dont_know_width=dont_know_width,
        bar_y=2.0,
        bar_height=height - 4.0,
    )


def _segment(
    *,
    x: float,
    width: float,
    layout: DivergingLayout,
    fill: str,
    title: str,
    value: str,
    count: int,
    room_right: float = 0.0,
) -> tuple[str, str]:
    """A rectangle with its tooltip, and its count: inside it if it fits, else right of it if
    ``room_right`` leaves enough space, else nowhere (``""``). The count has a halo in the fill
    colour, so the centre line drawn between rectangles and counts does not cross the digits."""
    rect = format_html(
        '<rect class="segment" data-value="{}" data-count="{}" x="{}" y="{}" width="{}" '
        'height="{}" fill="{}" stroke="#ffffff" stroke-width="1"><title>{}</title></rect>',
        value,
        count,
        _num(x),
        _num(layout.bar_y),
        _num(width),
        _num(layout.bar_height),
        fill,
        title,
    )
    needed = len(str(count)) * DIGIT_WIDTH + 4
    if width >= needed:
        anchor, text_x, ink, halo = "middle", x + width / 2, TEXT_ON[fill], fill
    elif room_right >= needed:
        anchor, text_x, ink, halo = "start", x + width + 2, INK, TRACK
    else:
        return rect, ""
    text = format_html(
        '<text x="{}" y="{}" text-anchor="{}" dominant-baseline="central" fill="{}" '
        'stroke="{}" stroke-width="3" paint-order="stroke" font-family="{}" font-size="{}" '
        'aria-hidden="true">{}</text>',
        _num(text_x),
        _num(layout.bar_y + layout.bar_height / 2),
        anchor,
        ink,
        halo,
        FONT,
        FONT_SIZE,
        count,
    )
    return rect, text


def _read_counts(counts: Mapping[int | None, int]) -> tuple[list[int], int]:
    """Counts of 1..5 (index 0 is answer 1) and of "don't know"; rejects nonsense."""
    scale = [0] * (SCALE_MAX - SCALE_MIN + 1)
    dont_know = 0
    for key, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"Count of {key!r} must be a whole number ≥ 0, not {count!r}.")
        if key in DONT_KNOW_KEYS:
            dont_know += count
        elif isinstance(key, int) and SCALE_MIN <= key <= SCALE_MAX:
            scale[key - SCALE_MIN] += count
        else:
            raise ValueError(f"Unknown answer {key!r}; expected 1..5 or None.")
    return scale, dont_know


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def diverging_bar(
    counts: Mapping[int | None, int],
    *,
    reverse_scored: bool = False,
    width: int = 360,
    height: int = 22,
    labels: Sequence[str] | None = None,
) -> SafeString:
    """A diverging stacked bar of one 5-point agreement item.

    ``counts`` maps an answer (1 = strongly disagree … 5 = strongly agree; ``None`` or ``0`` =
    don't know) to its number of respondents; missing keys count as zero.

    Position follows the answer: 1 and 2 extend left of the centre line, 4 and 5 right, and the
    neutral 3 straddles it, half on either side. Widths are proportional to the counts of 1..5
    (together ``diverging_layout(width).scale`` wide); zero counts draw nothing.

    Colour follows the FAVOURABLE direction, not the answer: with ``reverse_scored=True`` (a
    negatively worded statement, where agreeing is bad) answer 5 is drawn dark orange
    (unfavourable) and answer 1 dark blue (favourable), although they stay on the right and the
    left. Blue therefore always means "good" across a table of items.

    "Don't know" is not part of the bar: it is a separate grey segment at the far right after a
    gap: a light track (``dont_know_width``) stands for all answers including "don't know", and
    the grey part in it for the share of "don't know".

    ``labels`` replaces the category names (five for 1..5, optionally a sixth for "don't know");
    by default they are the translated "Strongly disagree" … "Don't know".
    """
    scale_counts, dont_know = _read_counts(counts)
    names = category_labels()
    if labels is not None:
        if len(labels) not in (5, 6):
            raise ValueError("Give five labels (1..5) or six (1..5 and don't know).")
        names[: len(labels)] = [str(label) for label in labels]
    layout = diverging_layout(width, height)
    total = sum(scale_counts)

    parts: list[str] = []  # rectangles, then the centre line, then the counts on top
    texts: list[str] = []
    if total:
        left = sum(scale_counts[:2]) + scale_counts[2] / 2
        start = layout.centre - left / total * layout.scale
        parts.append(
            format_html(
                '<rect class="outline" x="{}" y="{}" width="{}" height="{}" fill="none" '
                'stroke="{}" stroke-width="1"/>',
                _num(start),
                _num(layout.bar_y),
                _num(layout.scale),
                _num(layout.bar_height),
                OUTLINE,
            )
        )
        # The edges accumulate, so the segments tile the bar without gaps or rounding drift.
        before = 0
        for index, count in enumerate(scale_counts):
            value = index + SCALE_MIN
            x0 = start + before / total * layout.scale
            before += count
            x1 = start + before / total * layout.scale
            if count == 0:
                continue
            rect, text = _segment(
                x=x0,
                width=x1 - x0,
                layout=layout,
                fill=colour_for(value, reverse_scored=reverse_scored),
                title=f"{names[index]}: {count}",
                value=str(value),
                count=count,
            )
            parts.append(rect)
            texts.append(text)
    parts.append(
        format_html(
            '<line class="centre" x1="{}" y1="0" x2="{}" y2="{}" stroke="{}" stroke-width="1.5"/>',
            _num(layout.centre),
            _num(layout.centre),
            layout.height,
            INK,
        )
    )
    if dont_know:
        # A light track is the 100 % of all answers; the grey part is the share of "don't know"
        # (at least 2 units wide, to stay visible).
        share = max(2.0, dont_know / (total + dont_know) * layout.dont_know_width)
        parts.append(
            format_html(
                '<rect class="dont-know-track" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                _num(layout.dont_know_x),
                _num(layout.bar_y),
                _num(layout.dont_know_width),
                _num(layout.bar_height),
                TRACK,
            )
        )
        rect, text = _segment(
            x=layout.dont_know_x,
            width=share,
            layout=layout,
            fill=DONT_KNOW_COLOUR,
            title=f"{names[5]}: {dont_know}",
            value="dont-know",
            count=dont_know,
            room_right=layout.dont_know_width - share - 2,
        )
        parts.append(rect)
        texts.append(text)

    words = [f"{names[i]} {count}" for i, count in enumerate([*scale_counts, dont_know])]
    label = ", ".join([words[0], *(_lower_first(w) for w in words[1:])])
    if reverse_scored:
        label = f"{label} ({gettext('scored in reverse')})"
    css_class = "chart diverging-bar" + (" reverse-scored" if reverse_scored else "")
    return _svg(width, height, label, "".join(parts + texts), css_class)


def _finite(value: float, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number, not {value!r}.")
    return number


def _clamp(value: float) -> float:
    return min(float(SCALE_MAX), max(float(SCALE_MIN), value))


def score_bar(mean: float, *, width: int = 160, height: int = 14) -> SafeString:
    """A small horizontal bar of a mean on the 1-5 scale, with a tick at the neutral 3.

    The bar starts at 1 (empty) and is full at 5. A mean outside 1..5 is clamped, in the
    picture and in the ``aria-label`` ("3.4 of 5") alike.
    """
    value = _clamp(_finite(mean, "The mean"))
    shown = number_format(value, 1)
    label = gettext("%(score)s of 5") % {"score": shown}
    filled = (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * width
    tick = (NEUTRAL - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * width
    body = format_html(
        "<title>{}</title>"
        '<rect class="track" x="0.5" y="2" width="{}" height="{}" fill="{}" stroke="{}"/>'
        '<rect class="fill" x="0" y="2" width="{}" height="{}" fill="{}"/>'
        '<line class="tick" x1="{}" y1="0" x2="{}" y2="{}" stroke="{}" stroke-width="1.5"/>',
        label,
        width - 1,
        _num(height - 4),
        TRACK,
        OUTLINE,
        _num(filled),
        _num(height - 4),
        FAVOURABILITY_COLOURS[5],
        _num(tick),
        _num(tick),
        height,
        INK,
    )
    return _svg(width, height, label, body, "chart score-bar")


def trend_sparkline(
    points: Sequence[tuple[str, float]], *, width: int = 120, height: int = 32
) -> SafeString:
    """A tiny line chart of a theme's mean over rounds; ``points`` are (round date, mean).

    The vertical axis is always 1..5 (a dashed line marks 3), so small changes look small and
    sparklines of different themes compare. Points are evenly spaced in the given order. One
    point is a single dot; no points give an empty string. Means outside 1..5 are clamped.
    """
    if not points:
        return mark_safe("")
    values = [_clamp(_finite(value, "A mean")) for _, value in points]
    pad = 3.5
    inner_w = width - 2 * pad
    inner_h = height - 2 * pad

    def x_at(index: int) -> float:
        return width / 2 if len(values) == 1 else pad + index * inner_w / (len(values) - 1)

    def y_at(value: float) -> float:
        return pad + (SCALE_MAX - value) / (SCALE_MAX - SCALE_MIN) * inner_h

    dates = [str(date) for date, _ in points]
    tenths = _tenths()
    pairs = [f"{date}: {tenths(v)}" for date, v in zip(dates, values, strict=True)]
    parts: list[str] = [
        format_html(
            '<line class="reference" x1="0" y1="{}" x2="{}" y2="{}" stroke="{}" '
            'stroke-width="1" stroke-dasharray="2 2"/>',
            _num(y_at(NEUTRAL)),
            width,
            _num(y_at(NEUTRAL)),
            OUTLINE,
        )
    ]
    if len(values) > 1:
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5" '
                'stroke-linejoin="round" stroke-linecap="round"/>',
                " ".join(f"{_num(x_at(i))},{_num(y_at(v))}" for i, v in enumerate(values)),
                FAVOURABILITY_COLOURS[5],
            )
        )
    # A dashboard draws a dozen points per theme: each circle is written directly, with only
    # its text escaped (coordinates are formatted here, the colour is ours), rather than
    # through format_html, which escapes every argument again.
    colour = FAVOURABILITY_COLOURS[5]
    last = len(values) - 1
    parts.extend(
        f'<circle cx="{_num(x_at(index))}" cy="{_num(y_at(value))}" '
        f'r="{"2.5" if index == last else "2"}" fill="{colour}"><title>{escape(pair)}</title>'
        "</circle>"
        for index, (value, pair) in enumerate(zip(values, pairs, strict=True))
    )
    return _svg(width, height, "; ".join(pairs), "".join(parts), "chart trend-sparkline")
