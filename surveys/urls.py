"""Answering a questionnaire: reached through the e-mailed link, not through a school URL.
The session holds the invitation; these pages act only on that one invitation."""

from __future__ import annotations

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("i/<str:token>/", views.enter, name="enter"),
    path("vragenlijst/", views.answer_start, name="answer"),
    path("vragenlijst/verzenden/", views.answer_submit, name="answer_submit"),
    path("vragenlijst/<slug:step>/", views.answer_step, name="answer_step"),
]
