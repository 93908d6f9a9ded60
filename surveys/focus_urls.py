from __future__ import annotations

from django.urls import path

from . import focus

app_name = "focus"

urlpatterns = [
    path("", focus.session_list, name="list"),
    path("agreements/", focus.agreements, name="agreements"),
    path("new/<int:round_pk>/", focus.prepare, name="prepare"),
    path("<int:pk>/", focus.presenter, name="presenter"),
    path("<int:pk>/live/", focus.presenter_live, name="live"),
    path("<int:pk>/step/", focus.step, name="step"),
    path("<int:pk>/timer/", focus.timer, name="timer"),
    path("<int:pk>/reveal/", focus.reveal, name="reveal"),
    path("<int:pk>/moderation/", focus.moderation, name="moderation"),
    path("<int:pk>/moderation/live/", focus.moderation_live, name="moderation_live"),
    path("<int:pk>/reactions/<uuid:reaction>/", focus.moderate, name="moderate"),
    path("<int:pk>/reactions/<uuid:reaction>/group/", focus.group, name="group"),
    path("<int:pk>/agreements/add/", focus.agreement_add, name="agreement_add"),
    path("<int:pk>/summary/", focus.summary, name="summary"),
    path("<int:pk>/close/", focus.close, name="close"),
]
