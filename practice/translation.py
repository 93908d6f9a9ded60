"""The conversation formats' translated texts (schools.i18n)."""

from __future__ import annotations

from modeltranslation.translator import register

from schools.i18n import Texts

from .models import Format, FormatStep


@register(Format)
class FormatTexts(Texts):
    fields = ("title", "purpose", "roles", "phrases", "pitfalls")


@register(FormatStep)
class FormatStepTexts(Texts):
    fields = ("title", "instruction", "prompt")
