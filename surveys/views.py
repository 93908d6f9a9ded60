from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.emails import templated_email
from schools.forms import submitted
from schools.http import no_store, whole_number
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, pk_or_404, school_view
from surveys.anonymity import round_gate, turnout
from surveys.exports import NotReleased, report_csv, report_xlsx
from surveys.forms import CloseForm, ExtendForm, RoundForm
from surveys.models import (
    DONT_KNOW,
    SCALE_MAX,
    Draft,
    Invitation,
    Item,
    LeaderAnswer,
    OpenQuestion,
    Round,
    SuggestionChoice,
    frozen_content,
    sizes_of,
)
from surveys.report import build as build_report
from surveys.sealing import Answers, clean_text
from surveys.services import (
    SubmitError,
    invitation_for_token,
    queue_resend,
    round_open,
    submit_answers,
)
from surveys.tasks import tally_closed_rounds

SESSION_KEY = "answering_invitation"

# ---------------------------------------------------------------- the leader's pages


@school_view(lead=True)
@require_GET
def round_list(request: HttpRequest, school: School) -> HttpResponse:
    now = timezone.now()
    rounds = [
        (round_, turnout(round_, invited=round_.invited))
        for round_ in Round.objects.for_school(school)
        .select_related("team", "version")
        .annotate(invited=Count("invitations"))
        .order_by("-opens_at")
    ]
    return render(
        request, "surveys/round_list.html", {"school": school, "rounds": rounds, "now": now}
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def round_new(request: AuthedRequest, school: School) -> HttpResponse:
    now = timezone.now()
    form = RoundForm(**submitted(request), school=school, now=now)
    if request.method == "POST":
        with transaction.atomic():
            _one_change_at_a_time(school)
            if form.is_valid():
                data = form.cleaned_data
                round_ = round_open(
                    school=school,
                    team=data["team"],
                    template=data["template"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    threshold=data["threshold"],
                    open_threshold=data["open_threshold"],
                    created_by=request.user,
                    now=now,
                )
                messages.success(request, _("The round was created."))
                return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)
    return render(request, "surveys/round_new.html", {"school": school, "form": form})


def _one_change_at_a_time(school: School) -> None:
    """Hold the school's row until the transaction ends, so that of two leaders creating or
    extending rounds at the same moment, the second one's subtraction check
    (``anonymity.subtraction_risk_for``) sees the first one's round."""
    School.objects.select_for_update().filter(pk=school.pk).values_list("pk").first()


def _round(school: School, pk: int) -> Round:
    return get_owned_or_404(
        Round.objects.select_related("team", "version", "school"), school, pk=pk
    )


@school_view(lead=True)
@require_GET
def round_detail(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    round_ = _round(school, pk)
    now = timezone.now()
    gate = round_gate(round_, now)
    return render(
        request,
        "surveys/round_detail.html",
        {
            "school": school,
            "round": round_,
            "status": round_.status(now),
            "turnout": turnout(round_, gate=gate),
            "extend_form": ExtendForm(round=round_, now=now),
            "audience": round_.invitations.select_related("user").order_by("user__full_name"),
            "gate": gate,
        },
    )


@school_view(lead=True)
@require_GET
def round_results(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    round_ = _round(school, pk)
    report = build_report(round_, timezone.now())
    response = render(
        request,
        "surveys/results.html",
        {"school": school, "round": round_, "report": report, "turnout": turnout(round_)},
    )
    return no_store(response)


@school_view(lead=True)
@require_GET
def round_export(request: HttpRequest, school: School, pk: int, fmt: str) -> HttpResponse:
    """The released aggregates as CSV (for any spreadsheet) or Excel; refused, with the same
    message as the results page, while the anonymity rules hold them back."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    round_ = _round(school, pk)
    report = build_report(round_, timezone.now(), with_open_answers=False)
    name = f"dialoog-{school.slug}-{round_.closes_at:%Y-%m-%d}"
    try:
        if fmt == "csv":
            # The BOM makes Excel read the file as UTF-8 (ë, é in Dutch names and texts).
            response = HttpResponse(
                "\ufeff" + report_csv(report), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        else:
            response = HttpResponse(report_xlsx(report), content_type=XLSX)
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    except NotReleased as refused:
        messages.error(request, str(refused))
        return redirect("rounds:results", school_slug=school.slug, pk=round_.pk)
    return no_store(response)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@school_view(lead=True)
@require_POST
def suggestion_choose(request: AuthedRequest, school: School, pk: int, key: str) -> HttpResponse:
    """Mark a suggestion chosen or "not now" (posting the same status again clears it)."""
    round_ = _round(school, pk)
    status = request.POST.get("status", "")
    if status not in SuggestionChoice.Status.values:
        return HttpResponse(_("Unknown choice."), status=400)
    report = build_report(round_, timezone.now(), with_open_answers=False)
    row = next((r for r in report.suggestions if r.suggestion.key == key), None)
    if row is None:
        raise Http404
    current = SuggestionChoice.objects.filter(round=round_, key=key).first()
    if current is not None and current.status == status:
        current.delete()
        row.status = None
    else:
        SuggestionChoice.objects.update_or_create(
            round=round_, key=key, defaults={"status": status, "decided_by": request.user}
        )
        row.status = status
    if request.htmx:
        return render(
            request,
            "surveys/results.html#suggestion",
            {"school": school, "round": round_, "row": row},
        )
    return redirect(
        reverse("rounds:results", kwargs={"school_slug": school.slug, "pk": round_.pk})
        + f"#suggestion-{key}"
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def round_close(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    """Closing before the closing moment, after a confirmation that says how many answered
    (as the leader may see it) and what closing below the threshold means."""
    round_ = _round(school, pk)
    now = timezone.now()
    if not round_.is_open(now):
        messages.error(request, _("Only an open round can be closed."))
        return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)
    form = CloseForm(**submitted(request))
    if request.method == "POST" and form.is_valid():
        Round.objects.filter(pk=round_.pk).update(closes_at=now)
        # Open the ballot box and count now rather than at the next beat.
        tally_closed_rounds.delay_on_commit([round_.pk])
        messages.success(request, _("The round is closed."))
        return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)
    shown = turnout(round_)
    return render(
        request,
        "surveys/round_close.html",
        {"school": school, "round": round_, "form": form, "turnout": shown},
        status=400 if form.is_bound else 200,
    )


@school_view(lead=True)
@require_POST
def round_extend(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    round_ = _round(school, pk)
    now = timezone.now()
    form = ExtendForm(**submitted(request), round=round_, now=now)
    with transaction.atomic():
        _one_change_at_a_time(school)
        if valid := form.is_valid():
            # A reopened round (never released) is counted again once it closes.
            Round.objects.filter(pk=round_.pk).update(
                closes_at=form.cleaned_data["closes_at"], tallied_at=None
            )
    if valid:
        messages.success(request, _("The closing moment was changed."))
    else:
        for error in form.errors.get("closes_at", []):
            messages.error(request, str(error))
    return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)


@school_view(lead=True)
@require_POST
def round_remind(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    """Send a new link to everyone who has not finished. The leader learns no names."""
    round_ = _round(school, pk)
    if not round_.is_open(timezone.now()):
        messages.error(request, _("Reminders can only be sent while the round is open."))
    else:
        for invitation in round_.invitations.filter(done=False):
            queue_resend(invitation)
        messages.success(
            request, _("Everyone who has not finished yet gets a reminder with a new link.")
        )
    return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)


@school_view(lead=True)
@require_POST
def round_resend(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    """A teacher lost the e-mail: a new link, unless they already answered, which the leader
    is not told either way."""
    round_ = _round(school, pk)
    invitation = get_owned_or_404(
        Invitation.objects.select_related("user"),
        school,
        round=round_,
        pk=pk_or_404(request.POST.get("invitation")),
    )
    if not round_.is_open(timezone.now()):
        messages.error(request, _("Links can only be sent while the round is open."))
    else:
        queue_resend(invitation)
        messages.success(
            request,
            _("If %(name)s has not answered yet, a new link is on its way.")
            % {"name": invitation.user},
        )
    return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def round_leader_view(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    """The leader answers the same statements as "how I think my team sees it"."""
    round_ = _round(school, pk)
    items = list(round_.version.items.select_related("theme"))
    saved = dict(LeaderAnswer.objects.filter(round=round_).values_list("item_id", "value"))
    # A saved "don't know" is stored as empty; show it as the "don't know" choice again.
    values: dict[int, Any] = {
        item.pk: (DONT_KNOW if saved[item.pk] is None else saved[item.pk])
        for item in items
        if item.pk in saved
    }
    errors: dict[int, str] = {}
    if request.method == "POST":
        posted, errors = _read_values(request.POST, items)
        values.update(posted)
        missing = [item for item in items if item.pk not in posted]
        for item in missing:
            errors[item.pk] = _("Choose an answer.")
        if not errors:
            with transaction.atomic():
                LeaderAnswer.objects.filter(round=round_).delete()
                LeaderAnswer.objects.bulk_create(
                    LeaderAnswer(
                        round=round_,
                        item=item,
                        value=None if posted[item.pk] == DONT_KNOW else posted[item.pk],
                    )
                    for item in items
                )
                Round.objects.filter(pk=round_.pk).update(leader_done=True)
            messages.success(request, _("Your view was saved."))
            return redirect("rounds:round", school_slug=school.slug, pk=round_.pk)
    return render(
        request,
        "surveys/leader_view.html",
        {
            "school": school,
            "round": round_,
            "groups": _group(items),
            "values": values,
            "errors": errors,
            "scale": _scale(),
        },
    )


# ---------------------------------------------------------------- answering (teachers)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    items: list[Item]

    @property
    def shows_texts(self) -> bool:
        """The open answers are shown on their own step and in the review only."""
        return self.key in ("open", "review")


def _scale() -> list[tuple[int, str]]:
    return [
        (1, _("Strongly disagree")),
        (2, _("Disagree")),
        (3, _("Neither agree nor disagree")),
        (4, _("Agree")),
        (5, _("Strongly agree")),
        (DONT_KNOW, _("Don't know")),
    ]


def _group(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """The statements by theme, in order, under the theme's name (looked up once per theme:
    every step page and save asks this)."""
    groups: dict[int | None, list[Item]] = {}
    for item in items:
        groups.setdefault(item.theme_id, []).append(item)
    return [
        (group[0].theme.name if group[0].theme else _("How we talk with each other"), group)
        for group in groups.values()
    ]


def _items(round_: Round) -> list[Item]:
    # A version never changes: its statements and questions are read once per process.
    return frozen_content(round_.version_id, round_.version.fingerprint)[0]


def _questions(round_: Round) -> dict[str, OpenQuestion]:
    return frozen_content(round_.version_id, round_.version.fingerprint)[1]


def _steps(round_: Round) -> list[Step]:
    items = _items(round_)
    steps = [
        Step(key=f"t{number}", title=title, items=group)
        for number, (title, group) in enumerate(_group(items), start=1)
    ]
    steps.append(Step(key="open", title=_("In your own words"), items=[]))
    steps.append(Step(key="review", title=_("Check and send"), items=[]))
    return steps


def _read_values(data: Any, items: list[Item]) -> tuple[dict[int, int], dict[int, str]]:
    """Scores posted as item-<id>=<0..5>. Unknown items and values off the scale are
    reported, never stored."""
    known = {item.pk for item in items}
    values: dict[int, int] = {}
    errors: dict[int, str] = {}
    for key, raw in data.items():
        if not key.startswith("item-"):
            continue
        pk = whole_number(key.removeprefix("item-"))
        if pk is None or pk not in known:
            errors[-1] = _("Some answers could not be read; please choose them again.")
            continue
        value = whole_number(raw)
        if value is None or not (value == DONT_KNOW or 1 <= value <= SCALE_MAX):
            errors[pk] = _("Choose one of the answers.")
            continue
        values[pk] = value
    return values, errors


_ANSWERING_FIELDS = (
    "done",
    "round__opens_at",
    "round__closes_at",
    "round__version__fingerprint",
    "round__version__name_nl",
    "round__version__name_en",
    "round__school__name",
    "draft__scores",
    "draft__texts",
)


def _answering(request: HttpRequest) -> Invitation | None:
    pk = request.session.get(SESSION_KEY)
    if not pk:
        return None
    # One statement with the round and the draft: every step page and save asks it, so it
    # reads only the columns answering uses (building and reading the full rows of five
    # tables took more time than the database did). get(), not first(): first()'s ordering
    # took a third of the time Django spent building it.
    try:
        return (
            Invitation.objects.select_related("round", "round__version", "round__school", "draft")
            .only(*_ANSWERING_FIELDS)
            .get(pk=pk)
        )
    except Invitation.DoesNotExist:
        return None


def _draft_of(invitation: Invitation) -> Draft | None:
    """The draft read with the invitation (``_answering``), if there is one yet."""
    try:
        return invitation.draft
    except Draft.DoesNotExist:
        return None


def _stop(request: HttpRequest, reason: str, status: int = 200) -> HttpResponse:
    response = render(request, "surveys/answer_stop.html", {"reason": reason}, status=status)
    if getattr(request, "htmx", False):
        # "Next" swaps a step into <main>; a whole page (the round closed meanwhile, say)
        # replaces the body instead.
        response["HX-Retarget"] = "body"
    return response


@never_cache
@require_GET
def enter(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: exchange the token for a session, then continue on a URL without
    it, so the token does not linger in the address bar, history or later logs."""
    invitation = invitation_for_token(token)
    if invitation is None:
        return _stop(request, "unknown", status=404)
    if invitation.done:
        return _stop(request, "done")
    now = timezone.now()
    if not invitation.round.has_opened(now):
        return _stop(request, "not_open")
    if invitation.round.is_closed(now):
        return _stop(request, "closed")
    request.session.cycle_key()
    request.session[SESSION_KEY] = invitation.pk
    return _resume(invitation)


@school_view(lead=False)
@require_POST
def answer_as_member(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """A logged-in teacher starts (or resumes) their questionnaire without the e-mail: being
    logged in proves the same as holding the link."""
    invitation = get_owned_or_404(
        Invitation.objects.select_related("round"), school, round_id=pk, user=request.user
    )
    if invitation.done:
        return _stop(request, "done")
    if not invitation.round.is_open(timezone.now()):
        return _stop(request, "closed")
    request.session[SESSION_KEY] = invitation.pk
    return redirect("surveys:answer")


def _resume(invitation: Invitation) -> HttpResponse:
    """To the first step with an unanswered statement (the open answers once every statement
    has one; the review once those were seen)."""
    draft = _draft_of(invitation)
    saved = draft.answers(texts=False).scores if draft else {}
    for step in _steps(invitation.round):
        if any(str(item.pk) not in saved for item in step.items):
            return redirect("surveys:answer_step", step=step.key)
    return redirect("surveys:answer_step", step="open" if not draft else "review")


@never_cache
@require_GET
def answer_start(request: HttpRequest) -> HttpResponse:
    invitation = _answering(request)
    if invitation is None:
        return _stop(request, "no_session", status=403)
    return _resume(invitation)


# How long a tap may wait on the phone before the page's script sends it with the taps that
# came after it (static/js/answer.js reads it from the form). One save per few taps instead of
# one per tap; "Next", "Back" and hiding the page send whatever waits at once.
SAVE_WITHIN_SECONDS = 12


def _index_of(steps: list[Step], key: str) -> int | None:
    """Where the step called ``key`` is; ``None`` when there is none (an old or typed URL)."""
    return next((i for i, s in enumerate(steps) if s.key == key), None)


def _cannot_answer(request: HttpRequest, invitation: Invitation) -> HttpResponse | None:
    """The page that says why this invitation cannot be answered (any more), if it cannot."""
    if invitation.done:
        return _stop(request, "done")
    if not invitation.round.is_open(timezone.now()):
        return _stop(request, "closed")
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def answer_step(request: HttpRequest, step: str) -> HttpResponse:
    if request.method == "POST":
        return _post_step(request, step)
    invitation = _answering(request)
    if invitation is None:
        return _stop(request, "no_session", status=403)
    stop = _cannot_answer(request, invitation)
    if stop is not None:
        return stop
    steps = _steps(invitation.round)
    index = _index_of(steps, step)
    if index is None:
        return redirect("surveys:answer")
    draft = _draft_of(invitation)
    given = draft.answers(texts=steps[index].shows_texts) if draft else Answers()
    return _step_page(request, invitation, steps, index, given, {})


# What a save reads, in the statement that locks the draft: the draft and what the checks and
# the next step's page need of its invitation, round, version and school.
_LOCKED_FIELDS = (
    "scores",
    "texts",
    *(f"invitation__{name}" for name in _ANSWERING_FIELDS if not name.startswith("draft__")),
)


def _locked_draft(request: HttpRequest) -> Draft | None:
    """The draft of the session's invitation, locked until the transaction ends, read with its
    invitation, round, version and school in that one statement. The lock is the draft's
    own, so a save that waited for another reads the draft as that one left it."""
    pk = request.session.get(SESSION_KEY)
    if not pk:
        return None
    try:
        return (
            Draft.objects.select_for_update(of=("self",))
            .select_related("invitation__round__version", "invitation__round__school")
            .only(*_LOCKED_FIELDS)
            .get(invitation_id=pk)
        )
    except Draft.DoesNotExist:
        return None


def _post_step(request: HttpRequest, step: str) -> HttpResponse:
    """A save: the script's batch of taps (``go=save``), or "Next" or "Back" with the step."""
    with transaction.atomic():
        draft = _locked_draft(request)
        # No draft (yet): the first save, or none of this session (or no longer: sent).
        invitation = draft.invitation if draft is not None else _answering(request)
        if invitation is None:
            return _stop(request, "no_session", status=403)
        stop = _cannot_answer(request, invitation)
        if stop is not None:
            return stop
        round_ = invitation.round
        steps = _steps(round_)
        index = _index_of(steps, step)
        if index is None:
            return redirect("surveys:answer")
        if draft is None:
            made, _created = Draft.objects.get_or_create(invitation=invitation)
            # Another first save may have made it a moment ago: merge into it as it is now.
            draft = Draft.objects.select_for_update().get(pk=made.pk)
        given, errors = _merge(draft, request.POST, round_)
    go = request.POST.get("go", "next")
    if go == "save":
        # The script's batch of taps (or its last one, sent as the page is hidden): the page
        # only wants to hear whether they were saved.
        return render(
            request, "surveys/_answer_step.html#save-status", {"errors": errors, "saved": True}
        )
    if not errors:
        index = max(index - 1, 0) if go == "back" else min(index + 1, len(steps) - 1)
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect("surveys:answer_step", step=steps[index].key)
    response = _step_page(request, invitation, steps, index, given, errors)
    if request.htmx:  # type: ignore[attr-defined]
        # The script posted "Next" or "Back" and gets the step it goes to in the same
        # response (one request instead of a post and a redirected get); the address bar
        # follows, so a reload or a resume lands on this step.
        response["HX-Push-Url"] = reverse("surveys:answer_step", args=[steps[index].key])
    return response


def _step_page(
    request: HttpRequest,
    invitation: Invitation,
    steps: list[Step],
    index: int,
    given: Answers,
    errors: dict[int, str],
) -> HttpResponse:
    round_ = invitation.round
    current = steps[index]
    all_items = [item for s in steps for item in s.items]
    scale = _scale()
    review = current.key == "review"
    context = {
        "round": round_,
        "step": current,
        "number": index + 1,
        "total": len(steps),
        "percent": round(100 * (index + 1) / len(steps)),
        "previous": steps[index - 1].key if index > 0 else None,
        "answers": {int(k): v for k, v in given.scores.items()},
        "open_answers": {int(k): v for k, v in given.texts.items()},
        "open_questions": list(_questions(round_).values()) if current.shows_texts else [],
        "errors": errors,
        "missing": given.missing(all_items) if review else [],
        "all_items": all_items if review else [],
        "scale": scale,
        "labels": dict(scale),
        "save_within": SAVE_WITHIN_SECONDS,
        # Where the script keeps taps not yet sent (sessionStorage): one place per invitation,
        # named so that it tells nobody which invitation, so that on a shared tablet one
        # teacher's waiting taps can never be sent into another's questionnaire.
        "pending_key": salted_hmac("surveys.answer.pending", str(invitation.pk)).hexdigest()[:20],
    }
    # "Next" and "Back" through htmx get the step alone, swapped into the page's <main>: the
    # layout around it is already on the phone.
    template = "surveys/_answer_step.html" if request.htmx else "surveys/answer.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _merge(locked: Draft, data: Any, round_: Round) -> tuple[Answers, dict[int, str]]:
    """Merge what was posted into the draft and seal it again. The caller holds the draft's
    row lock (``_locked_draft``), so two quick saves from a phone cannot overwrite each
    other. Returns everything answered so far."""
    items = _items(round_)
    values, errors = _read_values(data, items)
    open_keys = set(_questions(round_))
    texts = {
        key.removeprefix("open-"): clean_text(value)
        for key, value in data.items()
        if key.startswith("open-") and key.removeprefix("open-") in open_keys
    }
    before = locked.answers()
    answers = Answers(scores={**before.scores}, texts={**before.texts})
    answers.scores.update({str(pk): value for pk, value in values.items()})
    answers.texts.update(texts)
    changed = locked.seal(answers, sizes_of(round_.version), before=before)
    if changed:
        locked.save(update_fields=changed)
    return answers, errors


@never_cache
@require_POST
def answer_submit(request: HttpRequest) -> HttpResponse:
    # The session keeps the invitation, which is done from now on: every answering page
    # then says "you have already answered". Writing the session here as well would cost a
    # second statement and a cache write on the busiest write of a school morning.
    pk = request.session.get(SESSION_KEY)
    if not pk:
        return _stop(request, "no_session", status=403)
    try:
        copy, open_copy = submit_answers(invitation_id=pk, now=timezone.now())
    except SubmitError as error:
        if error.code == "incomplete":
            messages.error(request, _("Some statements have no answer yet; they are marked below."))
            return redirect("surveys:answer_step", step="review")
        if error.code == "unknown":
            return _stop(request, "no_session", status=403)
        return _stop(request, "done" if error.code == "already_done" else "closed")
    labels = dict(_scale())
    lines = [(line.text, labels[line.value or DONT_KNOW]) for line in copy]
    if request.POST.get("email_copy"):
        invitation = Invitation.objects.select_related("user", "round__school").get(pk=pk)
        user = invitation.user
        # Sent from here, not through the broker, so no copy of the answers waits in a queue.
        message = templated_email(
            "surveys/email/copy",
            {"lines": lines, "open_copy": open_copy, "round": invitation.round},
            to=user.email,
            language=user.language,
        )
        transaction.on_commit(message.send)
    return render(
        request,
        "surveys/answer_done.html",
        {"lines": lines, "open_copy": open_copy, "emailed": bool(request.POST.get("email_copy"))},
    )
