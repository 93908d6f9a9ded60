from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoogConfig(AppConfig):
    name = "dialoog"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Schools and people")

    def ready(self) -> None:
        # The login receiver (idle clock, two-factor decision) must be connected before the
        # first login, not when the middleware happens to be loaded.
        from django.urls import register_converter

        from . import middleware  # noqa: F401
        from .http import NumberConverter

        # Before any URL pattern is read: every number in a path is ``<number:…>``.
        register_converter(NumberConverter, "number")
