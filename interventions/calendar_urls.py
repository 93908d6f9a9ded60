"""The school's annual calendar (jaarkalender), mounted at ``s/<slug:school_slug>/plan/``."""

from __future__ import annotations

from django.urls import path

from . import calendar

app_name = "calendar"

urlpatterns = [
    path("", calendar.year, name="year"),
    path("<int:year>/<int:month>/", calendar.month, name="month"),
    path("list/", calendar.upcoming, name="list"),
    path("new/", calendar.activity_new, name="activity_new"),
    path("<int:pk>/edit/", calendar.activity_edit, name="activity_edit"),
    path("<int:pk>/delete/", calendar.activity_delete, name="activity_delete"),
    path(
        "from-suggestion/<int:round_pk>/<slug:key>/",
        calendar.from_suggestion,
        name="from_suggestion",
    ),
    path("from-agreement/<int:pk>/", calendar.from_agreement, name="from_agreement"),
    path("coverage/", calendar.coverage, name="coverage"),
]
