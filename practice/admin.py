"""Back office: the library of formats (with their steps) and the practice sessions.

What phones sent (``StepInput``, ``Reflection``) and the teachers' private conversation
preparations (``Conversation``) are deliberately not registered: nobody browses individual
contributions or someone's preparation. The join token is never shown.
"""

from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from schools.backoffice import PrivateAdmin

from .models import Format, FormatStep, PracticeSession


class FormatStepInline(TranslationStackedInline[FormatStep, Format]):
    model = FormatStep
    extra = 0
    fields = [
        "order",
        "minutes",
        ("title_nl", "title_en"),
        ("instruction_nl", "instruction_en"),
        ("prompt_nl", "prompt_en"),
    ]


@admin.register(Format)
class FormatAdmin(TranslationAdmin[Format], PrivateAdmin[Format]):
    list_display = ["title_nl", "title_en", "minutes", "kind", "school"]
    list_filter = ["kind", ("school", admin.EmptyFieldListFilter)]
    search_fields = ["title_nl", "title_en", "purpose_nl", "purpose_en", "school__name"]
    filter_horizontal = ["interventions", "recommendations"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]
    inlines = [FormatStepInline]


@admin.register(PracticeSession)
class PracticeSessionAdmin(PrivateAdmin[PracticeSession]):
    list_display = ["activity", "format", "threshold", "started_at", "closed_at"]
    list_select_related = ["activity", "format"]
    search_fields = ["activity__title", "format__title_nl"]
    fields = ["activity", "format", "threshold", "started_at", "closed_at"]
    readonly_fields = ["activity", "started_at"]
