"""The nudges of one school, mounted at ``s/<slug:school_slug>/nudges/``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "nudges"

urlpatterns = [
    path("", views.nudge_list, name="list"),
    path("<number:pk>/<slug:action>/", views.nudge_act, name="act"),
    path("followed-up/<number:note_pk>/", views.followed_up, name="followed_up"),
    path("settings/", views.nudge_settings, name="settings"),
    path("e-mail/", views.preferences, name="preferences"),
    path("reflections/", views.reflections, name="reflections"),
]
