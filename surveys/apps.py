from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Questionnaires and results")

    def ready(self) -> None:
        # Each app registers what it holds about a person and what it deletes after the
        # retention period; schools/ calls them without knowing the apps above it.
        from schools import privacy, retention
        from schools.signals import left_school, started_leading

        from . import privacy as own
        from . import services
        from .retention import purge_rounds

        privacy.register_export("questionnaire_invitations", own.invitations)
        retention.register("rounds", purge_rounds)
        started_leading.connect(services.withdraw_invitations, dispatch_uid="surveys")
        left_school.connect(services.withdraw_invitations_of_leaver, dispatch_uid="surveys")
