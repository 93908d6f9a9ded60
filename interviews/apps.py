from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterviewsConfig(AppConfig):
    name = "interviews"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Interviews")

    def ready(self) -> None:
        from schools import privacy, retention

        from . import privacy as own
        from .retention import purge_notes

        privacy.register_export("interviews_about_me", own.interviews_about)
        retention.register("interviews", purge_notes)
