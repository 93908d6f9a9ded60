from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from schools.backoffice import PrivateAdmin

from .models import Activity, CalendarFeed, CancelledActivity, SchoolHoliday, Topic


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(PrivateAdmin[SchoolHoliday]):
    list_display = ["name", "region", "starts_on", "ends_on"]
    list_filter = ["region", "name"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"


@admin.register(Activity)
class ActivityAdmin(PrivateAdmin[Activity]):
    list_display = ["title", "kind", "starts_at", "repeat_weeks", "school"]
    list_filter = ["kind"]
    search_fields = ["title", "agenda", "school__name"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]
    raw_id_fields = ["interventions", "agreements", "helpers", "recommendation", "created_by"]
    date_hierarchy = "starts_at"


@admin.register(CancelledActivity)
class CancelledActivityAdmin(PrivateAdmin[CancelledActivity]):
    list_display = ["title", "starts_at", "cancelled_at", "school"]
    search_fields = ["title", "school__name"]
    list_select_related = ["school"]
    readonly_fields = [f.name for f in CancelledActivity._meta.fields]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(PrivateAdmin[CalendarFeed]):
    """Feeds can be revoked here (delete); their keys are never shown, only a hash is kept."""

    list_display = ["school", "user", "created_at"]
    search_fields = ["school__name", "user__email"]
    list_select_related = ["school", "user"]
    fields = ["school", "user", "created_at"]
    readonly_fields = ["school", "user", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Topic)
class TopicAdmin(PrivateAdmin[Topic]):
    # Who suggested a topic is not shown: the team sees a name only when its author chose so.
    list_display = ["text", "status", "school", "created_at"]
    list_filter = ["status"]
    search_fields = ["text", "school__name"]
    list_select_related = ["school"]
    fields = ["school", "text", "status", "activity"]
    raw_id_fields = ["activity"]
    autocomplete_fields = ["school"]
