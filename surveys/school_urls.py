from __future__ import annotations

from django.urls import path

from surveys import views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("new/", views.round_new, name="round_new"),
    path("<number:pk>/", views.round_detail, name="round"),
    path("<number:pk>/close/", views.round_close, name="round_close"),
    path("<number:pk>/extend/", views.round_extend, name="round_extend"),
    path("<number:pk>/remind/", views.round_remind, name="round_remind"),
    path("<number:pk>/resend/", views.round_resend, name="round_resend"),
    path("<number:pk>/leader/", views.round_leader_view, name="round_leader"),
    path("<number:pk>/results/", views.round_results, name="results"),
    path("<number:pk>/export.<str:fmt>", views.round_export, name="export"),
    path("<number:pk>/suggestions/<slug:key>/", views.suggestion_choose, name="suggestion_choose"),
]
