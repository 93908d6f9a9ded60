"""The people pages of a school, mounted at ``s/<slug:school_slug>/``."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/import/", views.people_import, name="people_import"),
    path("teams/add/", views.team_add, name="team_add"),
    path("retention/", views.retention, name="retention"),
]
