"""Public pages of the focus group: phones join without an account."""

from __future__ import annotations

from django.urls import path

from focusgroups import views as focus

app_name = "join"

urlpatterns = [
    # The phones' poll first (dialoog/urls.py says why).
    path("doe-mee/sessie/live/", focus.phone_live, name="live"),
    # A token is secrets.token_urlsafe(), all slug characters; a path with others (a NUL
    # byte, which PostgreSQL refuses in a query) names no session and matches nothing.
    path("j/<slug:token>/", focus.join_token, name="token"),
    path("doe-mee/", focus.join, name="start"),
    path("doe-mee/sessie/", focus.phone, name="phone"),
    path("doe-mee/sessie/checkin/", focus.phone_checkin, name="checkin"),
    path("doe-mee/sessie/reactie/", focus.phone_reaction, name="reaction"),
    path("doe-mee/sessie/stem/<uuid:pk>/", focus.phone_vote, name="vote"),
]
