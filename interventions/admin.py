from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from schools.backoffice import PrivateAdmin

from .models import Intervention, Recommendation, Theme


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin[Theme], PrivateAdmin[Theme]):
    list_display = ["number", "name_nl", "name_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["name_nl", "name_en"]


@admin.register(Recommendation)
class RecommendationAdmin(TranslationAdmin[Recommendation], PrivateAdmin[Recommendation]):
    list_display = ["number", "title_nl", "title_en"]
    search_fields = ["title_nl", "title_en", "body_nl", "body_en"]


@admin.register(Intervention)
class InterventionAdmin(TranslationAdmin[Intervention], PrivateAdmin[Intervention]):
    list_display = ["code", "text_nl", "theme", "school"]
    list_filter = ["theme", "recommendations", ("school", admin.EmptyFieldListFilter)]
    search_fields = ["text_nl", "text_en", "school__name"]
    filter_horizontal = ["recommendations"]
    list_select_related = ["theme", "school"]
    autocomplete_fields = ["school"]
