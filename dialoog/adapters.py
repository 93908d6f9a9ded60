"""allauth hooks: nobody signs up on their own (a leader adds people), and two-factor
authentication is offered to the people who see a whole team's data."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from .models import Membership


def may_use_two_factor(user: Any) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_staff
            or user.memberships.filter(
                role__in=[*Membership.LEADING_ROLES, Membership.Role.BOARD_ADMIN]
            ).exists()
        )
    )


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return "dialoog"
