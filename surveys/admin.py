"""Back office for questionnaires. Raw answers (Response, Answer, OpenAnswer), drafts and the
leader's own answers are deliberately not registered: nobody browses individual answers, not
even platform staff; figures reach people only through surveys.anonymity. Every admin here is a
``schools.backoffice.PrivateAdmin``, so no lookup in the address can list who answered."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from schools.backoffice import PrivateAdmin
from surveys.models import (
    Invitation,
    Item,
    OpenQuestion,
    QuestionnaireTemplate,
    QuestionnaireVersion,
    Round,
    SuggestionChoice,
    TemplateItem,
    TemplateOpenQuestion,
)


class TemplateItemInline(TranslationTabularInline[TemplateItem, QuestionnaireTemplate]):
    model = TemplateItem
    extra = 0
    fields = [
        "block",
        "theme",
        "order",
        "text_nl",
        "text_en",
        "leader_text_nl",
        "leader_text_en",
        "reverse_scored",
    ]


class TemplateOpenQuestionInline(
    TranslationTabularInline[TemplateOpenQuestion, QuestionnaireTemplate]
):
    model = TemplateOpenQuestion
    extra = 0


@admin.register(QuestionnaireTemplate)
class QuestionnaireTemplateAdmin(
    TranslationAdmin[QuestionnaireTemplate], PrivateAdmin[QuestionnaireTemplate]
):
    list_display = ["name_nl", "name_en", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name_nl", "name_en", "items__text_nl"]
    inlines = [TemplateItemInline, TemplateOpenQuestionInline]


class FrozenItemInline(TranslationTabularInline[Item, QuestionnaireVersion]):
    model = Item
    extra = 0
    can_delete = False
    readonly_fields = ("block", "theme", "order", "text_nl", "text_en", "reverse_scored")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class FrozenOpenQuestionInline(TranslationTabularInline[OpenQuestion, QuestionnaireVersion]):
    model = OpenQuestion
    extra = 0
    can_delete = False
    readonly_fields = ("order", "text_nl", "text_en")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(
    TranslationAdmin[QuestionnaireVersion], PrivateAdmin[QuestionnaireVersion]
):
    """Versions are what rounds were answered on: readable, never editable."""

    list_display = ["name_nl", "number", "template", "created_at"]
    list_filter = ["template"]
    search_fields = ["name_nl", "name_en"]
    readonly_fields = [
        "template",
        "number",
        "fingerprint",
        "name_nl",
        "name_en",
        "intro_nl",
        "intro_en",
        "created_at",
    ]
    inlines = [FrozenItemInline, FrozenOpenQuestionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Round)
class RoundAdmin(PrivateAdmin[Round]):
    list_display = [
        "__str__",
        "school",
        "team",
        "opens_at",
        "closes_at",
        "threshold",
        "open_threshold",
        "invited",
    ]
    list_filter = ["school", "opens_at"]
    search_fields = ["school__name", "team__name"]
    list_select_related = ["school", "team"]
    readonly_fields = [
        "version",
        "threshold",
        "open_threshold",
        "created_by",
        "created_at",
        "purged_at",
    ]
    fields = [
        "school",
        "team",
        "version",
        "opens_at",
        "closes_at",
        "threshold",
        "open_threshold",
        "leader_done",
        "created_by",
        "created_at",
        "purged_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Round]:
        return super().get_queryset(request).annotate(invited_count=Count("invitations"))

    @admin.display(description=_("invited"), ordering="invited_count")
    def invited(self, obj: Round) -> int:
        return obj.invited_count  # type: ignore[attr-defined]


@admin.register(Invitation)
class InvitationAdmin(PrivateAdmin[Invitation]):
    """Who was invited, not who answered: ``done`` (and the draft that exists only until the
    answers are sent) is no column, filter, ordering, search or field, and a lookup on it in
    the address (``?done__exact=1``, ``?draft__isnull=False``) is refused (PrivateAdmin)."""

    list_display = ["user", "round", "sent_count"]
    list_filter = ["round__school"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "round", "round__school", "round__team"]
    readonly_fields = ("round", "user", "sent_count")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        # Not even read: nothing on these pages can show what was never loaded.
        return super().get_queryset(request).defer("done")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SuggestionChoice)
class SuggestionChoiceAdmin(PrivateAdmin[SuggestionChoice]):
    list_display = ["round", "key", "status", "decided_by", "decided_at"]
    list_filter = ["status", "round__school"]
    search_fields = ["key", "round__school__name"]
    list_select_related = ["round", "round__school", "round__team", "decided_by"]
