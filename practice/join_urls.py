"""Public pages of a practice session: phones join without an account. The token path
``/oefen/<token>/`` is redacted from logs (dialoog/logging.py)."""

from __future__ import annotations

from django.urls import path

from . import runner

app_name = "practice_join"

urlpatterns = [
    # A token is secrets.token_urlsafe(), all slug characters (surveys/focus_join_urls.py).
    path("oefen/<slug:token>/", runner.join_token, name="token"),
    path("oefenen/", runner.join, name="start"),
    path("oefenen/sessie/", runner.phone, name="phone"),
    path("oefenen/sessie/live/", runner.phone_live, name="live"),
    path("oefenen/sessie/antwoord/", runner.phone_input, name="input"),
    path("oefenen/sessie/reflectie/", runner.phone_reflection, name="reflection"),
]
