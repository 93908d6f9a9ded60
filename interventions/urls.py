from __future__ import annotations

from django.urls import path

from . import views

app_name = "interventions"

urlpatterns = [
    path("", views.model_overview, name="model"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme"),
    path("recommendations/<number:number>/", views.recommendation_detail, name="recommendation"),
]
