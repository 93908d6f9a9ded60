from __future__ import annotations

from django.urls import path

from focusgroups import views as focus

app_name = "focus"

urlpatterns = [
    path("", focus.session_list, name="list"),
    path("agreements/", focus.agreements, name="agreements"),
    path("new/<number:round_pk>/", focus.prepare, name="prepare"),
    path("<number:pk>/", focus.presenter, name="presenter"),
    path("<number:pk>/live/", focus.presenter_live, name="live"),
    path("<number:pk>/step/", focus.step, name="step"),
    path("<number:pk>/timer/", focus.timer, name="timer"),
    path("<number:pk>/reveal/", focus.reveal, name="reveal"),
    path("<number:pk>/moderation/", focus.moderation, name="moderation"),
    path("<number:pk>/moderation/live/", focus.moderation_live, name="moderation_live"),
    path("<number:pk>/reactions/<uuid:reaction>/", focus.moderate, name="moderate"),
    path("<number:pk>/reactions/<uuid:reaction>/group/", focus.group, name="group"),
    path("<number:pk>/agreements/add/", focus.agreement_add, name="agreement_add"),
    path("<number:pk>/summary/", focus.summary, name="summary"),
    path("<number:pk>/close/", focus.close, name="close"),
]
