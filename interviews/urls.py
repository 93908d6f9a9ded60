"""Interviews of a round (stage two of the cycle), below ``s/<slug:school_slug>/interviews/``.

``round_pk`` names a Round of the school, ``pk`` an Interview of the school and ``note_pk`` an
InterviewNote of that interview."""

from __future__ import annotations

from django.urls import path

from interviews import views as interviews

app_name = "interviews"

urlpatterns = [
    path("mine/", interviews.interview_mine, name="mine"),
    path("<number:round_pk>/", interviews.interview_list, name="list"),
    path("<number:round_pk>/plan/", interviews.interview_plan, name="plan"),
    path("<number:round_pk>/themes/", interviews.interview_themes, name="themes"),
    path("interview/<number:pk>/", interviews.interview_detail, name="detail"),
    path("interview/<number:pk>/notes/", interviews.note_add, name="note_add"),
    path(
        "interview/<number:pk>/notes/<number:note_pk>/delete/",
        interviews.note_delete,
        name="note_delete",
    ),
]
