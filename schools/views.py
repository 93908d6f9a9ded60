"""The people of a school and their own profile: the leader adds teachers (one by one or from a
CSV file) and teams, and sets how long the school keeps what people typed; everyone edits
their own name and language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from schools.forms import (
    LEADS_THIS_SCHOOL,
    PersonForm,
    ProfileForm,
    RetentionForm,
    TeacherCsvForm,
    TeacherForm,
    TeamForm,
    submitted,
)
from schools.models import AuditEntry, Departure, Membership, School, audit
from schools.tasks import send_welcome_email
from schools.tenancy import AuthedRequest, get_owned_or_404, require, school_view

MAX_SEARCH = 100


def _people_page(
    request: AuthedRequest,
    school: School,
    *,
    form: TeacherForm,
    team_form: TeamForm,
) -> HttpResponse:
    """The list of the school's people and the leavers, filtered by ``q`` (name or e-mail
    address). A fixed number of queries, however many people the school has."""
    query = request.GET.get("q", "").strip()[:MAX_SEARCH]
    memberships = Membership.objects.filter(school=school).select_related("user", "team")
    departures = Departure.objects.filter(school=school).select_related("user", "team")
    if query:
        memberships = memberships.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
        departures = departures.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    context = {
        "school": school,
        "form": form,
        "team_form": team_form,
        "q": query,
        "memberships": memberships.order_by("role", "team__name", "user__full_name"),
        "departures": departures.order_by("user__full_name", "user__email"),
        "teacher_count": Membership.objects.filter(
            school=school, role=Membership.Role.TEACHER
        ).count(),
    }
    # Going back to a search htmx no longer holds asks for the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "schools/people.html#people-list", context)
    return render(request, "schools/people.html", context)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def people(request: AuthedRequest, school: School) -> HttpResponse:
    form = TeacherForm(**submitted(request), school=school)
    if request.method == "POST" and form.is_valid():
        membership = form.save()
        send_welcome_email.delay_on_commit(membership.pk)
        messages.success(
            request,
            _("%(name)s was added; an e-mail with how to log in is on its way.")
            % {"name": membership.user},
        )
        return redirect("people", school_slug=school.slug)
    return _people_page(request, school, form=form, team_form=TeamForm(school=school))


@school_view(lead=True)
@require_http_methods(["POST"])
def team_add(request: AuthedRequest, school: School) -> HttpResponse:
    team_form = TeamForm(**submitted(request), school=school)
    if team_form.is_valid():
        team = team_form.save()
        messages.success(request, _("Team %(name)s was added.") % {"name": team.name})
        return redirect("people", school_slug=school.slug)
    return _people_page(request, school, form=TeacherForm(school=school), team_form=team_form)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def person(request: AuthedRequest, school: School, user_pk: int) -> HttpResponse:
    """Correct a teacher's name or e-mail address, move them to another team, or mark them
    as left. Leading roles are not changed here: that is the back office's business."""
    membership = get_owned_or_404(
        Membership.objects.teachers().select_related("user", "team"), school, user_id=user_pk
    )
    form = PersonForm(**submitted(request), membership=membership)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            email_changed = form.save()
            audit(request.user, school, AuditEntry.Action.PERSON_CHANGED, membership.user_id)
            if email_changed:
                send_welcome_email.delay_on_commit(membership.pk)
            messages.success(
                request,
                _("The details of %(name)s were saved.") % {"name": membership.user},
            )
        return redirect("people", school_slug=school.slug)
    return render(
        request,
        "schools/person.html",
        {"school": school, "form": form, "membership": membership},
        status=400 if form.is_bound else 200,
    )


@school_view(lead=True)
@require_http_methods(["POST"])
def person_leave(request: AuthedRequest, school: School, user_pk: int) -> HttpResponse:
    """Mark a teacher as left: out of the counts, the invitations and the reminders
    (``Departure.leave``), and out of the school's pages. Undone by ``person_return``."""
    now = timezone.now()
    with transaction.atomic():
        membership = get_owned_or_404(
            Membership.objects.teachers()
            .select_related("user", "team")
            .select_for_update(of=("self",)),
            school,
            user_id=user_pk,
        )
        departure = Departure.leave(membership, on=timezone.localdate(now), now=now)
        audit(request.user, school, AuditEntry.Action.PERSON_LEFT, departure.user_id)
    messages.success(
        request,
        _(
            "%(name)s is now listed as left: no longer counted, invited or reminded. "
            "Answers they gave stay in the results, anonymously."
        )
        % {"name": departure.user},
    )
    return redirect("people", school_slug=school.slug)


@school_view(lead=True)
@require_http_methods(["POST"])
def person_return(request: AuthedRequest, school: School, user_pk: int) -> HttpResponse:
    """Undo ``person_leave``: the teacher is back in their team, without a new welcome
    e-mail if they had one. Rounds that are already open do not invite them again."""
    with transaction.atomic():
        departure = get_owned_or_404(
            Departure.objects.select_related("user").select_for_update(of=("self",)),
            school,
            user_id=user_pk,
        )
        if school.leading_people().filter(pk=departure.user_id).exists():
            messages.warning(request, LEADS_THIS_SCHOOL)
            return redirect("people", school_slug=school.slug)
        membership = departure.come_back()
        audit(request.user, school, AuditEntry.Action.PERSON_RETURNED, membership.user_id)
    if membership.invited_at is None:
        send_welcome_email.delay_on_commit(membership.pk)
    messages.success(request, _("%(name)s is back on the list.") % {"name": membership.user})
    return redirect("people", school_slug=school.slug)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest, school: School) -> HttpResponse:
    form = TeacherCsvForm(**submitted(request), school=school)
    if request.method == "POST" and form.is_valid():
        created = form.save()
        for membership in created:
            if membership.invited_at is None:
                send_welcome_email.delay_on_commit(membership.pk)
        messages.success(
            request,
            ngettext("%(n)s teacher was imported.", "%(n)s teachers were imported.", len(created))
            % {"n": len(created)},
        )
        if form.result.already_there:
            messages.info(
                request,
                ngettext(
                    "%(n)s person was already on the list and was left as is.",
                    "%(n)s people were already on the list and were left as they are.",
                    len(form.result.already_there),
                )
                % {"n": len(form.result.already_there)},
            )
        if form.result.leading:
            messages.warning(
                request,
                ngettext(
                    "%(emails)s leads this school and was not added as a teacher: whoever "
                    "reads the results does not answer the questionnaire.",
                    "%(emails)s lead this school and were not added as teachers: whoever "
                    "reads the results does not answer the questionnaire.",
                    len(form.result.leading),
                )
                % {"emails": ", ".join(row.email for row in form.result.leading)},
            )
        if form.result.left:
            messages.warning(
                request,
                ngettext(
                    "%(emails)s left this school and was not added again. If they are back, "
                    "put them back from the list of people who left.",
                    "%(emails)s left this school and were not added again. If they are back, "
                    "put them back from the list of people who left.",
                    len(form.result.left),
                )
                % {"emails": ", ".join(row.email for row in form.result.left)},
            )
        return redirect("people", school_slug=school.slug)
    return render(
        request,
        "schools/people_import.html",
        {"school": school, "form": form, "result": form.result},
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def retention(request: AuthedRequest, school: School) -> HttpResponse:
    """How long the school keeps answers, interview notes and focus-group input. Only the
    school leader decides it: it governs the interview notes, which only they read."""
    require(School.objects.where_leader(request.user).filter(pk=school.pk).exists())
    form = RetentionForm(**submitted(request), instance=school)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The retention period was saved."))
        return redirect("retention", school_slug=school.slug)
    return render(
        request,
        "schools/retention.html",
        {"school": school, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(**submitted(request), instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response
    return render(request, "schools/profile.html", {"form": form})
