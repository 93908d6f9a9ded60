"""Joining a live session from a phone: the focus group and a practice session both show a QR
link and a short code on the beamer. The link's token or the typed code is exchanged for the
phone's own session; wrong codes are counted per network address, so guessing the code of a
running session is throttled while a whole school behind one address can still join.

Both also reveal what phones sent all at once and freeze it from then on
(``add_unless_revealed``, ``reveal``; the rule is in ``surveys.anonymity``)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from schools.forms import submitted
from schools.http import no_store

# Wrong codes allowed per network address in JOIN_WINDOW seconds: a whole school behind one
# address mistypes now and then, but guessing one of 25**6 codes this way is hopeless.
JOIN_FAILURES = 30
JOIN_WINDOW = 600

logger = logging.getLogger(__name__)

Enter = Callable[[HttpRequest, Any], HttpResponse]

# A live session is joinable for at most this long after it started.
SESSION_HOURS = 12
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: easy to read from a beamer and to type on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class LiveSession(models.Model):
    """What every session on a beamer that phones join has (the focus group, a practice
    session): the QR link's token and the typed code, the phase it is at and its timer, and
    the version that every change bumps and every poll compares (``version_tag``)."""

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Unique among the open sessions of each kind, by a constraint of that kind.
    code = models.CharField(_lazy("code"), max_length=CODE_LENGTH, editable=False)
    current = models.PositiveSmallIntegerField(default=0)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    elapsed_before = models.PositiveIntegerField(default=0)  # seconds run before a pause
    paused = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.code:
            sessions = type(self)._default_manager
            code = new_code()
            while sessions.filter(code=code, closed_at__isnull=True).exists():
                code = new_code()
            self.code = code
        super().save(*args, **kwargs)

    def bump(self) -> None:
        """Tell every poller that something changed."""
        type(self)._default_manager.filter(pk=self.pk).update(version=F("version") + 1)
        forget_state(self)

    def elapsed(self, now: datetime) -> int:
        """Seconds the current phase's timer has run."""
        running = 0
        if not self.paused and self.phase_started_at is not None:
            running = int((now - self.phase_started_at).total_seconds())
        return self.elapsed_before + max(running, 0)


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


def qr_svg(url: str) -> str:
    """The QR code of ``url`` for the beamer, as inline SVG."""
    # segno (3 MiB) is loaded by the presenter's screen, not by every web worker.
    import segno

    return str(segno.make(url).svg_inline(scale=8))


def version_tag(version: int) -> str:
    """The ETag of a live screen: the session's version, per language (the words differ)."""
    return f"{version}-{translation.get_language()}"


def render_live(
    request: HttpRequest, template: str, context: dict[str, Any], version: int
) -> HttpResponse:
    """A polled part of a live screen: tagged with the session's version, never cached."""
    response = render(request, template, context)
    response["ETag"] = f'"{version_tag(version)}"'
    return no_store(response)


def school_session_tag(sessions: models.QuerySet[Any], school: Any, pk: int) -> str | None:
    """The ETag of the school's session ``pk`` for the presenter's screen, in one small
    query; ``None`` when the school has no such session (the view then answers 404)."""
    version = (
        sessions.for_school(school)  # type: ignore[attr-defined]
        .filter(pk=pk)
        .values_list("version", flat=True)
        .first()
    )
    return None if version is None else version_tag(version)


# A phone polls every two seconds and 30 phones poll the same session, so the session's
# version is read from memory or the cache, not the database, for at most this long: first
# from this worker's own memory, then from Redis. ``bump()`` forgets it at once in Redis and
# in the worker that made the change; another worker may answer from its memory for up to
# this long, and a race between a poll and a change leaves no more behind.
LIVE_STATE_SECONDS = 1
_remembered: dict[str, tuple[float, int]] = {}  # key -> (until, version), this worker only


def forget_remembered() -> None:
    """Forget every version this worker remembers (a test starts without them)."""
    _remembered.clear()


def _state_key(model: type[models.Model], pk: object) -> str:
    return f"live:{model._meta.label_lower}:{pk}"


def forget_state(session: models.Model) -> None:
    """Called by a session's ``bump()``: the next poll reads the new version."""
    key = _state_key(type(session), session.pk)
    _remembered.pop(key, None)
    try:
        cache.delete(key)
    except Exception:  # without the cache the poll asks the database
        logger.warning("live: cache unavailable, version not forgotten", exc_info=True)


def _version(key: str, pk: object, sessions: models.QuerySet[Any]) -> int:
    now = time.monotonic()
    remembered = _remembered.get(key)
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    try:
        version = cache.get(key)
    except Exception:
        version = None
    if version is None:
        version = (
            sessions.active(timezone.now())  # type: ignore[attr-defined]
            .filter(pk=pk)
            .values_list("version", flat=True)
            .first()
        ) or 0  # 0: no running session
        try:
            cache.set(key, version, LIVE_STATE_SECONDS)
        except Exception:
            logger.warning("live: cache unavailable", exc_info=True)
    if len(_remembered) > 1000:  # sessions end; forget the lot now and then
        _remembered.clear()
    _remembered[key] = (now + LIVE_STATE_SECONDS, version)
    return int(version)


def held_session_tag(
    request: HttpRequest, session_key: str, sessions: models.QuerySet[Any]
) -> str | None:
    """The ETag of the running session a phone holds in its own session; ``None`` when it
    holds none or it has ended (the view then says so). From memory or the cache when it
    can, else one small query."""
    pk = request.session.get(session_key)
    if pk is None:
        return None
    version = _version(_state_key(sessions.model, pk), pk, sessions)
    return version_tag(version) if version else None


def session_ended(request: HttpRequest, session_key: str, join_url_name: str) -> HttpResponse:
    """The phone's session has ended: thank, forget it, and go back to the join page (an htmx
    poll is told to redirect)."""
    messages.info(request, _("This session has ended. Thank you for taking part!"))
    request.session.pop(session_key, None)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(join_url_name)
        return response
    return redirect(join_url_name)


def remember_now(request: HttpRequest, key: str, value: Any) -> None:
    """Put ``key`` in a phone's session and save it at once, before the live version moves on
    (the session middleware would save it only after the response is built): a poll that
    already sees the new version must also see this, or the phone shows the form it just
    sent until the next change."""
    request.session[key] = value
    request.session.save()
    request.session.modified = False


# ------------------------------------------------------------------ reveal once, then freeze


def add_unless_revealed(
    sessions: models.QuerySet[Any],
    pk: object,
    *,
    revealed: Callable[[Any], bool],
    add: Callable[[Any], object],
) -> bool:
    """Store a phone's input (``add(session)``) unless what it would join is already revealed
    on the beamer; returns whether it was stored (surveys.anonymity, rule 7).

    The session's row stays locked from the check to the insert, and ``reveal`` takes the same
    lock, so an input is either counted before a reveal or refused after it: it is never added
    to figures the room has already seen. A refused input is kept nowhere, not even apart: a
    late contribution stored next to what was shown would let anyone with the database
    subtract the one from the other and read what the latecomer chose."""
    with transaction.atomic():
        session = sessions.select_for_update().filter(pk=pk).first()
        if session is None or revealed(session):
            return False
        add(session)
        return True


def reveal(
    sessions: models.QuerySet[Any],
    pk: object,
    *,
    revealed: Callable[[Any], bool],
    may_reveal: Callable[[Any], bool],
    show: Callable[[Any], object],
) -> bool:
    """Show phones' input on the beamer (``show(session)`` records it, and freezes it); returns
    whether it is shown. Input that was revealed before is shown again exactly as it was: it
    has not changed since. Otherwise ``may_reveal(session)`` decides (the threshold, counted
    inside the same lock as ``add_unless_revealed``, so the count decided on is the count the
    room will see)."""
    with transaction.atomic():
        session = sessions.select_for_update().filter(pk=pk).first()
        if session is None or not (revealed(session) or may_reveal(session)):
            return False
        show(session)
        return True
