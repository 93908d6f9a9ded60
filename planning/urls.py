"""The school's annual calendar (jaarkalender), mounted at ``s/<slug:school_slug>/plan/``."""

from __future__ import annotations

from django.urls import path

from . import calendar, feeds, proposal, topics

app_name = "calendar"

urlpatterns = [
    path("", calendar.year, name="year"),
    path("<number:year>/<number:month>/", calendar.month, name="month"),
    path("list/", calendar.upcoming, name="list"),
    path("new/", calendar.activity_new, name="activity_new"),
    path("<number:pk>/edit/", calendar.activity_edit, name="activity_edit"),
    path("<number:pk>/delete/", calendar.activity_delete, name="activity_delete"),
    path(
        "from-suggestion/<number:round_pk>/<slug:key>/",
        calendar.from_suggestion,
        name="from_suggestion",
    ),
    path("from-agreement/<number:pk>/", calendar.from_agreement, name="from_agreement"),
    path("coverage/", calendar.coverage, name="coverage"),
    path("proposal/", proposal.proposal, name="proposal"),
    path("subscribe/", feeds.subscriptions, name="subscriptions"),
    path("<number:pk>/", topics.activity_detail, name="activity"),
    path("<number:pk>/help/", topics.activity_help, name="activity_help"),
    path("topics/", topics.topics, name="topics"),
    path("topics/<number:pk>/vote/", topics.topic_vote, name="topic_vote"),
    path("topics/<number:pk>/withdraw/", topics.topic_withdraw, name="topic_withdraw"),
    path("topics/<number:pk>/plan/", topics.topic_plan, name="topic_plan"),
    path("topics/<number:pk>/set-aside/", topics.topic_set_aside, name="topic_set_aside"),
]
