"""allauth hooks: nobody signs up on their own (a leader adds people), and two-factor
authentication is offered to the people who see a whole team's data."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from schools.models import Membership

TWO_FACTOR_ROLES = {*Membership.LEADING_ROLES, Membership.Role.BOARD_ADMIN}


def may_use_two_factor(user: Any, roles: set[str] | None = None) -> bool:
    """Staff, and whoever leads a school or administers a board. ``roles``: the person's
    roles when the caller has them already (the navigation), saving the query."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    if roles is not None:
        return bool(roles & TWO_FACTOR_ROLES)
    return bool(user.memberships.filter(role__in=TWO_FACTOR_ROLES).exists())


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_login_stages(self) -> list[str]:
        # The two-factor step knows when a board trusts a sign-in provider's own (schools.sso).
        return [
            "schools.sso.AuthenticateStage"
            if stage == "allauth.mfa.stages.AuthenticateStage"
            else stage
            for stage in super().get_login_stages()
        ]


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return "dialoog"
