"""A phone's pages in a focus group, after joining at the one join address
(schools/join_urls.py); no account. They act only on the session held in the phone's own
Django session."""

from __future__ import annotations

from django.urls import path

from focusgroups import views as focus

app_name = "focus_phone"

urlpatterns = [
    # The phones' poll first (dialoog/urls.py says why).
    path("doe-mee/sessie/live/", focus.phone_live, name="live"),
    path("doe-mee/sessie/", focus.phone, name="phone"),
    path("doe-mee/sessie/checkin/", focus.phone_checkin, name="checkin"),
    path("doe-mee/sessie/reactie/", focus.phone_reaction, name="reaction"),
    path("doe-mee/sessie/stem/<uuid:pk>/", focus.phone_vote, name="vote"),
]
