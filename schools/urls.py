"""The people pages of a school, mounted at ``s/<slug:school_slug>/``."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/<number:user_pk>/", views.person, name="person"),
    path("people/<number:user_pk>/leave/", views.person_leave, name="person_leave"),
    path("people/<number:user_pk>/return/", views.person_return, name="person_return"),
    path("teams/add/", views.team_add, name="team_add"),
    path("retention/", views.retention, name="retention"),
]
