"""The one-click unsubscribe of the nudge e-mails; the signed token is the credential."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "nudges_mail"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
