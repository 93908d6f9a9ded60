from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialoogConfig(AppConfig):
    name = "dialoog"
    verbose_name = _("dialoog")

    def ready(self) -> None:
        # The login receiver (idle clock, two-factor decision) must be connected before the
        # first login, not when the middleware happens to be loaded.
        from . import middleware  # noqa: F401
