from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from surveys.models import Item, Round

register = template.Library()


@register.filter
def get(mapping: dict[Any, Any] | None, key: Any) -> Any:
    """``{{ values|get:item.pk }}``: a dictionary lookup by a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def status_at(round_: Round, now: datetime) -> str:
    return round_.status(now)


@register.simple_tag(takes_context=True)
def answer_item(
    context: template.Context, item: Item, text: str, values: dict[int, Any] | None = None
) -> SafeString:
    """One statement with its answer scale, as a fieldset of radio buttons (the questionnaire
    and the leader's own view). ``values`` (or the context's ``values``) holds what was chosen
    by item id, ``errors`` and ``scale`` come from the context. Built here rather than in a
    template: a step page shows a theme's statements with six choices each, and the template's
    variable lookups and escaping were most of its cost (bench/RESULTS.md). Ids and values are
    whole numbers; the labels and the statement are escaped, the labels once per page."""
    chosen = (context.get("values") if values is None else values) or {}
    error = (context.get("errors") or {}).get(item.pk)
    value = chosen.get(item.pk)
    labels = context.render_context.get(_SCALE)
    if labels is None:
        labels = context.render_context[_SCALE] = [
            (int(number), " dont-know" if number == 0 else "", conditional_escape(label))
            for number, label in context["scale"]
        ]
    pk = int(item.pk)
    options = "".join(
        f'\n      <input class="btn-check" type="radio" name="item-{pk}" id="item-{pk}-{number}" '
        f'value="{number}"{" checked" if value == number else ""}>\n      <label class="btn '
        f'btn-outline-primary{dont_know}" for="item-{pk}-{number}">{label}</label>'
        for number, dont_know, label in labels
    )
    if error:
        return format_html(
            '<fieldset class="card card-body mb-3 border-danger" id="item-{0}" '
            'aria-describedby="item-{0}-error">\n  <legend class="fs-6 fw-semibold mb-2">{1}'
            '</legend>\n  <p class="text-danger small mb-2" id="item-{0}-error">{2}</p>\n'
            '  <div class="answer-scale">{3}\n  </div>\n</fieldset>',
            pk,
            text,
            error,
            mark_safe(options),  # noqa: S308 (whole numbers and escaped labels only)
        )
    return format_html(
        '<fieldset class="card card-body mb-3" id="item-{0}">\n  <legend class="fs-6 '
        'fw-semibold mb-2">{1}</legend>\n  <div class="answer-scale">{2}\n  </div>\n'
        "</fieldset>",
        pk,
        text,
        mark_safe(options),  # noqa: S308 (whole numbers and escaped labels only)
    )


_SCALE = "survey_tags.answer_item.scale"
