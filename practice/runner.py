"""Running a practice session: the format's steps one by one on the beamer with a countdown,
phones that join without an account and answer a step's question, and after the last step
the two reflection questions.

A live session as the focus group is one (``schools.live``: the one join address, the page
shells, polling by version with 304s, the page of a session that ended); what a practice
session shows (steps, answers, reflections) is here. Phones keep only the session's id in
their own Django session; what they send carries no person and no time.

A step's answers stay off the beamer (only their number shows) until the presenter reveals
them all at once, from the session's threshold on; from then on the step takes no answers, as
the focus group's check-in (``surveys.anonymity``, rule 7): an answer that appears the moment
someone taps Send is that person's answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import etag, require_GET, require_http_methods, require_POST

from schools import live
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view
from surveys.anonymity import may_reveal

from .forms import InputForm, ReflectionForm
from .models import FormatStep, PracticeSession, StepInput

REFLECTED_KEY = "practice_reflected"


def _steps(session: PracticeSession) -> tuple[list[FormatStep], FormatStep | None, bool]:
    """All steps, the current one (None on the reflection), and whether it is the reflection."""
    steps = list(session.format.steps.all())
    if session.current >= len(steps):
        return steps, None, True
    return steps, steps[session.current], False


def presenter_context(session: PracticeSession, now: datetime) -> dict[str, Any]:
    steps, step, reflecting = _steps(session)
    context: dict[str, Any] = {
        "session": session,
        "steps": steps,
        "step": step,
        "reflecting": reflecting,
        "active": session.is_active(now),
    }
    if step is not None:
        context["remaining"] = step.minutes * 60 - session.elapsed(now)
        if step.asks_input():
            context["threshold"] = session.threshold
            context["revealed"] = session.is_revealed(step.order)
            if context["revealed"]:
                context["inputs"] = list(session.inputs.filter(step=step.order, hidden=False))
            else:
                count = session.inputs.filter(step=step.order).count()
                context["input_count"] = count
                context["can_reveal"] = may_reveal(count, session.threshold)
    else:
        # How many answered is a response rate, never what anyone answered.
        context["reflection_count"] = session.reflections.count()
    return context


def _session(school: School, pk: int) -> PracticeSession:
    return get_owned_or_404(
        PracticeSession.objects.select_related("format", "activity"), school, pk=pk
    )


@school_view(lead=True)
@require_POST
def start(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Open the session for phones (again, if it was opened more than a day ago and never
    closed) and go to the beamer screen."""
    session = _session(school, pk)
    now = timezone.now()
    if session.closed_at is None and not session.is_active(now):
        PracticeSession.objects.filter(pk=session.pk).update(
            started_at=now, current=0, phase_started_at=now, elapsed_before=0, paused=False
        )
        session.bump()
    return redirect("practice:presenter", school.slug, session.pk)


@school_view(lead=True)
@require_GET
def presenter(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    session = _session(school, pk)
    return live.presenter_page(
        request,
        session,
        school=school,
        namespace="practice",
        title=f"{session.activity.title} · {session.format.title}",
        fragment="practice/_presenter_live.html",
        context=presenter_context(session, timezone.now()),
    )


_beamer = live.Beamer(
    sessions=PracticeSession.objects.select_related("format", "activity"),
    fragment="practice/_presenter_live.html",
    page="practice:presenter",
    context=presenter_context,
    last_step=lambda session: session.format.steps.count(),
)
presenter_live, step, timer = _beamer.views()


@school_view(lead=True)
@require_POST
def reveal(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Show the current step's answers on the beamer, all at once, and close the step to new
    answers (schools.live.reveal). Below the session's threshold nothing happens: the screen
    already says from how many answers they can be shown."""
    session = _session(school, pk)
    _all, step, _reflecting = _steps(session)
    if step is not None and step.asks_input():
        number = step.order
        live.reveal(
            PracticeSession.objects.all(),
            session.pk,
            revealed=lambda locked: locked.is_revealed(number),
            may_reveal=lambda locked: may_reveal(
                locked.inputs.filter(step=number).count(), locked.threshold
            ),
            show=lambda locked: PracticeSession.objects.filter(pk=locked.pk).update(
                revealed_steps=sorted({*locked.revealed_steps, number})
            ),
        )
    return _beamer.after_change(request, school, session)


@school_view(lead=True)
@require_POST
def hide(request: AuthedRequest, school: School, pk: int, answer: str) -> HttpResponse:
    """Take an answer off the beamer (it stays out of every list)."""
    session = _session(school, pk)
    item: StepInput = get_owned_or_404(StepInput.objects.all(), school, pk=answer, session=session)
    StepInput.objects.filter(pk=item.pk).update(hidden=True)
    return _beamer.after_change(request, school, session)


@school_view(lead=True)
@require_POST
def close(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    session = _session(school, pk)
    session.close(timezone.now())
    messages.success(request, _("The session is closed. Thank you!"))
    return redirect("practice:index", school.slug)


# ------------------------------------------------------------------ the phones (no login)


# The running practice session the phone joined (schools.live.phone_view).
phone_session = live.phone_view(PracticeSession.objects.select_related("format"))


@require_http_methods(["GET", "HEAD", "POST"])
def old_join(request: HttpRequest, token: str = "") -> HttpResponse:
    """``/oefenen/`` and ``/oefen/<token>/``, the practice session's own join addresses of
    before (printed on handouts, or a join page still open on a phone): on to the one join
    address, keeping the method, so a code typed on an old page still arrives."""
    if token:
        return redirect("join:token", token, permanent=True, preserve_request=True)
    return redirect("join:start", permanent=True, preserve_request=True)


def phone_context(request: HttpRequest, session: PracticeSession, **extra: Any) -> dict[str, Any]:
    _all, step, reflecting = _steps(session)
    context: dict[str, Any] = {
        "session": session,
        "step": step,
        "reflecting": reflecting,
        "reflected": request.session.get(REFLECTED_KEY) == session.pk,
        "step_revealed": step is not None and session.is_revealed(step.order),
        "input_form": InputForm(),
        "reflection_form": ReflectionForm(),
    }
    context.update(extra)
    return context


def _phone_live(request: HttpRequest, session: PracticeSession, **extra: Any) -> HttpResponse:
    return live.render_live(
        request,
        "practice/_phone_live.html",
        phone_context(request, session, **extra),
        session.version,
    )


def _phone(request: HttpRequest, session: PracticeSession, **extra: Any) -> HttpResponse:
    return live.phone_page(
        request,
        session,
        title=session.format.title,
        fragment="practice/_phone_live.html",
        context=phone_context(request, session, **extra),
    )


@require_GET
@phone_session
def phone(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    return _phone(request, session)


@require_GET
@etag(live.phone_tag(PracticeSession.objects.all()))
@phone_session
def phone_live(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    return _phone_live(request, session)


def _phone_after(
    request: HttpRequest, session: PracticeSession, *, changed: bool = True, **extra: Any
) -> HttpResponse:
    if not getattr(request, "htmx", False) and (
        "reflection_form" in extra or "input_form" in extra or "late_text" in extra
    ):
        # A bad or late answer without htmx: show the page again with the text typed (and the
        # notice in it).
        if changed:
            session.bump()
        session.refresh_from_db()
        return _phone(request, session, **extra)
    notice = extra.get("notice")
    return live.changed(
        request,
        session,
        fragment=lambda: _phone_live(request, session, **extra),
        page=reverse("practice_phone:phone"),
        bump=changed,
        notice=notice if isinstance(notice, str) else None,
    )


# An answer sent after the step's answers were revealed is not added, now or later, for the
# reason the focus group's check-in gives (focusgroups/views.py): the room would see it appear, and
# keeping it apart until later would let the database tell it from the rest.
LATE_ANSWER = gettext_lazy(
    "The answers to this question are already on the screen, so yours is not added: everyone "
    "would see it appear and know it was yours. You can still say it in the conversation."
)


@require_POST
@phone_session
def phone_input(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    _all, step, _reflecting = _steps(session)
    if step is None or not step.asks_input():
        return _phone_after(
            request, session, changed=False, notice=_("This step takes no answers.")
        )
    form = InputForm(request.POST)
    if not form.is_valid():
        return _phone_after(request, session, changed=False, input_form=form)
    number, text = step.order, form.cleaned_data["text"]
    stored = live.add_unless_revealed(
        PracticeSession.objects.all(),
        session.pk,
        revealed=lambda locked: locked.is_revealed(number),
        add=lambda locked: StepInput.objects.create(session=locked, step=number, text=text),
    )
    if not stored:
        # What was typed is shown back, so it is not lost; it is kept nowhere else.
        return _phone_after(
            request, session, changed=False, notice=str(LATE_ANSWER), late_text=text
        )
    return _phone_after(
        request,
        session,
        notice=_("Sent. The answers appear on the screen together, when the presenter shows them."),
    )


@require_POST
@phone_session
def phone_reflection(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    """The two questions after the session, once per phone."""
    _all, _step, reflecting = _steps(session)
    if not reflecting:
        return _phone_after(request, session, notice=_("The reflection comes after the last step."))
    if request.session.get(REFLECTED_KEY) == session.pk:
        return _phone_after(request, session)
    form = ReflectionForm(request.POST)
    if not form.is_valid():
        return _phone_after(request, session, reflection_form=form)
    form.instance.session = session
    form.save()
    live.remember_now(request, REFLECTED_KEY, session.pk)
    return _phone_after(request, session)
