"""Focus group views: stage three of the cycle (questionnaire → interviews → focus group).

The facilitator (a leader or facilitator of the school) prepares a session for a closed
round and runs it on the beamer (``presenter``). Phones join without logging in at the one
join address of every live session (``schools.live``: by the QR code's token or the short
code), and from then on carry only the session's id and a random phone id in their own Django
session.

What the beamer and the phones share with a practice session (joining, the page shells,
polling by version with 304s, the page of a session that ended) is ``schools.live``; what a
focus group shows (check-in, reactions, dots, agreements) is here.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import etag, require_GET, require_http_methods, require_POST

from focusgroups.forms import AgreementForm, CheckInForm, PrepareForm, ReactionForm
from focusgroups.models import (
    Agreement,
    CheckIn,
    Emotion,
    FocusPhase,
    FocusSession,
    Reaction,
    Vote,
    voter_hash,
)
from schools import live
from schools.forms import submitted
from schools.http import no_store, stored_text
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view
from surveys.anonymity import may_reveal, shown_count
from surveys.models import Round
from surveys.report import RoundReport
from surveys.report import build as build_report

TOP_REACTIONS = 5


CHECKED_IN_KEY = "focus_checked_in"


# ------------------------------------------------------------------ what the screens show


def _phases(session: FocusSession) -> tuple[list[FocusPhase], FocusPhase | None]:
    phases = list(session.phases.select_related("theme"))
    if not phases:
        return phases, None
    return phases, phases[min(session.current, len(phases) - 1)]


def checkin_rows(session: FocusSession) -> list[dict[str, Any]]:
    """Every emotion with its count, or ``None`` (shown as "fewer than N", N being the round's
    threshold) below it. No total is shown next to them. Read only once the check-in is
    frozen, so these figures are the ones the room saw at the reveal."""
    threshold = session.round.threshold
    counts = Counter(CheckIn.objects.filter(session=session).values_list("emotion", flat=True))
    shown = {value: shown_count(counts[value], threshold) for value, _label in Emotion.choices}
    top = max([c for c in shown.values() if c is not None] or [1])
    return [
        {
            "value": value,
            "label": label,
            "count": shown[value],
            "width": round(100 * (shown[value] or 0) / top),
        }
        for value, label in Emotion.choices
    ]


def _reactions(phase: FocusPhase) -> list[Reaction]:
    return list(phase.reactions.annotate(dots=Count("votes")).order_by("group", "-dots", "text"))


def _theme_context(session: FocusSession, phase: FocusPhase, report: RoundReport) -> dict[str, Any]:
    number = phase.theme.number if phase.theme else None
    row = next((r for r in report.themes if (r.theme.number if r.theme else None) == number), None)
    reason = next(
        (
            s.suggestion.signal.reason
            for s in report.suggestions
            if phase.signal_key and s.suggestion.key == phase.signal_key
        ),
        "",
    )
    reactions = _reactions(phase)
    return {
        "theme_row": row,
        "reason": reason,
        "pending": [r for r in reactions if r.status == Reaction.Status.PENDING],
        "shown": [r for r in reactions if r.status == Reaction.Status.SHOWN],
        "hidden_count": sum(r.status == Reaction.Status.HIDDEN for r in reactions),
    }


def presenter_context(session: FocusSession, now: datetime) -> dict[str, Any]:
    phases, phase = _phases(session)
    context: dict[str, Any] = {
        "session": session,
        "phases": phases,
        "phase": phase,
        "active": session.is_active(now),
    }
    if phase is None:
        return context
    context["remaining"] = phase.minutes * 60 - session.elapsed(now)
    if phase.kind == FocusPhase.Kind.CHECKIN:
        context["threshold"] = session.round.threshold
        if session.checkin_revealed:
            context["checkins"] = checkin_rows(session)
        else:
            count = CheckIn.objects.filter(session=session).count()
            context["checkin_count"] = count
            context["can_reveal"] = session.checkin_frozen or may_reveal(
                count, session.round.threshold
            )
    elif phase.kind == FocusPhase.Kind.THEME:
        report = build_report(session.round, now, with_open_answers=False)
        context["report"] = report
        context.update(_theme_context(session, phase, report))
    else:
        context["agreements"] = list(session.agreements.all())
        context["agreement_form"] = AgreementForm()
    return context


# ------------------------------------------------------------------ the facilitator's pages


@school_view(lead=False)
@require_GET
def agreements(request: AuthedRequest, school: School) -> HttpResponse:
    """The team's agreements and collective goals, readable by every teacher of the school."""
    rows = Agreement.objects.for_school(school).select_related("session__round__team")
    return render(request, "focusgroups/agreements.html", {"school": school, "rows": rows})


@school_view(lead=True)
@require_GET
def session_list(request: AuthedRequest, school: School) -> HttpResponse:
    now = timezone.now()
    sessions = FocusSession.objects.for_school(school).select_related("round__team")
    rounds = Round.objects.closed(now).for_school(school).select_related("team", "school")
    return render(
        request,
        "focusgroups/list.html",
        {"school": school, "sessions": sessions, "rounds": rounds, "now": now},
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def prepare(request: AuthedRequest, school: School, round_pk: int) -> HttpResponse:
    """Prepare a session: the agenda (the results' suggestions by default) and time boxes."""
    now = timezone.now()
    round_ = get_owned_or_404(Round.objects.closed(now), school, pk=round_pk)
    report = build_report(round_, now, with_open_answers=False)
    if not report.gate.released:
        messages.error(request, report.gate.message)
        return redirect("focus:list", school_slug=school.slug)
    form = PrepareForm(**submitted(request), round=round_, report=report)
    if request.method == "POST" and form.is_valid():
        session = form.save(request.user)
        return redirect("focus:presenter", school_slug=school.slug, pk=session.pk)
    return render(
        request, "focusgroups/prepare.html", {"school": school, "round": round_, "form": form}
    )


def _session(school: School, pk: int) -> FocusSession:
    return get_owned_or_404(FocusSession.objects.select_related("round"), school, pk=pk)


@school_view(lead=True)
@require_GET
def presenter(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """The beamer screen: full screen, large type; everything lives on the server, so a
    reload shows the same phase, reactions and timer."""
    session = _session(school, pk)
    return live.presenter_page(
        request,
        session,
        school=school,
        namespace="focus",
        title=session.title,
        fragment="focusgroups/_presenter_live.html",
        context={
            "summary_url": reverse("focus:summary", args=[school.slug, session.pk]),
            **presenter_context(session, timezone.now()),
        },
    )


_beamer = live.Beamer(
    sessions=FocusSession.objects.select_related("round"),
    fragment="focusgroups/_presenter_live.html",
    page="focus:presenter",
    context=presenter_context,
    last_step=lambda session: session.phases.count() - 1,
)
presenter_live, step, timer = _beamer.views()


def _reveal_checkin(session: FocusSession) -> bool:
    """Show the check-in's distribution, and freeze it (schools.live.reveal): from the first
    reveal on no check-in is added, so showing it again shows exactly what the room saw. The
    first reveal waits until at least the round's threshold checked in."""
    threshold = session.round.threshold
    return live.reveal(
        FocusSession.objects.all(),
        session.pk,
        revealed=lambda locked: locked.checkin_frozen,
        may_reveal=lambda locked: may_reveal(locked.checkins.count(), threshold),
        show=lambda locked: FocusSession.objects.filter(pk=locked.pk).update(
            checkin_revealed=True, checkin_frozen=True
        ),
    )


@school_view(lead=True)
@require_POST
def reveal(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Show (or hide again) the check-in's distribution on the beamer. Below the threshold
    nothing happens: the screen already says from how many check-ins it can be shown."""
    session = _session(school, pk)
    if session.checkin_revealed:
        FocusSession.objects.filter(pk=session.pk).update(checkin_revealed=False)
    else:
        _reveal_checkin(session)
    return _beamer.after_change(request, school, session)


def _moderation_live(request: HttpRequest, school: School, session: FocusSession) -> HttpResponse:
    _all, phase = _phases(session)
    pending: list[Reaction] = []
    if phase is not None and phase.kind == FocusPhase.Kind.THEME:
        pending = list(phase.reactions.filter(status=Reaction.Status.PENDING))
    return live.render_live(
        request,
        "focusgroups/_moderation_live.html",
        {"school": school, "session": session, "phase": phase, "pending": pending},
        session.version,
    )


@school_view(lead=True)
@require_GET
def moderation(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """The facilitator's own screen (laptop or phone): the reactions waiting to be shown, so
    that nothing appears on the beamer before it was read."""
    session = _session(school, pk)
    return no_store(
        render(
            request,
            "focusgroups/moderation.html",
            {"school": school, "session": session, "etag": live.version_tag(session.version)},
        )
    )


@school_view(lead=True)
@require_GET
@etag(live.presenter_tag(_beamer.sessions))
def moderation_live(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    return _moderation_live(request, school, _session(school, pk))


@school_view(lead=True)
@require_POST
def moderate(request: AuthedRequest, school: School, pk: int, reaction: str) -> HttpResponse:
    """Show a waiting reaction on the beamer, or hold it back."""
    session = _session(school, pk)
    item: Reaction = get_owned_or_404(
        Reaction.objects.all(), school, pk=reaction, phase__session=session
    )
    status = request.POST.get("status")
    if status in (Reaction.Status.SHOWN, Reaction.Status.HIDDEN, Reaction.Status.PENDING):
        Reaction.objects.filter(pk=item.pk).update(status=status)
    if request.POST.get("screen") == "moderation":
        return live.changed(
            request,
            session,
            fragment=lambda: _moderation_live(request, school, session),
            page=reverse("focus:moderation", args=[school.slug, session.pk]),
        )
    return _beamer.after_change(request, school, session)


@school_view(lead=True)
@require_POST
def group(request: AuthedRequest, school: School, pk: int, reaction: str) -> HttpResponse:
    """Put a reaction in a group (a short label); an empty label takes it out again."""
    session = _session(school, pk)
    item: Reaction = get_owned_or_404(
        Reaction.objects.all(), school, pk=reaction, phase__session=session
    )
    label = " ".join(stored_text(request.POST.get("group", "")).split())[:60]
    Reaction.objects.filter(pk=item.pk).update(group=label)
    return _beamer.after_change(request, school, session)


@school_view(lead=True)
@require_POST
def agreement_add(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    session = _session(school, pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        form.instance.session = session
        form.save()
        return _beamer.after_change(request, school, session)
    context = presenter_context(session, timezone.now())
    context.update(school=school, agreement_form=form)
    if getattr(request, "htmx", False):
        return live.render_live(
            request, "focusgroups/_presenter_live.html", context, session.version
        )
    messages.error(request, _("The agreement was not saved; see the form."))
    return redirect("focus:presenter", school_slug=school.slug, pk=session.pk)


@school_view(lead=True)
@require_POST
def close(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    session = _session(school, pk)
    session.close(timezone.now())
    return redirect("focus:summary", school_slug=school.slug, pk=session.pk)


@school_view(lead=True)
@require_GET
def summary(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Afterwards: agreements, goals and the most-voted reactions per topic, printable."""
    session = _session(school, pk)
    topics = []
    for phase in session.phases.filter(kind=FocusPhase.Kind.THEME).select_related("theme"):
        top = (
            phase.reactions.filter(status=Reaction.Status.SHOWN)
            .annotate(dots=Count("votes"))
            .order_by("-dots", "text")[:TOP_REACTIONS]
        )
        topics.append({"phase": phase, "reactions": list(top)})
    rows = list(session.agreements.all())
    return no_store(
        render(
            request,
            "focusgroups/summary.html",
            {
                "school": school,
                "session": session,
                "topics": topics,
                "agreements": [a for a in rows if a.kind == Agreement.Kind.AGREEMENT],
                "goals": [a for a in rows if a.kind == Agreement.Kind.GOAL],
            },
        )
    )


# ------------------------------------------------------------------ the phones (no login)


# The running focus session the phone joined (schools.live.phone_view).
phone_session = live.phone_view(FocusSession.objects.all())


def phone_context(request: HttpRequest, session: FocusSession) -> dict[str, Any]:
    _all, phase = _phases(session)
    context: dict[str, Any] = {
        "session": session,
        "phase": phase,
        "checked_in": request.session.get(CHECKED_IN_KEY) == session.pk,
        "checkin_frozen": session.checkin_frozen,
        "checkin_form": CheckInForm(),
        "reaction_form": ReactionForm(),
    }
    if phase is not None and phase.kind == FocusPhase.Kind.THEME:
        mine = voter_hash(request.session.get(live.PHONE_KEY, ""))
        # By text: a GROUP BY query drops Meta.ordering, and the table's own order is the
        # order of arrival.
        context["shown"] = list(
            phase.reactions.filter(status=Reaction.Status.SHOWN)
            .annotate(voted=Count("votes", filter=Q(votes__voter=mine)))
            .order_by("text")
        )
    if phase is not None and phase.kind == FocusPhase.Kind.AGREEMENTS:
        context["agreements"] = list(session.agreements.all())
    return context


def _phone_live(request: HttpRequest, session: FocusSession, **extra: Any) -> HttpResponse:
    return live.render_live(
        request,
        "focusgroups/_phone_live.html",
        {**phone_context(request, session), **extra},
        session.version,
    )


@require_GET
@phone_session
def phone(request: HttpRequest, session: FocusSession) -> HttpResponse:
    return live.phone_page(
        request,
        session,
        title=session.title,
        fragment="focusgroups/_phone_live.html",
        context=phone_context(request, session),
    )


@require_GET
@etag(live.phone_tag(FocusSession.objects.all()))
@phone_session
def phone_live(request: HttpRequest, session: FocusSession) -> HttpResponse:
    """The phone's polled part; 304 while nothing changed. A phone that lost its connection
    simply polls again and catches up."""
    return _phone_live(request, session)


def _phone_after(
    request: HttpRequest, session: FocusSession, *, changed: bool = True, notice: str = ""
) -> HttpResponse:
    return live.changed(
        request,
        session,
        fragment=lambda: _phone_live(request, session, notice=notice),
        page=reverse("focus_phone:phone"),
        bump=changed,
        notice=notice,
    )


# A check-in that arrives after the reveal is not counted at all, not even at a later reveal.
# Counting it "at the next reveal" would mean keeping it apart from the figures already shown
# until enough others arrived: anyone with the database could then subtract the two and read
# what the latecomers chose, and the room would still see a change the moment the group was
# added. Frozen figures and a friendly word to the phone keep the promise without exceptions.
LATE_CHECKIN = gettext_lazy(
    "The check-in is already on the screen, so yours is not added: the room would see the "
    "figures change and know what you chose. Welcome, join the conversation!"
)


@require_POST
@phone_session
def phone_checkin(request: HttpRequest, session: FocusSession) -> HttpResponse:
    form = CheckInForm(request.POST)
    _all, phase = _phases(session)
    if phase is None or phase.kind != FocusPhase.Kind.CHECKIN:
        return _phone_after(
            request, session, changed=False, notice=_("This part takes no check-in.")
        )
    if request.session.get(CHECKED_IN_KEY) == session.pk:
        return _phone_after(request, session, changed=False)
    if not form.is_valid():
        return _phone_after(
            request, session, changed=False, notice=_("Choose one of the feelings on the buttons.")
        )
    emotion = form.cleaned_data["emotion"]
    stored = live.add_unless_revealed(
        FocusSession.objects.all(),
        session.pk,
        revealed=lambda locked: locked.checkin_frozen,
        add=lambda locked: CheckIn.objects.create(session=locked, emotion=emotion),
    )
    if not stored:
        return _phone_after(request, session, changed=False, notice=str(LATE_CHECKIN))
    live.remember_now(request, CHECKED_IN_KEY, session.pk)
    return _phone_after(request, session)


@require_POST
@phone_session
def phone_reaction(request: HttpRequest, session: FocusSession) -> HttpResponse:
    form = ReactionForm(request.POST)
    _all, phase = _phases(session)
    if phase is None or phase.kind != FocusPhase.Kind.THEME:
        return _phone_after(request, session, notice=_("This part takes no reactions."))
    if not form.is_valid():
        return _phone_after(
            request, session, notice=_("Write a reaction of at most 280 characters.")
        )
    Reaction.objects.create(phase=phase, text=form.cleaned_data["text"].strip())
    return _phone_after(request, session, notice=_("Sent. The facilitator shows it on the screen."))


@require_POST
@phone_session
def phone_vote(request: HttpRequest, session: FocusSession, pk: str) -> HttpResponse:
    """One dot per reaction per phone; a second tap takes the dot back."""
    reaction = Reaction.objects.filter(
        pk=pk, phase__session=session, status=Reaction.Status.SHOWN
    ).first()
    if reaction is None:
        raise Http404
    phone_id = request.session.get(live.PHONE_KEY)
    if not phone_id:
        raise Http404
    voter = voter_hash(phone_id)
    with transaction.atomic():
        deleted, _rows = Vote.objects.filter(reaction=reaction, voter=voter).delete()
        if not deleted:
            try:
                with transaction.atomic():
                    Vote.objects.create(reaction=reaction, voter=voter)
            except IntegrityError:
                pass
    return _phone_after(request, session)
