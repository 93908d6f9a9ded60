"""Interviews: stage two of the article's cycle (questionnaire → interviews → focus group).

After a round the leader talks with each teacher, one interview per teacher and round, led by
a guide built from the team's released results (``build_guide``). Notes are coded to the four
themes and carry the flags Recommendation 4 asks the leader to act on: tension, and "wants help
to raise something with a colleague", plus consent to be quoted anonymously.

Interviews are not anonymous, so they are kept apart from the questionnaire: only the leader
and the teacher concerned read a note (``Interview.objects.visible_to``), nothing here reads
``Invitation.done`` or any answer, and notes never enter the team's figures. Across the team
only counts of coded notes per theme are shown, and only once at least ``round.threshold``
interviews have notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interventions.models import Theme
from interviews.forms import InterviewNoteForm, InterviewPlanForm
from interviews.models import Interview, InterviewNote, InterviewQuerySet
from schools.forms import submitted
from schools.http import no_store, whole_number
from schools.models import AuditEntry, School, User, audit
from schools.tenancy import AuthedRequest, get_owned_or_404, require, school_view
from surveys.anonymity import is_releasable
from surveys.models import Block, Item, Round
from surveys.report import RoundReport
from surveys.report import build as build_report

# ---------------------------------------------------------------- the guide (a pure function)

# How many split statements one tension section asks about.
SPLIT_STATEMENTS_PER_SECTION = 2


@dataclass(frozen=True)
class GuideSection:
    """A part of the interview guide: a title and two or three open questions. ``kind`` says
    where it comes from ("opening", "own_answers", "weakest_theme", "tension",
    "warning_sign", "help")."""

    kind: str
    title: str
    questions: list[str] = field(default_factory=list)


def build_guide(report: RoundReport, *, brings_own_answers: bool = False) -> list[GuideSection]:
    """The questions for one interview, from what the round's report releases.

    Without released results only the general questions remain, so the guide never says more
    about the team than the results page may. Texts are in the active language.
    """
    sections = [
        GuideSection(
            kind="opening",
            title=_("The conversation in our team"),
            questions=[
                _(
                    "How do you experience the conversations in our team about our work and "
                    "how to do it even better?"
                ),
                _("When did a conversation with a colleague last help you move forward?"),
            ],
        )
    ]
    if brings_own_answers:
        sections.append(
            GuideSection(
                kind="own_answers",
                title=_("Your own answers"),
                questions=[
                    _("Your own answers: what stands out to you?"),
                    _("Is there an answer you would like to explain?"),
                ],
            )
        )
    if report.released:
        sections.extend(_result_sections(report))
    sections.append(
        GuideSection(
            kind="help",
            title=_("Raising something with a colleague (Recommendation 4)"),
            questions=[
                _("Is there something you would like to raise with a colleague?"),
                _("Would it help if I joined that conversation?"),
            ],
        )
    )
    return sections


def _statement(item: Item) -> str:
    """A statement quoted inside a question, without its closing full stop."""
    return item.text.strip().rstrip(".")


def _result_sections(report: RoundReport) -> list[GuideSection]:
    items: dict[int, Item] = {row.item.pk: row.item for t in report.themes for row in t.items}
    names: dict[int, str] = {t.theme.number: t.theme.name for t in report.themes if t.theme}

    def theme_label(number: int | None) -> str:
        if number is None:
            return str(Block.CLIMATE.label)
        return names.get(number) or _("Theme %(n)s") % {"n": number}

    sections: list[GuideSection] = []
    weakest = next((s for s in report.signals if s.kind == "weakest_theme"), None)
    if weakest is not None:
        theme = theme_label(weakest.theme)
        questions = [
            _("The team scores “%(theme)s” lowest. What do you recognise in that?")
            % {"theme": theme},
            _("What would help you most with “%(theme)s”?") % {"theme": theme},
        ]
        lowest = next((items[i] for i in weakest.item_ids if i in items), None)
        if lowest is not None:
            questions.append(
                _("What does “%(statement)s” look like in your daily work?")
                % {"statement": _statement(lowest)}
            )
        sections.append(
            GuideSection(
                kind="weakest_theme",
                title=_("Weakest theme: %(theme)s") % {"theme": theme},
                questions=questions,
            )
        )
    for signal in report.signals:
        if signal.kind != "tension":
            continue
        statements = [items[i] for i in signal.item_ids if i in items]
        if not statements:
            continue
        sections.append(
            GuideSection(
                kind="tension",
                title=_("Where the team is split: %(group)s")
                % {"group": theme_label(signal.theme)},
                questions=[
                    *(
                        _("The team is split on “%(statement)s”. How do you see it?")
                        % {"statement": _statement(item)}
                        for item in statements[:SPLIT_STATEMENTS_PER_SECTION]
                    ),
                    _("What makes it hard to talk about?"),
                ],
            )
        )
    if any(s.kind == "warning_sign" for s in report.signals):
        sections.append(
            GuideSection(
                kind="warning_sign",
                title=_("Not everything is said anymore"),
                questions=[
                    _("Is there something that is not being said in the team?"),
                    _("What would help you to say it?"),
                ],
            )
        )
    return sections


# ---------------------------------------------------------------- helpers


def _round(school: School, pk: int) -> Round:
    return get_owned_or_404(
        Round.objects.select_related("team", "version", "school"), school, pk=pk
    )


RELATED = ("round", "round__team", "round__school", "round__version", "teacher")


def _interviews() -> InterviewQuerySet:
    return Interview.objects.select_related(*RELATED)


def _notes(interview: Interview) -> list[InterviewNote]:
    return list(InterviewNote.objects.filter(interview=interview).prefetch_related("themes"))


def _leads(user: User, school: School) -> bool:
    """Only the school leader works with interview notes (see InterviewQuerySet.visible_to)."""
    return School.objects.where_leader(user).filter(pk=school.pk).exists()


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _detail_context(
    school: School,
    interview: Interview,
    *,
    is_leader: bool,
    form: InterviewNoteForm | None = None,
    with_guide: bool = True,
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "school": school,
        "round": interview.round,
        "interview": interview,
        "notes": _notes(interview),
        "is_leader": is_leader,
    }
    if is_leader:
        context["form"] = form or InterviewNoteForm()
        if with_guide:
            report = build_report(interview.round, timezone.now(), with_open_answers=False)
            context["report"] = report
            context["guide"] = build_guide(report, brings_own_answers=interview.brings_own_answers)
    return context


def _detail_url(school: School, interview: Interview) -> str:
    return reverse("interviews:detail", kwargs={"school_slug": school.slug, "pk": interview.pk})


# ---------------------------------------------------------------- the leader's pages


@school_view(lead=True)
@require_GET
def interview_list(request: HttpRequest, school: School, round_pk: int) -> HttpResponse:
    require(_leads(request.user, school))  # type: ignore[arg-type]
    """The round's audience, each with their interview or a button to plan one. The audience
    is who was invited; whether anyone answered is not read, so it cannot show."""
    round_ = _round(school, round_pk)
    interviews = {
        interview.teacher_id: interview
        for interview in Interview.objects.filter(round=round_).annotate(
            note_count=Count("notes"),
            tension_count=Count("notes", filter=Q(notes__tension=True)),
            help_count=Count("notes", filter=Q(notes__wants_help=True)),
        )
    }
    audience = User.objects.filter(invitations__round=round_).order_by("full_name", "email")
    rows = [(teacher, interviews.get(teacher.pk)) for teacher in audience]
    return no_store(
        render(
            request,
            "interviews/list.html",
            {
                "school": school,
                "round": round_,
                "rows": rows,
                "planned": len(interviews),
            },
        )
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def interview_plan(request: AuthedRequest, school: School, round_pk: int) -> HttpResponse:
    require(_leads(request.user, school))
    round_ = _round(school, round_pk)
    initial: dict[str, Any] = {}
    # The list links here with ?teacher=<pk>; anything else preselects nobody.
    if request.method == "GET" and (teacher := whole_number(request.GET.get("teacher"))):
        initial["teacher"] = teacher
    form = InterviewPlanForm(**submitted(request), round=round_, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                interview = Interview.objects.create(
                    round=round_,
                    teacher=data["teacher"],
                    scheduled_at=data["scheduled_at"],
                    brings_own_answers=data["brings_own_answers"],
                    created_by=request.user,
                )
        except IntegrityError:
            # Planned in another tab between the check and the insert.
            form.add_error(
                "teacher",
                _("%(name)s already has an interview in this round.") % {"name": data["teacher"]},
            )
        else:
            messages.success(request, _("The interview is planned."))
            return redirect(_detail_url(school, interview))
    return render(
        request, "interviews/plan.html", {"school": school, "round": round_, "form": form}
    )


@school_view(lead=True)
@require_POST
def note_add(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    require(_leads(request.user, school))  # type: ignore[arg-type]
    interview = get_owned_or_404(_interviews(), school, pk=pk)
    # Past the retention period the page offers no form: a note added now would outlive it.
    require(interview.notes_purged_at is None)
    form = InterviewNoteForm(**submitted(request))
    if form.is_valid():
        form.save_for(interview)
        if not _is_htmx(request):
            messages.success(request, _("The note was added."))
            return redirect(_detail_url(school, interview) + "#notes")
        form = InterviewNoteForm()
    if _is_htmx(request):
        context = _detail_context(school, interview, is_leader=True, form=form, with_guide=False)
        return no_store(render(request, "interviews/detail.html#notes", context))
    context = _detail_context(school, interview, is_leader=True, form=form)
    return no_store(render(request, "interviews/detail.html", context))


@school_view(lead=True)
@require_POST
def note_delete(request: HttpRequest, school: School, pk: int, note_pk: int) -> HttpResponse:
    require(_leads(request.user, school))  # type: ignore[arg-type]
    interview = get_owned_or_404(_interviews(), school, pk=pk)
    note = get_owned_or_404(InterviewNote.objects.all(), school, pk=note_pk, interview=interview)
    note.delete()
    if _is_htmx(request):
        context = _detail_context(school, interview, is_leader=True, with_guide=False)
        return no_store(render(request, "interviews/detail.html#notes", context))
    messages.success(request, _("The note was deleted."))
    return redirect(_detail_url(school, interview) + "#notes")


@dataclass(frozen=True)
class ThemeCount:
    theme: Theme
    notes: int
    tension: int
    wants_help: int


@school_view(lead=True)
@require_GET
def interview_themes(request: HttpRequest, school: School, round_pk: int) -> HttpResponse:
    require(_leads(request.user, school))  # type: ignore[arg-type]
    """Interview themes across the team: coded notes per theme, never a note's text, and only
    when at least ``round.threshold`` interviews have notes. A fixed number of queries."""
    round_ = _round(school, round_pk)
    with_notes: int = Interview.objects.filter(round=round_, notes__isnull=False).aggregate(
        n=Count("pk", distinct=True)
    )["n"]
    released = is_releasable(with_notes, round_.threshold)
    rows: list[ThemeCount] = []
    if released:
        # One grouped query over the note-theme links: per theme the coded notes, and how
        # many of those carry each flag.
        links = InterviewNote.themes.through.objects
        counts = {
            row["theme_id"]: row
            for row in links.filter(interviewnote__interview__round=round_)
            .values("theme_id")
            .annotate(
                notes=Count("pk"),
                tension=Count("pk", filter=Q(interviewnote__tension=True)),
                wants_help=Count("pk", filter=Q(interviewnote__wants_help=True)),
            )
            .order_by()
        }
        empty = {"notes": 0, "tension": 0, "wants_help": 0}
        rows = [
            ThemeCount(
                theme=theme,
                notes=counts.get(theme.pk, empty)["notes"],
                tension=counts.get(theme.pk, empty)["tension"],
                wants_help=counts.get(theme.pk, empty)["wants_help"],
            )
            for theme in Theme.objects.order_by("number")
        ]
    return no_store(
        render(
            request,
            "interviews/themes.html",
            {
                "school": school,
                "round": round_,
                "released": released,
                "with_notes": with_notes if released else None,
                "rows": rows,
            },
        )
    )


# ---------------------------------------------------------------- leader and teacher


@school_view(lead=False)
@require_GET
def interview_detail(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """The leader sees the guide, the notes and the form; the teacher of the interview reads
    its notes; anyone else, a colleague included, gets a 404."""
    interview = get_object_or_404(
        Interview.objects.visible_to(request.user, school).select_related(*RELATED), pk=pk
    )
    is_leader = _leads(request.user, school)
    context = _detail_context(school, interview, is_leader=is_leader)
    audit(request.user, school, AuditEntry.Action.INTERVIEW, interview.pk)
    return no_store(render(request, "interviews/detail.html", context))


@school_view(lead=False)
@require_GET
def interview_mine(request: AuthedRequest, school: School) -> HttpResponse:
    """The logged-in teacher's own interviews at this school, with their notes, read-only."""
    interviews = (
        Interview.objects.for_school(school)
        .filter(teacher=request.user)
        .select_related("round", "round__team", "round__school", "round__version")
        .prefetch_related("notes__themes")  # themes in their Meta order (number)
        .order_by("-round__opens_at", "scheduled_at")
    )
    return no_store(
        render(request, "interviews/mine.html", {"school": school, "interviews": interviews})
    )
