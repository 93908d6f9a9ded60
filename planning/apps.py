from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Year plan")

    def ready(self) -> None:
        from schools import privacy

        from . import privacy as own

        privacy.register_export("topics_i_suggested", own.topics_suggested_by)
