from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

# Users in this group get their address with ``email_verified: false``, as a provider does
# for an address it never confirmed.
UNVERIFIED = "unverified"


class Validator(OAuth2Validator):
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED).exists(),
            "name": user.get_full_name() or user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
        }
