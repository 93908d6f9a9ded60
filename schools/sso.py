"""Single sign-on with the account the school already gave a person (Microsoft 365, Google
Workspace, Entree Federatie or any OpenID Connect provider), through allauth's social accounts.

No one walks in uninvited: a provider signs a person in only to an account the school made.

1. The provider must be linked to a board (``SignInProvider``); an app without a board signs
   in nobody.
2. A provider account that was connected before signs in its own person, as long as that
   person still belongs to the provider's board.
3. A signed-in person may connect a provider account to themselves (allauth's "connect",
   which they start and confirm on their account page), again only at their own board.
4. Otherwise the provider must vouch for the e-mail address (verified), the address must be
   at one of the board's own domains and at no other board's, and a person with that address
   must exist and belong to the board. The provider account is then connected to that person.

Everything else is refused with a message in the person's language, and no account is made
(signing up stays closed). Passwords and e-mailed codes keep working beside it.

Two-factor: a board admin who signs in through a provider still meets dialoog's two-factor
step and set-up, unless the board trusts that provider's own two-factor
(``SignInProvider.trusts_provider_mfa``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa import stages as mfa_stages
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.contrib import messages
from django.db.models import Q
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from schools.models import Board, BoardDomain, Membership, SignInProvider, User

logger = logging.getLogger(__name__)

# Kept in the sign-in's state (and so in allauth's stored login): the board trusts the
# provider's two-factor for this sign-in.
TRUSTS_MFA = "dialoog_trusts_provider_mfa"
# Kept in the session after such a sign-in: dialoog.middleware asks no two-factor set-up.
MFA_BY_PROVIDER = "mfa_by_provider"

# Microsoft's multi-tenant endpoints: anyone with any Microsoft account can sign in there, so
# the address it gives proves nothing about the school.
_MICROSOFT_SHARED_TENANTS = {"", "common", "organizations", "consumers"}


class Refused(Exception):
    """A sign-in that must not go on; ``reason`` names the message the person reads."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def refusal_message(reason: str, provider_name: str) -> str:
    messages_by_reason = {
        "not_set_up": _(
            "Signing in with %(provider)s is not set up for your school. Log in with your "
            "password or with a code by e-mail."
        ),
        "unverified": _(
            "%(provider)s did not confirm your e-mail address, so dialoog cannot tell whose "
            "account this is. No account was made. Log in with your password or with a code by "
            "e-mail."
        ),
        "domain": _(
            "Your e-mail address is not at one of the domains your board signs in with through "
            "%(provider)s. No account was made. Log in with your password or with a code by "
            "e-mail."
        ),
        "other_board": _(
            "This account belongs to another school board. No account was made. Sign in "
            "through your own board, or log in with your password or with a code by e-mail."
        ),
        "unknown": _(
            "There is no dialoog account for this e-mail address, and dialoog does not make "
            "one: your school leader adds the team. Ask them to add you."
        ),
        "failed": _(
            "Signing in with %(provider)s did not work. Try again, or log in with your "
            "password or with a code by e-mail."
        ),
    }
    return messages_by_reason[reason] % {"provider": provider_name}


# Where each kind of provider's sign-in page lives, for the login page's form-action policy
# (an OpenID Connect provider's is its server_url).
_PROVIDER_ORIGINS = {
    "microsoft": "https://login.microsoftonline.com",
    "google": "https://accounts.google.com",
}


def provider_origins() -> list[str]:
    """The origins the sign-in buttons send a browser to. The login pages' Content Security
    Policy allows forms to lead there (``form-action``); browsers also check it on the
    redirect that a button's form gets."""
    origins = set()
    for provider, settings in SocialApp.objects.filter(sign_in__isnull=False).values_list(
        "provider", "settings"
    ):
        origin = _PROVIDER_ORIGINS.get(provider)
        if origin is None:
            parts = urlsplit(str((settings or {}).get("server_url", "")))
            if parts.scheme in ("https", "http") and parts.netloc:
                origin = f"{parts.scheme}://{parts.netloc}"
        if origin:
            origins.add(origin)
    return sorted(origins)


def sign_in_provider(app: SocialApp | None) -> SignInProvider | None:
    if app is None or app.pk is None:
        return None
    return SignInProvider.objects.select_related("board").filter(app=app).first()


def belongs_to(user: User, board: Board) -> bool:
    """A role at one of the board's schools, or board admin of it."""
    return Membership.objects.filter(
        Q(board=board) | Q(school__board=board), user=user, user__is_active=True
    ).exists()


def verified_addresses(sociallogin: SocialLogin, app: SocialApp | None) -> list[str]:
    """The addresses the provider vouches for. OpenID Connect providers and Google say so per
    address (``email_verified``). Microsoft says nothing; its address is the one the school's
    own tenant administers, so it counts only for an app bound to one tenant (a school's),
    never for the shared endpoints where anyone can make an account."""
    addresses = [a.email.strip().lower() for a in sociallogin.email_addresses if a.verified]
    if sociallogin.account.provider == "microsoft" and app is not None:
        tenant = str((app.settings or {}).get("tenant", "")).strip().lower()
        if tenant not in _MICROSOFT_SHARED_TENANTS:
            addresses += [a.email.strip().lower() for a in sociallogin.email_addresses]
            email = (sociallogin.user.email if sociallogin.user else "") or ""
            if email:
                addresses.append(email.strip().lower())
    return [a for a in dict.fromkeys(addresses) if "@" in a]


@dataclass(frozen=True)
class Match:
    user: User
    connect: bool  # a new provider account, to be connected to ``user``


def match(
    *,
    provider: SignInProvider | None,
    addresses: list[str],
    existing: User | None,
    signed_in: User | None,
) -> Match:
    """Whose account this sign-in opens (rules 1 to 4 of the module), or ``Refused``.
    ``addresses``: the verified ones; ``existing``: the person a provider account was
    connected to before; ``signed_in``: the person connecting one to themselves."""
    if provider is None:
        raise Refused("not_set_up")
    board = provider.board
    if signed_in is not None:
        if not belongs_to(signed_in, board):
            raise Refused("other_board")
        return Match(signed_in, connect=False)  # allauth connects it after the confirmation
    if existing is not None:
        if not belongs_to(existing, board):
            raise Refused("other_board")
        return Match(existing, connect=False)
    if not addresses:
        raise Refused("unverified")
    domains = {address.rpartition("@")[2] for address in addresses}
    owners = dict(BoardDomain.objects.filter(domain__in=domains).values_list("domain", "board_id"))
    if any(owner != board.pk for owner in owners.values()):
        raise Refused("other_board")
    addresses = [a for a in addresses if a.rpartition("@")[2] in owners]
    if not addresses:
        raise Refused("domain")
    user = User.objects.filter(email__in=addresses, is_active=True).order_by("pk").first()
    if user is None:
        raise Refused("unknown")
    if not belongs_to(user, board):
        raise Refused("other_board")
    return Match(user, connect=True)


def _provider_name(sociallogin: SocialLogin | None, fallback: Any = None) -> str:
    app = getattr(getattr(sociallogin, "provider", None), "app", None)
    if app is not None and app.name:
        return str(app.name)
    name = getattr(fallback, "name", None) or getattr(
        getattr(sociallogin, "provider", None), "name", ""
    )
    return str(name or _("your school account"))


def _refuse(request: HttpRequest, reason: str, provider_name: str, provider_id: str) -> NoReturn:
    # The reason and the provider, never the address or anything the provider sent.
    logger.info("sign-in refused: %s (provider %s)", reason, provider_id)
    messages.error(request, refusal_message(reason, provider_name))
    raise ImmediateHttpResponse(redirect("account_login"))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def get_app(self, request: HttpRequest, provider: Any, client_id: Any = None) -> SocialApp:
        """A provider that no board set up has no pages (allauth would fail with a 500)."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        app = getattr(sociallogin.provider, "app", None)
        provider = sign_in_provider(app)
        connecting = sociallogin.state.get("process") == "connect"
        signed_in = request.user if connecting and request.user.is_authenticated else None
        try:
            found = match(
                provider=provider,
                addresses=verified_addresses(sociallogin, app),
                existing=sociallogin.user if sociallogin.is_existing else None,
                signed_in=signed_in,
            )
        except Refused as refusal:
            _refuse(
                request, refusal.reason, _provider_name(sociallogin), sociallogin.account.provider
            )
        assert provider is not None
        if provider.trusts_provider_mfa:
            sociallogin.state[TRUSTS_MFA] = True
        if found.connect:
            sociallogin.connect(request, found.user)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """A cancelled consent, a tampered or expired ``state``, a provider that answered
        nonsense: back to the login page with a message, nothing logged in."""
        name = getattr(getattr(provider, "app", None), "name", "") or getattr(provider, "name", "")
        _refuse(request, "failed", str(name), str(getattr(provider, "id", "?")))


class AuthenticateStage(mfa_stages.AuthenticateStage):
    """allauth's two-factor step at login, skipped only for a sign-in through a provider whose
    two-factor the board trusts."""

    def _should_handle(self, request: HttpRequest) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if isinstance(sociallogin, SocialLogin) and sociallogin.state.get(TRUSTS_MFA):
            return False
        return super()._should_handle(request)


@receiver(user_logged_in)
def remember_provider_mfa(
    sender: Any, request: HttpRequest, user: Any, sociallogin: SocialLogin | None = None, **_: Any
) -> None:
    """Runs after Django's login (which clears the mark): the session remembers that the
    provider's two-factor stands in for dialoog's."""
    if sociallogin is not None and sociallogin.state.get(TRUSTS_MFA):
        request.session[MFA_BY_PROVIDER] = True
