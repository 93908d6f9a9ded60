"""Template tags for the SVG charts of ``surveys.charts``.

``{% load chart_tags %}`` then ``{% diverging_bar counts item.reverse_scored %}``,
``{% score_bar mean %}`` and ``{% trend_sparkline points %}``. A missing value (``None``) renders
nothing, so a table cell without data stays empty instead of failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe

from surveys import charts

register = template.Library()


@register.simple_tag(name="diverging_bar")
def diverging_bar_tag(
    counts: Mapping[int | None, int] | None,
    reverse_scored: bool = False,
    width: int = 360,
    height: int = 22,
) -> SafeString:
    if counts is None:
        return mark_safe("")
    return charts.diverging_bar(
        counts, reverse_scored=bool(reverse_scored), width=width, height=height
    )


@register.simple_tag(name="score_bar")
def score_bar_tag(mean: float | None, width: int = 160, height: int = 14) -> SafeString:
    if mean is None:
        return mark_safe("")
    return charts.score_bar(mean, width=width, height=height)


@register.simple_tag(name="trend_sparkline")
def trend_sparkline_tag(
    points: Sequence[tuple[str, float]] | None, width: int = 120, height: int = 32
) -> SafeString:
    return charts.trend_sparkline(points or [], width=width, height=height)
