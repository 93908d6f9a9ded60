"""A phone's pages in a practice session, after joining at the one join address
(schools/join_urls.py); no account. They act only on the session held in the phone's own
Django session."""

from __future__ import annotations

from django.urls import path

from . import runner

app_name = "practice_phone"

urlpatterns = [
    path("doe-mee/oefening/", runner.phone, name="phone"),
    path("doe-mee/oefening/live/", runner.phone_live, name="live"),
    path("doe-mee/oefening/antwoord/", runner.phone_input, name="input"),
    path("doe-mee/oefening/reflectie/", runner.phone_reflection, name="reflection"),
    # The join addresses of before, printed on handouts: on to the one join address. The
    # token path is redacted from logs (dialoog/logging.py).
    path("oefenen/", runner.old_join, name="old_start"),
    path("oefen/<slug:token>/", runner.old_join, name="old_token"),
]
