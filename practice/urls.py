"""The practice kit, mounted at ``s/<slug:school_slug>/practice/``."""

from __future__ import annotations

from django.urls import path

from . import conversations, runner, views

app_name = "practice"

urlpatterns = [
    path("", views.index, name="index"),
    path("formats/", views.formats, name="formats"),
    path("formats/new/", views.format_new, name="format_new"),
    path("formats/<number:pk>/", views.format_detail, name="format"),
    path("formats/<number:pk>/edit/", views.format_edit, name="format_edit"),
    path("apply/<number:activity_pk>/", views.apply, name="apply"),
    path("sessions/<number:pk>/start/", runner.start, name="start"),
    path("sessions/<number:pk>/", runner.presenter, name="presenter"),
    path("sessions/<number:pk>/live/", runner.presenter_live, name="live"),
    path("sessions/<number:pk>/step/", runner.step, name="step"),
    path("sessions/<number:pk>/timer/", runner.timer, name="timer"),
    path("sessions/<number:pk>/reveal/", runner.reveal, name="reveal"),
    path("sessions/<number:pk>/answers/<uuid:answer>/hide/", runner.hide, name="hide"),
    path("sessions/<number:pk>/close/", runner.close, name="close"),
    path("conversations/", conversations.conversation_list, name="conversations"),
    path("conversations/new/", conversations.conversation_new, name="conversation_new"),
    path("conversations/<number:pk>/", conversations.conversation, name="conversation"),
    path(
        "conversations/<number:pk>/delete/",
        conversations.conversation_delete,
        name="conversation_delete",
    ),
]
