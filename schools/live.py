"""A live session: a beamer that shows it and phones that join it. The focus group
(``focusgroups``) and a practice session (``practice``) are its two kinds; each is a model that
extends ``LiveSession``, and that is all this module needs to know of them (``kinds()`` finds
them in Django's app registry, so nothing has to register and nothing can be forgotten).

What both kinds share lives here, what each shows lives in its own app:

1. **The code.** A typed code and the QR link's token. A code is unique among the open
   sessions of every kind, so one join page finds a session by its code whatever its kind.
2. **Joining.** One address for every phone, ``/doe-mee/`` (the code) and ``/j/<token>/``
   (the QR code), views ``join`` and ``join_token``. The token or code is exchanged for the
   phone's own Django session, which from then on holds the session's id (``held``); wrong
   codes are counted per network address, so guessing the code of a running session is
   throttled while a whole school behind one address can still join.
3. **Polling.** The beamer and the phones ask for their part of the screen every two seconds
   with ``If-None-Match`` set to the session's ``version``; unchanged, the answer is a 304
   without rendering (``presenter_tag``, ``phone_tag``; ``static/js/presenter.js`` does the
   browser's side). Every change bumps the version (``LiveSession.bump``).
4. **The pages around it.** One shell for the beamer (``presenter_page``) and one for a phone
   (``phone_page``), each with the kind's own polled fragment inside; the page a phone sees
   when its session has ended (``session_ended``).
5. **Reveal once, then freeze** what phones sent (``add_unless_revealed``, ``reveal``; the rule
   is in ``surveys.anonymity``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import etag, require_GET, require_http_methods, require_POST

from schools.forms import submitted
from schools.http import no_store
from schools.models import School
from schools.tenancy import get_owned_or_404, school_view

logger = logging.getLogger(__name__)

P = ParamSpec("P")

# ------------------------------------------------------------------ 1. the session and its code

# A live session is joinable for at most this long after it started.
SESSION_HOURS = 12
# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: easy to read from a beamer and to type on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
View = Callable[..., HttpResponse]

# The advisory lock under which a new session takes its code (any number no other lock of ours
# uses: "live" in ASCII). Choosing a code and saving it are one step for every kind together.
CODE_LOCK = 0x6C697665


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class LiveSession(models.Model):
    """What every session on a beamer that phones join has (the focus group, a practice
    session): the QR link's token and the typed code, the phase it is at and its timer, and
    the version that every change bumps and every poll compares (``version_tag``).

    A kind adds an ``active(now)`` QuerySet method and an ``is_active(now)`` method (the
    sessions phones may join) and names the URL namespace of its phone pages, which has a
    ``phone`` page and its polled ``live`` part."""

    phone_namespace: ClassVar[str]

    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # Unique among the open sessions of every kind: chosen under CODE_LOCK (save()), and kept
    # unique per kind by a constraint of that kind as well.
    code = models.CharField(gettext_lazy("code"), max_length=CODE_LENGTH, editable=False)
    current = models.PositiveSmallIntegerField(default=0)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    elapsed_before = models.PositiveIntegerField(default=0)  # seconds run before a pause
    paused = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.code:
            super().save(*args, **kwargs)
            return
        # Two sessions made at the same moment (of one kind or of two) would both see a code
        # free that neither has saved yet; the lock makes the second wait for the first.
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CODE_LOCK])
            code = new_code()
            while code_in_use(code):
                code = new_code()
            self.code = code
            super().save(*args, **kwargs)

    def is_active(self, now: datetime) -> bool:
        """May phones join (and take part) now? Each kind says (with ``active(now)``)."""
        raise NotImplementedError

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

    def move(self, *, back: bool, last: int, now: datetime) -> None:
        """One phase on (or back), within 0 to ``last``; the new phase's timer starts."""
        new = max(0, min(last, self.current + (-1 if back else 1)))
        if new != self.current:
            type(self)._default_manager.filter(pk=self.pk).update(
                current=new, phase_started_at=now, elapsed_before=0, paused=False
            )

    def toggle_timer(self, now: datetime) -> None:
        """Start the phase's timer, or pause it."""
        sessions = type(self)._default_manager.filter(pk=self.pk)
        if self.paused:
            sessions.update(phase_started_at=now, paused=False)
        else:
            sessions.update(elapsed_before=self.elapsed(now), paused=True)

    def close(self, now: datetime) -> None:
        """End the session: phones are sent back to the join page at their next poll."""
        type(self)._default_manager.filter(pk=self.pk, closed_at__isnull=True).update(closed_at=now)
        self.bump()


S = TypeVar("S", bound=LiveSession)


def kinds() -> list[type[LiveSession]]:
    """Every kind of live session: the installed models that extend ``LiveSession``, in the
    order of INSTALLED_APPS."""
    return [model for model in apps.get_models() if issubclass(model, LiveSession)]


def code_in_use(code: str) -> bool:
    """Does an open session of any kind have ``code``?"""
    return any(
        kind._default_manager.filter(code=code, closed_at__isnull=True).exists() for kind in kinds()
    )


# ------------------------------------------------------------------ 2. joining

# Wrong codes allowed per network address in JOIN_WINDOW seconds: a whole school behind one
# address mistypes now and then, but guessing one of 25**6 codes this way is hopeless.
JOIN_FAILURES = 30
JOIN_WINDOW = 600
# A random id of the phone, the same for every session it joins (the focus group's dots).
PHONE_KEY = "live_phone"


class JoinForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code on the screen"), max_length=20)

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper()
        if len(code) != CODE_LENGTH:
            raise ValidationError(_("The code has %(n)s letters and digits.") % {"n": CODE_LENGTH})
        return code


def _failures_key(request: HttpRequest) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return "live-join:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def _count_failure(request: HttpRequest) -> None:
    key = _failures_key(request)
    cache.add(key, 0, JOIN_WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, JOIN_WINDOW)


def _running(now: datetime, **lookup: str) -> LiveSession | None:
    """The running session, of whatever kind, with this token or code (a code is unique
    among open sessions of every kind, so at most one matches)."""
    for kind in kinds():
        session = kind._default_manager.active(now).filter(**lookup).first()  # type: ignore[attr-defined]
        if session is not None:
            return session
    return None


def held_key(kind: type[LiveSession]) -> str:
    """Where a phone's own Django session keeps the id of the session of ``kind`` it joined."""
    return f"live:{kind._meta.label_lower}"


def enter(request: HttpRequest, session: LiveSession) -> HttpResponse:
    """Let this phone in: its Django session holds the live session from now on (with a new
    key, so a link seen over a shoulder does not share it), and it goes to its phone page."""
    key = held_key(type(session))
    if request.session.get(key) != session.pk:
        request.session.cycle_key()
        request.session[key] = session.pk
    if PHONE_KEY not in request.session:
        request.session[PHONE_KEY] = secrets.token_urlsafe(16)
    return redirect(f"{session.phone_namespace}:phone")


@require_GET
def join_token(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's link: exchanged for the phone's session, then out of the address bar."""
    session = _running(timezone.now(), token=token)
    if session is None:
        return render(request, "live/join.html", {"form": JoinForm(), "expired": True}, status=404)
    return enter(request, session)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """The code typed on a phone, for a session of any kind."""
    form = JoinForm(**submitted(request))
    if request.method == "POST" and cache.get(_failures_key(request), 0) >= JOIN_FAILURES:
        form.is_valid()
        form.add_error(
            None, _("Too many wrong codes from this network. Wait ten minutes and try again.")
        )
        return render(request, "live/join.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        session = _running(timezone.now(), code=form.cleaned_data["code"])
        if session is not None:
            return enter(request, session)
        form.add_error(
            "code",
            _("No running session has this code. Check the code on the screen and try again."),
        )
        _count_failure(request)
    return render(request, "live/join.html", {"form": form})


# ------------------------------------------------------------------ 3. polling by version


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


def presenter_tag(sessions: models.QuerySet[Any]) -> Callable[..., str | None]:
    """For ``@etag`` on a presenter's polled view ``(request, school, pk)``."""

    def tag(request: HttpRequest, school: Any, pk: int, *args: Any, **kwargs: Any) -> str | None:
        return school_session_tag(sessions, school, pk)

    return tag


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


def held_session_tag(request: HttpRequest, sessions: models.QuerySet[Any]) -> str | None:
    """The ETag of the running session a phone holds in its own session; ``None`` when it
    holds none or it has ended (the view then says so). From memory or the cache when it
    can, else one small query."""
    pk = request.session.get(held_key(sessions.model))
    if pk is None:
        return None
    version = _version(_state_key(sessions.model, pk), pk, sessions)
    return version_tag(version) if version else None


def phone_tag(sessions: models.QuerySet[Any]) -> Callable[[HttpRequest], str | None]:
    """For ``@etag`` on a phone's polled view."""

    def tag(request: HttpRequest) -> str | None:
        return held_session_tag(request, sessions)

    return tag


# ------------------------------------------------------------------ 4. the pages around it


def held(request: HttpRequest, sessions: models.QuerySet[S]) -> S | None:
    """The running session of this kind that the phone joined, if it still runs."""
    pk = request.session.get(held_key(sessions.model))
    if pk is None:
        return None
    running: models.QuerySet[S] = sessions.active(timezone.now())  # type: ignore[attr-defined]
    return running.filter(pk=pk).first()


def session_ended(request: HttpRequest, kind: type[LiveSession]) -> HttpResponse:
    """The phone's session of ``kind`` has ended: thank, forget it, and go back to the join
    page (an htmx poll is told to redirect)."""
    messages.info(request, _("This session has ended. Thank you for taking part!"))
    request.session.pop(held_key(kind), None)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("join:start")
        return response
    return redirect("join:start")


def phone_view(
    sessions: models.QuerySet[S],
) -> Callable[
    [Callable[Concatenate[HttpRequest, S, P], HttpResponse]], Callable[..., HttpResponse]
]:
    """Decorate a phone's view taking ``(request, session, ...)``: ``session`` is the running
    session of this kind that the phone joined; without one the phone is told it ended."""

    def decorator(
        view: Callable[Concatenate[HttpRequest, S, P], HttpResponse],
    ) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            session = held(request, sessions)
            if session is None:
                return session_ended(request, sessions.model)
            return view(request, session, *args, **kwargs)

        return wrapper

    return decorator


def phone_page(
    request: HttpRequest,
    session: LiveSession,
    *,
    title: str,
    fragment: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A phone's page: the title and the kind's polled ``fragment``, in one shell."""
    return no_store(
        render(
            request,
            "live/phone.html",
            {
                **context,
                "title": title,
                "fragment": fragment,
                "live_url": reverse(f"{session.phone_namespace}:live"),
                "etag": version_tag(session.version),
            },
        )
    )


def qr_svg(url: str) -> str:
    """The QR code of ``url`` for the beamer, as inline SVG."""
    # segno (3 MiB) is loaded by the presenter's screen, not by every web worker.
    import segno

    return str(segno.make(url).svg_inline(scale=8))


def presenter_page(
    request: HttpRequest,
    session: LiveSession,
    *,
    school: Any,
    namespace: str,
    title: str,
    fragment: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The beamer's page: the controls (back, timer, next, close: the views ``step``,
    ``timer`` and ``close`` of the URL namespace ``namespace``), the kind's polled
    ``fragment`` (its view ``live``), and while phones may join the one join address, the
    session's code and its QR link."""
    active = session.is_active(timezone.now())
    link = request.build_absolute_uri(reverse("join:token", args=[session.token]))
    urls = {
        name: reverse(f"{namespace}:{name}", args=[school.slug, session.pk])
        for name in ("step", "timer", "close", "live")
    }
    return no_store(
        render(
            request,
            "live/presenter.html",
            {
                **context,
                "school": school,
                "session": session,
                "urls": urls,
                "title": title,
                "fragment": fragment,
                "etag": version_tag(session.version),
                "active": active,
                "join_url": request.build_absolute_uri(reverse("join:start")),
                "qr": qr_svg(link) if active else "",
            },
        )
    )


def changed(
    request: HttpRequest,
    session: LiveSession,
    *,
    fragment: Callable[[], HttpResponse],
    page: str,
    bump: bool = True,
    notice: str | None = None,
) -> HttpResponse:
    """The answer to a screen that sent something: every poller learns of the change
    (``bump``), and the screen that sent it gets its new part at once (``fragment``, htmx) or,
    as a plain form, goes back to ``page`` with the ``notice``."""
    if bump:
        session.bump()
    session.refresh_from_db()
    if getattr(request, "htmx", False):
        return fragment()
    if notice:
        messages.info(request, notice)
    return redirect(page)


@dataclass(frozen=True)
class Beamer:
    """The presenter's screen of one kind of live session, and its controls that every kind
    shares: the polled part (``fragment``, a template filled by ``context(session, now)``;
    304 while the version is unchanged), moving between steps (up to ``last_step(session)``)
    and the timer. ``sessions`` are the kind's sessions as the screen reads them; ``page`` is
    the URL name of the presenter page (taking the school's slug and the session's pk)."""

    sessions: models.QuerySet[Any]
    fragment: str
    page: str
    context: Callable[[Any, datetime], dict[str, Any]]
    last_step: Callable[[Any], int]

    def session(self, school: School, pk: int) -> Any:
        """The school's session ``pk``, or 404."""
        return get_owned_or_404(self.sessions, school, pk=pk)

    def live(self, request: HttpRequest, school: School, session: LiveSession) -> HttpResponse:
        context = {"school": school, **self.context(session, timezone.now())}
        return render_live(request, self.fragment, context, session.version)

    def after_change(
        self, request: HttpRequest, school: School, session: LiveSession
    ) -> HttpResponse:
        """What the presenter gets after a control it pressed (step, timer, reveal, ...)."""
        return changed(
            request,
            session,
            fragment=lambda: self.live(request, school, session),
            page=reverse(self.page, args=[school.slug, session.pk]),
        )

    def views(self) -> tuple[View, View, View]:
        """The polled part, a step forward or back, and the timer, as views of the school's
        leaders: ``(request, school_slug, pk)``."""

        @school_view(lead=True)
        @require_GET
        @etag(presenter_tag(self.sessions))
        def presenter_live(request: HttpRequest, school: School, pk: int) -> HttpResponse:
            return self.live(request, school, self.session(school, pk))

        @school_view(lead=True)
        @require_POST
        def step(request: HttpRequest, school: School, pk: int) -> HttpResponse:
            session = self.session(school, pk)
            session.move(
                back=request.POST.get("direction") == "prev",
                last=self.last_step(session),
                now=timezone.now(),
            )
            return self.after_change(request, school, session)

        @school_view(lead=True)
        @require_POST
        def timer(request: HttpRequest, school: School, pk: int) -> HttpResponse:
            session = self.session(school, pk)
            session.toggle_timer(timezone.now())
            return self.after_change(request, school, session)

        return presenter_live, step, timer


def remember_now(request: HttpRequest, key: str, value: Any) -> None:
    """Put ``key`` in a phone's session and save it at once, before the live version moves on
    (the session middleware would save it only after the response is built): a poll that
    already sees the new version must also see this, or the phone shows the form it just
    sent until the next change."""
    request.session[key] = value
    request.session.save()
    request.session.modified = False


# ------------------------------------------------------------------ 5. reveal once, then freeze


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
