from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Schools and people")

    def ready(self) -> None:
        from django.urls import register_converter

        from . import sso  # noqa: F401  (connects its receiver to allauth's login signal)
        from .http import NumberConverter

        # Before any URL pattern is read: every number in a path is ``<number:…>``.
        register_converter(NumberConverter, "number")
