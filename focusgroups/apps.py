from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FocusGroupsConfig(AppConfig):
    name = "focusgroups"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Focus groups")

    def ready(self) -> None:
        from schools import retention

        from .retention import purge_phone_input

        retention.register("sessions", purge_phone_input)
