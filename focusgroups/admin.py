"""Back office for focus groups: sessions with their phases, and the agreements.

Not wired yet: ``surveys/admin.py`` imports this module (``from . import focus_admin``).
What phones sent (``CheckIn``, ``Reaction``, ``Vote``) is deliberately not registered, like the
raw answers: nobody browses individual contributions. The join token is never shown.
"""

from __future__ import annotations

from django.contrib import admin

from focusgroups.models import Agreement, FocusPhase, FocusSession
from schools.backoffice import PrivateAdmin


class FocusPhaseInline(admin.TabularInline[FocusPhase, FocusSession]):
    model = FocusPhase
    extra = 0
    fields = ["order", "kind", "theme", "signal_key", "minutes"]


@admin.register(FocusSession)
class FocusSessionAdmin(PrivateAdmin[FocusSession]):
    list_display = ["title", "round", "created_at", "closed_at"]
    list_filter = ["round__school"]
    search_fields = ["title"]
    list_select_related = ["round", "round__school", "round__team"]
    fields = ["round", "title", "created_by", "current", "created_at", "closed_at", "purged_at"]
    readonly_fields = ["round", "created_by", "created_at", "purged_at"]
    inlines = [FocusPhaseInline]


@admin.register(Agreement)
class AgreementAdmin(PrivateAdmin[Agreement]):
    list_display = ["text", "kind", "owner", "review_on", "session"]
    list_filter = ["kind", "session__round__school"]
    search_fields = ["text", "owner"]
    list_select_related = ["session"]
    readonly_fields = ["session"]
