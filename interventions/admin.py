from __future__ import annotations

from django.contrib import admin

from .models import Activity, Intervention, Recommendation, SchoolHoliday, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
    list_display = ["number", "name_nl", "name_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["name_nl", "name_en"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin[Recommendation]):
    list_display = ["number", "title_nl", "title_en"]
    search_fields = ["title_nl", "title_en", "body_nl", "body_en"]


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin[Intervention]):
    list_display = ["code", "text_nl", "theme", "school"]
    list_filter = ["theme", "recommendations", ("school", admin.EmptyFieldListFilter)]
    search_fields = ["text_nl", "text_en", "school__name"]
    filter_horizontal = ["recommendations"]
    list_select_related = ["theme", "school"]
    autocomplete_fields = ["school"]


@admin.register(SchoolHoliday)
class SchoolHolidayAdmin(admin.ModelAdmin[SchoolHoliday]):
    list_display = ["name", "region", "starts_on", "ends_on"]
    list_filter = ["region", "name"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin[Activity]):
    list_display = ["title", "kind", "starts_at", "repeat_weeks", "school"]
    list_filter = ["kind"]
    search_fields = ["title", "agenda", "school__name"]
    list_select_related = ["school"]
    autocomplete_fields = ["school"]
    raw_id_fields = ["interventions", "agreements", "helpers", "recommendation", "created_by"]
    date_hierarchy = "starts_at"
