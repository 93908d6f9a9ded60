"""The school's annual calendar (jaarkalender), mounted at ``s/<slug:school_slug>/plan/``."""

from __future__ import annotations

from django.urls import path

from . import calendar, feeds, proposal, topics

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
    path("proposal/", proposal.proposal, name="proposal"),
    path("subscribe/", feeds.subscriptions, name="subscriptions"),
    path("<int:pk>/", topics.activity_detail, name="activity"),
    path("<int:pk>/help/", topics.activity_help, name="activity_help"),
    path("topics/", topics.topics, name="topics"),
    path("topics/<int:pk>/vote/", topics.topic_vote, name="topic_vote"),
    path("topics/<int:pk>/withdraw/", topics.topic_withdraw, name="topic_withdraw"),
    path("topics/<int:pk>/plan/", topics.topic_plan, name="topic_plan"),
    path("topics/<int:pk>/set-aside/", topics.topic_set_aside, name="topic_set_aside"),
]
