"""The back office sees the school-level nudges and settings. Not the reflection log (only
its author reads it), and not the respondent reminders: who has not finished a questionnaire
is known to the server only."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from schools.backoffice import PrivateAdmin

from .models import Digest, EmailChoice, Nudge, NudgeSettings, Rule, RuleOptOut


@admin.register(NudgeSettings)
class NudgeSettingsAdmin(PrivateAdmin[NudgeSettings]):
    list_display = ["school", "quiet_weeks", "agenda_days", "max_respondent_reminders"]
    search_fields = ["school__name"]


@admin.register(Nudge)
class NudgeAdmin(PrivateAdmin[Nudge]):
    list_display = ["rule", "school", "recipient", "period", "state", "delivery", "due_at"]
    list_filter = ["rule", "state", "delivery"]
    search_fields = ["school__name", "period"]
    readonly_fields = ["claimed_by", "claimed_at", "sent_at", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Nudge]:
        return super().get_queryset(request).exclude(rule=Rule.RESPONDENTS)


@admin.register(EmailChoice)
class EmailChoiceAdmin(PrivateAdmin[EmailChoice]):
    list_display = ["user", "weekly_digest"]
    search_fields = ["user__email"]


@admin.register(RuleOptOut)
class RuleOptOutAdmin(PrivateAdmin[RuleOptOut]):
    list_display = ["user", "rule", "created_at"]
    search_fields = ["user__email"]


@admin.register(Digest)
class DigestAdmin(PrivateAdmin[Digest]):
    list_display = ["user", "week", "sent_at"]
    search_fields = ["user__email"]
