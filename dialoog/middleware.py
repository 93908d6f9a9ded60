from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.models import Authenticator
from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

from schools.models import Membership
from schools.sso import MFA_BY_PROVIDER, provider_origins


class LanguageMiddleware:
    """Dutch unless the person chose otherwise: the language switch (cookie) first, then the
    language saved on a logged-in person's profile, then Dutch. The browser's Accept-Language
    is ignored on purpose: most school laptops say English while their users read Dutch.

    Not Django's LocaleMiddleware: that one also reads the language from the path and the
    browser (we use neither) on every request and response, a noticeable part of a phone's
    poll, and tells caches that pages vary with Accept-Language, which ours do not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        available = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in available:
            user = getattr(request, "user", None)
            language = user.language if user is not None and user.is_authenticated else ""
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # The language comes from a cookie (the switch's, or the session's person): a cache
        # must keep the languages apart by the cookies.
        patch_vary_headers(response, ("Cookie",))
        # As Django's: the language the response was made in (set_language may switch it).
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


# What a view can set to change the policy of one response (django-csp's decorators).
_CSP_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


# allauth's pages: the login page, the provider's confirmation page, the connections page.
SIGN_IN_PAGES = "/accounts/"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy from the settings built once. django-csp
    builds the header anew for every response (copying its forty directives, and again for
    the report-only header), an eighth of a phone's poll; without a nonce, a view's own
    policy, a report-only policy or excluded paths the header is the same every time. Any
    of those takes django-csp's own way, unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        super().__init__(get_response)
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self._policy = build_policy()
        self._plain = bool(self._policy) and not (
            config.get("EXCLUDE_URL_PREFIXES")
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        )

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path.startswith(SIGN_IN_PAGES) and not hasattr(response, "_csp_update"):
            # The sign-in buttons' forms lead to the board's providers (schools.sso).
            origins = provider_origins()
            if origins:
                response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        if (
            not self._plain
            or settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _CSP_PER_RESPONSE)
        ):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = self._policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's, with the message store made when a request first adds or reads a message.
    Most requests (a phone's poll, a save) do neither, and making the store (a signer for
    the cookie, the session's part) costs as much as a small view. A store that was never
    used writes nothing back in Django's own middleware either."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        store = getattr(request, "_messages", None)
        if isinstance(store, SimpleLazyObject) and store._wrapped is empty:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)


class IdleTimeoutMiddleware:
    """Log a person out after ``SESSION_IDLE_MINUTES`` without a request. The last activity is
    written to the session at login and then at most once a minute, so busy pages (the focus
    group polls every two seconds) do not write the session on every request."""

    WRITE_EVERY_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_AT)
            if isinstance(seen, int) and now - seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    _("You were logged out after a while without activity. Log in again."),
                )
                return redirect_to_login(request.get_full_path())
            if not isinstance(seen, int) or now - seen >= self.WRITE_EVERY_SECONDS:
                request.session[SEEN_AT] = now
        return self.get_response(request)


SEEN_AT = "seen_at"
NEEDS_TWO_FACTOR = "needs_two_factor"
# Pages a board admin without two-factor authentication can still open: setting it up,
# logging out, and the language switch.
TWO_FACTOR_FREE_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz")


class RequireTwoFactorMiddleware:
    """Board admins see every school of a board side by side: they must use two-factor
    authentication. Until they have set it up, every page sends them to the set-up. Whether
    someone needs it is decided at login and kept in the session (one query per login, not
    per request); only while it is still missing is it checked again on each page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            needed = request.session.get(NEEDS_TWO_FACTOR)
            if needed is None or needed:
                # A board may trust its sign-in provider's two-factor instead (schools.sso).
                needed = needs_two_factor(user) and not request.session.get(MFA_BY_PROVIDER)
                request.session[NEEDS_TWO_FACTOR] = needed
            if needed and not request.path.startswith(TWO_FACTOR_FREE_PREFIXES):
                messages.warning(
                    request,
                    _(
                        "As a board administrator you see the results of several schools. Set "
                        "up two-factor authentication first."
                    ),
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


def needs_two_factor(user: Any) -> bool:
    return (
        user.memberships.filter(role=Membership.Role.BOARD_ADMIN).exists()
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


@receiver(user_logged_in)
def remember_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Start the idle clock and decide about two-factor at login, in the session that login
    writes anyway."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SEEN_AT] = int(time.time())
    request.session[NEEDS_TWO_FACTOR] = needs_two_factor(user)
    # Set again by schools.sso after this, for a sign-in whose two-factor the board trusts.
    request.session.pop(MFA_BY_PROVIDER, None)
