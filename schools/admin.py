from __future__ import annotations

import json
from typing import Any

from allauth.socialaccount import admin as socialaccount_admin
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schools.backoffice import PrivateAdmin
from schools.http import no_store
from schools.models import (
    AuditEntry,
    Board,
    BoardDomain,
    Departure,
    Membership,
    School,
    SignInProvider,
    Team,
    User,
)
from schools.privacy import export_person
from schools.signals import started_leading


def _withdraw_from_leading(request: HttpRequest, user: User) -> None:
    """A person who was just given a leading role reads the results of the rounds they were
    invited to: their unanswered invitations to rounds that have not closed are withdrawn,
    and staff are told so."""
    replies = started_leading.send(sender=User, user=user, now=timezone.now())
    withdrawn = sum(int(count or 0) for _receiver, count in replies)
    if withdrawn:
        messages.info(
            request,
            ngettext(
                "%(name)s now leads the school, so %(n)s unanswered invitation to a round was "
                "withdrawn.",
                "%(name)s now leads the school, so %(n)s unanswered invitations to rounds were "
                "withdrawn.",
                withdrawn,
            )
            % {"name": user, "n": withdrawn},
        )


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["school", "board", "team"]


@admin.register(User)
class UserAdmin(PrivateAdmin[User], BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "language", "memberships__role"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    actions = ["export_personal_data"]

    def save_related(
        self, request: HttpRequest, form: ModelForm[User], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        _withdraw_from_leading(request, form.instance)

    @admin.action(description=_("Export personal data (AVG)"))
    def export_personal_data(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """One person at a time: the export is for that person's request."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one person."), level=messages.ERROR)
            return None
        user = queryset.get()
        body = json.dumps(export_person(user), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dialoog-{user.pk}.json"'
        return no_store(response)


class TeamInline(admin.TabularInline[Team, School]):
    model = Team
    extra = 0


class BoardDomainInline(admin.TabularInline[BoardDomain, Board]):
    model = BoardDomain
    extra = 0


class SignInProviderInline(admin.TabularInline[SignInProvider, Board]):
    model = SignInProvider
    extra = 0


@admin.register(Board)
class BoardAdmin(PrivateAdmin[Board]):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    # Single sign-on (docs/sso.md): the board's e-mail domains and its providers.
    inlines = [BoardDomainInline, SignInProviderInline]


@admin.register(SignInProvider)
class SignInProviderAdmin(PrivateAdmin[SignInProvider]):
    list_display = ["app", "board", "trusts_provider_mfa"]
    list_filter = ["trusts_provider_mfa"]
    search_fields = ["app__name", "board__name"]
    list_select_related = ["app", "board"]


@admin.register(BoardDomain)
class BoardDomainAdmin(PrivateAdmin[BoardDomain]):
    list_display = ["domain", "board"]
    search_fields = ["domain", "board__name"]
    list_select_related = ["board"]


class SocialAppForm(socialaccount_admin.SocialAppForm):
    """allauth's form for a provider's client id and secret, with the secret written but
    never shown again: left empty, the stored one stays."""

    secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the secret that is stored."),
    )

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret") or ""
        return secret or (self.instance.secret if self.instance.pk else "")


# allauth registers its own, which shows the secret in plain text on every visit.
admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class SocialAppAdmin(PrivateAdmin[SocialApp], socialaccount_admin.SocialAppAdmin):
    form = SocialAppForm
    list_display = ["name", "provider", "provider_id", "client_id"]
    search_fields = ["name", "provider_id", "client_id"]


@admin.register(School)
class SchoolAdmin(PrivateAdmin[School]):
    list_display = ["name", "board", "region", "retention_months", "created_at"]
    list_filter = ["region", "board"]
    search_fields = ["name", "board__name"]
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(PrivateAdmin[Team]):
    list_display = ["name", "school"]
    list_filter = ["school"]
    search_fields = ["name", "school__name"]


@admin.register(Membership)
class MembershipAdmin(PrivateAdmin[Membership]):
    list_display = ["user", "role", "school", "board", "team", "invited_at"]
    list_filter = ["role", "school", "board"]
    search_fields = ["user__email", "user__full_name", "school__name"]
    autocomplete_fields = ["user", "school", "board", "team"]
    list_select_related = ["user", "school", "board", "team"]

    def save_model(
        self, request: HttpRequest, obj: Membership, form: ModelForm[Membership], change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        _withdraw_from_leading(request, obj.user)


@admin.register(Departure)
class DepartureAdmin(PrivateAdmin[Departure]):
    """Read-only: a teacher leaves, and comes back, on the school's people page
    (``Departure.leave`` and ``come_back`` keep the membership and the invitations in step)."""

    list_display = ["user", "school", "team", "left_on"]
    list_filter = ["school"]
    search_fields = ["user__email", "user__full_name", "school__name"]
    list_select_related = ["user", "school", "team"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(PrivateAdmin[AuditEntry]):
    """Read-only: an audit log that can be edited proves nothing."""

    list_display = ["at", "actor", "action", "object_id", "school"]
    list_filter = ["action"]
    search_fields = ["actor__email", "actor__full_name", "school__name"]
    list_select_related = ["actor", "school"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
