from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _


class LanguageMiddleware(LocaleMiddleware):
    """Dutch unless the person chose otherwise: the language switch (cookie) first, then the
    language saved on a logged-in person's profile, then Dutch. The browser's Accept-Language
    is ignored on purpose: most school laptops say English while their users read Dutch."""

    def process_request(self, request: HttpRequest) -> None:
        available = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in available:
            user = getattr(request, "user", None)
            language = user.language if user is not None and user.is_authenticated else ""
        if language not in available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


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
                needed = needs_two_factor(user)
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
    from allauth.mfa.models import Authenticator

    from .models import Membership

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
