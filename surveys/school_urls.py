from __future__ import annotations

from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("new/", views.round_new, name="round_new"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/extend/", views.round_extend, name="round_extend"),
    path("<int:pk>/remind/", views.round_remind, name="round_remind"),
    path("<int:pk>/resend/", views.round_resend, name="round_resend"),
    path("<int:pk>/leader/", views.round_leader_view, name="round_leader"),
    path("<int:pk>/results/", views.round_results, name="results"),
    path("<int:pk>/export.<str:fmt>", views.round_export, name="export"),
    path("<int:pk>/suggestions/<slug:key>/", views.suggestion_choose, name="suggestion_choose"),
]
