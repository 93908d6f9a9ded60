from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NudgesConfig(AppConfig):
    name = "nudges"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Nudges")

    def ready(self) -> None:
        from schools import privacy
        from schools.signals import left_school
        from surveys.services import questionnaire_sent

        from . import privacy as own
        from .rules import end_nudges_of_leaver, end_reminders_to_answer

        privacy.register_export("my_reflections", own.reflections)
        privacy.register_export("nudges_to_me", own.nudges_to)
        questionnaire_sent.connect(end_reminders_to_answer, dispatch_uid="nudges")
        left_school.connect(end_nudges_of_leaver, dispatch_uid="nudges")
