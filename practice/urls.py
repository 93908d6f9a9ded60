"""The practice kit, mounted at ``s/<slug:school_slug>/practice/``."""

from __future__ import annotations

from django.urls import path

from . import conversations, runner, views

app_name = "practice"

urlpatterns = [
    path("", views.index, name="index"),
    path("formats/", views.formats, name="formats"),
    path("formats/new/", views.format_new, name="format_new"),
    path("formats/<int:pk>/", views.format_detail, name="format"),
    path("formats/<int:pk>/edit/", views.format_edit, name="format_edit"),
    path("apply/<int:activity_pk>/", views.apply, name="apply"),
    path("sessions/<int:pk>/start/", runner.start, name="start"),
    path("sessions/<int:pk>/", runner.presenter, name="presenter"),
    path("sessions/<int:pk>/live/", runner.presenter_live, name="live"),
    path("sessions/<int:pk>/step/", runner.step, name="step"),
    path("sessions/<int:pk>/timer/", runner.timer, name="timer"),
    path("sessions/<int:pk>/reveal/", runner.reveal, name="reveal"),
    path("sessions/<int:pk>/answers/<uuid:answer>/hide/", runner.hide, name="hide"),
    path("sessions/<int:pk>/close/", runner.close, name="close"),
    path("conversations/", conversations.conversation_list, name="conversations"),
    path("conversations/new/", conversations.conversation_new, name="conversation_new"),
    path("conversations/<int:pk>/", conversations.conversation, name="conversation"),
    path(
        "conversations/<int:pk>/delete/",
        conversations.conversation_delete,
        name="conversation_delete",
    ),
]
