"""Joining a live session from a phone: the focus group and a practice session both show a QR
link and a short code on the beamer. The link's token or the typed code is exchanged for the
phone's own session; wrong codes are counted per network address, so guessing the code of a
running session is throttled while a whole school behind one address can still join."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.cache import cache
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .forms import submitted

# Wrong codes allowed per network address in JOIN_WINDOW seconds: a whole school behind one
# address mistypes now and then, but guessing one of 25**6 codes this way is hopeless.
JOIN_FAILURES = 30
JOIN_WINDOW = 600

Enter = Callable[[HttpRequest, Any], HttpResponse]


def _failures_key(request: HttpRequest, kind: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return f"{kind}-join:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def _count_failure(request: HttpRequest, kind: str) -> None:
    key = _failures_key(request, kind)
    cache.add(key, 0, JOIN_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, JOIN_WINDOW)


def join_by_token(
    request: HttpRequest,
    token: str,
    *,
    sessions: models.QuerySet[Any],
    form_class: type[forms.Form],
    template: str,
    enter: Enter,
) -> HttpResponse:
    """The QR code's link: exchanged for the phone's session, then out of the address bar."""
    session = sessions.active(timezone.now()).filter(token=token).first()  # type: ignore[attr-defined]
    if session is None:
        return render(request, template, {"form": form_class(), "expired": True}, status=404)
    return enter(request, session)


def join_by_code(
    request: HttpRequest,
    *,
    kind: str,
    sessions: models.QuerySet[Any],
    form_class: type[forms.Form],
    template: str,
    enter: Enter,
) -> HttpResponse:
    """The code typed on a phone. ``kind`` keeps the focus group's and the practice runner's
    failure counts apart."""
    form = form_class(**submitted(request))
    if request.method == "POST" and cache.get(_failures_key(request, kind), 0) >= JOIN_FAILURES:
        form.is_valid()
        form.add_error(
            None, _("Too many wrong codes from this network. Wait ten minutes and try again.")
        )
        return render(request, template, {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        session = (
            sessions.active(timezone.now())  # type: ignore[attr-defined]
            .filter(code=form.cleaned_data["code"])
            .first()
        )
        if session is not None:
            return enter(request, session)
        form.add_error(
            "code",
            _("No running session has this code. Check the code on the screen and try again."),
        )
        _count_failure(request, kind)
    return render(request, template, {"form": form})
