"""The catalogue's translated texts (schools.i18n)."""

from __future__ import annotations

from modeltranslation.translator import register

from schools.i18n import Texts

from .models import Intervention, Recommendation, Theme


@register(Theme)
class ThemeTexts(Texts):
    fields = ("name", "summary")


@register(Recommendation)
class RecommendationTexts(Texts):
    fields = ("title", "body")


@register(Intervention)
class InterventionTexts(Texts):
    fields = ("text",)
