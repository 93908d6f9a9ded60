"""Running a practice session: the format's steps one by one on the beamer with a countdown,
phones that join without an account and answer a step's question, and after the last step
the two reflection questions.

The same pattern as the focus group (``surveys/focus.py``): the presenter and the phones poll
every 2 seconds with ``If-None-Match`` set to the session's ``version``; unchanged state
answers 304 without rendering (``static/js/presenter.js`` does the client side). Phones keep
only the session's id in their own Django session; what they send carries no person and no
time.

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
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import etag, require_GET, require_http_methods, require_POST

from focusgroups.forms import JoinForm
from schools import live
from schools.http import no_store
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view
from surveys.anonymity import may_reveal

from .forms import InputForm, ReflectionForm
from .models import FormatStep, PracticeSession, StepInput

SESSION_KEY = "practice_session"
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
        "etag": live.version_tag(session.version),
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
    now = timezone.now()
    session = _session(school, pk)
    context = presenter_context(session, now)
    join_url = request.build_absolute_uri(reverse("practice_join:token", args=[session.token]))
    context.update(
        school=school,
        join_url=request.build_absolute_uri(reverse("practice_join:start")),
        qr=live.qr_svg(join_url) if context["active"] else "",
    )
    return no_store(render(request, "practice/presenter.html", context))


def _presenter_etag(request: HttpRequest, school: School, pk: int) -> str | None:
    return live.school_session_tag(PracticeSession.objects.all(), school, pk)


def _live(request: HttpRequest, school: School, session: PracticeSession) -> HttpResponse:
    return live.render_live(
        request,
        "practice/_presenter_live.html",
        {"school": school, **presenter_context(session, timezone.now())},
        session.version,
    )


@school_view(lead=True)
@require_GET
@etag(_presenter_etag)
def presenter_live(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    return _live(request, school, _session(school, pk))


def _after_change(request: HttpRequest, school: School, session: PracticeSession) -> HttpResponse:
    session.bump()
    session.refresh_from_db()
    if getattr(request, "htmx", False):
        return _live(request, school, session)
    return redirect("practice:presenter", school.slug, session.pk)


@school_view(lead=True)
@require_POST
def step(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Next or previous step; one past the last step is the reflection."""
    session = _session(school, pk)
    count = session.format.steps.count()
    delta = -1 if request.POST.get("direction") == "prev" else 1
    new = max(0, min(count, session.current + delta))
    if new != session.current:
        PracticeSession.objects.filter(pk=session.pk).update(
            current=new, phase_started_at=timezone.now(), elapsed_before=0, paused=False
        )
    return _after_change(request, school, session)


@school_view(lead=True)
@require_POST
def timer(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    now = timezone.now()
    session = _session(school, pk)
    if session.paused:
        PracticeSession.objects.filter(pk=session.pk).update(phase_started_at=now, paused=False)
    else:
        PracticeSession.objects.filter(pk=session.pk).update(
            elapsed_before=session.elapsed(now), paused=True
        )
    return _after_change(request, school, session)


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
    return _after_change(request, school, session)


@school_view(lead=True)
@require_POST
def hide(request: AuthedRequest, school: School, pk: int, answer: str) -> HttpResponse:
    """Take an answer off the beamer (it stays out of every list)."""
    session = _session(school, pk)
    item: StepInput = get_owned_or_404(StepInput.objects.all(), school, pk=answer, session=session)
    StepInput.objects.filter(pk=item.pk).update(hidden=True)
    return _after_change(request, school, session)


@school_view(lead=True)
@require_POST
def close(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    session = _session(school, pk)
    PracticeSession.objects.filter(pk=session.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    session.bump()
    messages.success(request, _("The session is closed. Thank you!"))
    return redirect("practice:index", school.slug)


# ------------------------------------------------------------------ the phones (no login)


def _enter(request: HttpRequest, session: PracticeSession) -> HttpResponse:
    if request.session.get(SESSION_KEY) != session.pk:
        request.session.cycle_key()
        request.session[SESSION_KEY] = session.pk
        request.session.pop(REFLECTED_KEY, None)
    return redirect("practice_join:phone")


def _phone_session(request: HttpRequest) -> PracticeSession | None:
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    return (
        PracticeSession.objects.active(timezone.now())
        .select_related("format")
        .filter(pk=pk)
        .first()
    )


@require_GET
def join_token(request: HttpRequest, token: str) -> HttpResponse:
    return live.join_by_token(
        request,
        token,
        sessions=PracticeSession.objects.all(),
        form_class=JoinForm,
        template="practice/join.html",
        enter=_enter,
    )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    return live.join_by_code(
        request,
        kind="practice",
        sessions=PracticeSession.objects.all(),
        form_class=JoinForm,
        template="practice/join.html",
        enter=_enter,
    )


def phone_context(request: HttpRequest, session: PracticeSession, **extra: Any) -> dict[str, Any]:
    _all, step, reflecting = _steps(session)
    context: dict[str, Any] = {
        "session": session,
        "step": step,
        "reflecting": reflecting,
        "etag": live.version_tag(session.version),
        "reflected": request.session.get(REFLECTED_KEY) == session.pk,
        "step_revealed": step is not None and session.is_revealed(step.order),
        "input_form": InputForm(),
        "reflection_form": ReflectionForm(),
    }
    context.update(extra)
    return context


def _gone(request: HttpRequest) -> HttpResponse:
    return live.session_ended(request, SESSION_KEY, "practice_join:start")


def _phone_live(request: HttpRequest, session: PracticeSession, **extra: Any) -> HttpResponse:
    return live.render_live(
        request,
        "practice/_phone_live.html",
        phone_context(request, session, **extra),
        session.version,
    )


@require_GET
def phone(request: HttpRequest) -> HttpResponse:
    session = _phone_session(request)
    if session is None:
        return _gone(request)
    return no_store(render(request, "practice/phone.html", phone_context(request, session)))


def _phone_etag(request: HttpRequest) -> str | None:
    return live.held_session_tag(request, SESSION_KEY, PracticeSession.objects.all())


@require_GET
@etag(_phone_etag)
def phone_live(request: HttpRequest) -> HttpResponse:
    session = _phone_session(request)
    if session is None:
        return _gone(request)
    return _phone_live(request, session)


def _phone_after(
    request: HttpRequest, session: PracticeSession, *, changed: bool = True, **extra: Any
) -> HttpResponse:
    if changed:
        session.bump()
    session.refresh_from_db()
    if getattr(request, "htmx", False):
        return _phone_live(request, session, **extra)
    if "reflection_form" in extra or "input_form" in extra or "late_text" in extra:
        # A bad or late answer without htmx: show the page again with the text typed (and the
        # notice in it).
        return no_store(
            render(request, "practice/phone.html", phone_context(request, session, **extra))
        )
    notice = extra.get("notice")
    if isinstance(notice, str):
        messages.info(request, notice)
    return redirect("practice_join:phone")


# An answer sent after the step's answers were revealed is not added, now or later, for the
# reason the focus group's check-in gives (surveys/focus.py): the room would see it appear, and
# keeping it apart until later would let the database tell it from the rest.
LATE_ANSWER = gettext_lazy(
    "The answers to this question are already on the screen, so yours is not added: everyone "
    "would see it appear and know it was yours. You can still say it in the conversation."
)


@require_POST
def phone_input(request: HttpRequest) -> HttpResponse:
    session = _phone_session(request)
    if session is None:
        return _gone(request)
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
def phone_reflection(request: HttpRequest) -> HttpResponse:
    """The two questions after the session, once per phone."""
    session = _phone_session(request)
    if session is None:
        return _gone(request)
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
