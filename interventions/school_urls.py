"""Catalogue pages that belong to one school: the interventions a school adds itself."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.own_intervention_new, name="own_intervention_new"),
    path("<number:pk>/edit/", views.own_intervention_edit, name="own_intervention_edit"),
    path("<number:pk>/delete/", views.own_intervention_delete, name="own_intervention_delete"),
]
