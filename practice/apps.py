from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "practice"
    verbose_name = _("Practice kit")

    def ready(self) -> None:
        from planning.models import register_practiced_themes
        from schools import privacy

        from . import privacy as own
        from .models import PracticeSession

        privacy.register_export("my_prepared_conversations", own.prepared_conversations)
        register_practiced_themes(PracticeSession.objects.themes_by_activity)
