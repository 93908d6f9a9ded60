"""The practice kit for the leader: the library of formats, a school's own formats, choosing a
format for an activity of the calendar, and the reflections' trend per format.

Running a session (beamer and phones) lives in ``practice/runner.py``; the difficult
conversation in ``practice/conversations.py``.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interventions.models import Intervention
from planning.models import Activity
from schools.forms import submitted
from schools.http import no_store
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view

from .anonymity import trends
from .forms import ApplyForm, OwnFormatForm
from .models import Conversation, Format, PracticeSession


def _formats(school: School) -> list[Format]:
    return list(
        Format.objects.visible_to(school).prefetch_related(
            Prefetch("interventions", queryset=Intervention.objects.select_related("theme")),
            "recommendations",
        )
    )


@school_view(lead=False)
@require_GET
def formats(request: AuthedRequest, school: School) -> HttpResponse:
    """The library and the school's own formats; every teacher may read them."""
    rows = _formats(school)
    return render(
        request,
        "practice/formats.html",
        {
            "school": school,
            "library": [f for f in rows if not f.is_own()],
            "own": [f for f in rows if f.is_own()],
            "leads": request.user.is_leader_of(school),
        },
    )


def _format(school: School, pk: int) -> Format:
    fmt = Format.objects.visible_to(school).filter(pk=pk).first()
    if fmt is None:
        raise Http404
    return fmt


@school_view(lead=False)
@require_GET
def format_detail(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    fmt = _format(school, pk)
    return render(
        request,
        "practice/format.html",
        {
            "school": school,
            "format": fmt,
            "steps": list(fmt.steps.all()),
            "interventions": list(fmt.interventions.select_related("theme")),
            "recommendations": list(fmt.recommendations.all()),
            "leads": request.user.is_leader_of(school),
        },
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def format_new(request: AuthedRequest, school: School) -> HttpResponse:
    form = OwnFormatForm(**submitted(request), school=school, user=request.user)
    if request.method == "POST" and form.is_valid():
        fmt = form.save()
        messages.success(request, _("The format was saved."))
        return redirect("practice:format", school.slug, fmt.pk)
    return render(request, "practice/format_form.html", {"school": school, "form": form})


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def format_edit(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Only a school's own formats; the library is maintained in the admin."""
    fmt = get_owned_or_404(Format.objects.all(), school, pk=pk)
    form = OwnFormatForm(**submitted(request), instance=fmt, school=school, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The format was saved."))
        return redirect("practice:format", school.slug, fmt.pk)
    return render(
        request, "practice/format_form.html", {"school": school, "form": form, "format": fmt}
    )


@school_view(lead=True)
@require_POST
def apply(request: AuthedRequest, school: School, activity_pk: int) -> HttpResponse:
    """Choose a format for an activity: its agenda becomes the format's steps with their
    minutes (editable afterwards in the activity's form), its interventions are added, and
    the activity remembers the format."""
    activity = get_owned_or_404(Activity.objects.all(), school, pk=activity_pk)
    form = ApplyForm(request.POST, school=school)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("calendar:activity_edit", school.slug, activity.pk)
    fmt: Format = form.cleaned_data["format"]
    with transaction.atomic():
        session = PracticeSession.objects.select_for_update().filter(activity=activity).first()
        if session is not None and (session.started_at or session.reflections.exists()):
            messages.error(
                request, _("This activity's practice session has already run; its format stays.")
            )
            return redirect("calendar:activity_edit", school.slug, activity.pk)
        if session is None:
            session = PracticeSession(activity=activity)
        session.format = fmt
        session.threshold = form.cleaned_data["threshold"]
        session.save()
        activity.agenda = fmt.agenda_text()
        activity.save(update_fields=["agenda", "updated_at"])
        activity.interventions.add(*fmt.interventions.all())
    messages.success(
        request, _("The agenda now holds the steps of “%(title)s”.") % {"title": fmt.title}
    )
    return redirect("calendar:activity_edit", school.slug, activity.pk)


@school_view(lead=True)
@require_GET
def index(request: AuthedRequest, school: School) -> HttpResponse:
    """The school's practice sessions: what is planned, run, and how the team found them."""
    sessions = list(
        PracticeSession.objects.for_school(school)
        .with_reflection_stats()
        .select_related("activity", "format")
    )
    now = timezone.now()
    return no_store(
        render(
            request,
            "practice/index.html",
            {
                "school": school,
                "sessions": sessions,
                "trends": trends(sessions),
                "now": now,
                # Only what this leader was invited to chair; titles only, links to the guide.
                "chairing": list(
                    Conversation.objects.for_school(school)
                    .filter(chair=request.user)
                    .select_related("teacher")
                ),
            },
        )
    )
