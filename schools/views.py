"""The people of a school and their own profile: the leader adds teachers (one by one or from a
CSV file) and teams, and sets how long the school keeps what people typed; everyone edits
their own name and language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from schools.forms import (
    ProfileForm,
    RetentionForm,
    TeacherCsvForm,
    TeacherForm,
    TeamForm,
    submitted,
)
from schools.models import Membership, School
from schools.tasks import send_welcome_email
from schools.tenancy import AuthedRequest, require, school_view


def _people_page(
    request: HttpRequest, school: School, *, form: TeacherForm, team_form: TeamForm
) -> HttpResponse:
    memberships = (
        Membership.objects.filter(school=school)
        .select_related("user", "team")
        .order_by("role", "team__name", "user__full_name")
    )
    return render(
        request,
        "schools/people.html",
        {"school": school, "form": form, "memberships": memberships, "team_form": team_form},
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, school: School) -> HttpResponse:
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
def team_add(request: HttpRequest, school: School) -> HttpResponse:
    team_form = TeamForm(**submitted(request), school=school)
    if team_form.is_valid():
        team = team_form.save()
        messages.success(request, _("Team %(name)s was added.") % {"name": team.name})
        return redirect("people", school_slug=school.slug)
    return _people_page(request, school, form=TeacherForm(school=school), team_form=team_form)


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
