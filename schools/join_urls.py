"""The one join address of every live session (schools/live.py): phones join without an
account, by the code on the beamer or its QR link. The token path ``/j/<token>/`` is redacted
from logs (dialoog/logging.py)."""

from __future__ import annotations

from django.urls import path

from schools import live

app_name = "join"

urlpatterns = [
    path("doe-mee/", live.join, name="start"),
    # A token is secrets.token_urlsafe(), all slug characters; a path with others (a NUL
    # byte, which PostgreSQL refuses in a query) names no session and matches nothing.
    path("j/<slug:token>/", live.join_token, name="token"),
]
