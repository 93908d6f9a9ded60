"""The notification list (done, snooze, dismiss), the school's thresholds, a person's e-mail
choices, the leader's private reflection log and the one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interviews.models import InterviewNote
from schools.forms import submitted
from schools.http import no_store
from schools.models import AuditEntry, Membership, School, User, audit
from schools.tenancy import AuthedRequest, get_owned_or_404, require, school_view

from .content import decorate
from .forms import (
    LEADER_RULES,
    TEACHER_RULES,
    PreferencesForm,
    ReflectionForm,
    SettingsForm,
    SnoozeForm,
)
from .mail import read_unsubscribe_token
from .models import EmailChoice, Nudge, NudgeSettings, Reflection, Rule, RuleOptOut


def _leads(user: User, school: School) -> bool:
    return Membership.objects.filter(
        user=user, school=school, role__in=Membership.LEADING_ROLES
    ).exists()


def _list_page(
    request: AuthedRequest,
    school: School,
    snooze: SnoozeForm,
    status: int = 200,
    template: str = "nudges/list.html",
) -> HttpResponse:
    mine = Nudge.objects.for_school(school).filter(recipient=request.user)
    now = timezone.now()
    open_ = list(mine.visible(now).order_by("-created_at")[:100])
    snoozed = list(mine.filter(state=Nudge.State.SNOOZED, snoozed_until__gt=now)[:50])
    closed = list(
        mine.filter(
            state__in=(Nudge.State.DONE, Nudge.State.DISMISSED, Nudge.State.RESOLVED)
        ).order_by("-closed_at")[:20]
    )
    roles = set(request.user.memberships_in(school).values_list("role", flat=True))
    return render(
        request,
        template,
        {
            "school": school,
            "open": decorate(open_),
            "snoozed": decorate(snoozed),
            "closed": decorate(closed),
            "snooze_form": snooze,
            "leads": bool(roles & set(Membership.LEADING_ROLES)),
            # Only the school leader sets the retention period (dialoog.views.retention).
            "is_school_leader": Membership.Role.LEADER in roles,
        },
        status=status,
    )


@school_view(lead=False)
@require_GET
def nudge_list(request: AuthedRequest, school: School) -> HttpResponse:
    return _list_page(request, school, SnoozeForm())


ACTIONS = ("done", "dismiss", "snooze")
OPEN_LIST = "nudges/list.html#open-list"


@school_view(lead=False)
@require_POST
def nudge_act(request: AuthedRequest, school: School, pk: int, action: str) -> HttpResponse:
    """Done, dismiss or snooze one of the person's own nudges."""
    if action not in ACTIONS:
        raise Http404
    nudge = get_owned_or_404(Nudge.objects.filter(recipient=request.user), school, pk=pk)
    now = timezone.now()
    # With htmx only the open list is swapped (htmx swaps no 4xx, so an error comes as 200);
    # without it the whole page, with a message.
    partial = bool(getattr(request, "htmx", False))
    if action == "snooze":
        form = SnoozeForm(request.POST)
        if not form.is_valid():
            if partial:
                return _list_page(request, school, form, template=OPEN_LIST)
            return _list_page(request, school, form, status=400)
        nudge.state = Nudge.State.SNOOZED
        nudge.snoozed_until = now + timedelta(days=form.cleaned_data["days"])
        done = _("The reminder is snoozed.")
    else:
        nudge.state = Nudge.State.DONE if action == "done" else Nudge.State.DISMISSED
        nudge.closed_at = now
        done = _("Marked as done.") if action == "done" else _("The reminder was dismissed.")
    nudge.save(update_fields=["state", "snoozed_until", "closed_at"])
    if partial:
        return _list_page(request, school, SnoozeForm(), template=OPEN_LIST)
    messages.success(request, done)
    return redirect("nudges:list", school.slug)


@school_view(lead=True)
@require_POST
def followed_up(request: AuthedRequest, school: School, note_pk: int) -> HttpResponse:
    """Recommendation 4: the leader followed up a teacher's request for help. Only the school
    leader, who alone reads interview notes."""
    require(School.objects.where_leader(request.user).filter(pk=school.pk).exists())
    note = get_owned_or_404(InterviewNote.objects.filter(wants_help=True), school, pk=note_pk)
    today = timezone.localdate()
    InterviewNote.objects.filter(pk=note.pk, followed_up_on__isnull=True).update(
        followed_up_on=today
    )
    Nudge.objects.for_school(school).live().filter(rule=Rule.R4_HELP, target_id=note.pk).update(
        state=Nudge.State.RESOLVED, closed_at=timezone.now()
    )
    messages.success(request, _("Marked as followed up."))
    return redirect("nudges:list", school.slug)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def nudge_settings(request: AuthedRequest, school: School) -> HttpResponse:
    instance = NudgeSettings.objects.filter(school=school).first() or NudgeSettings(school=school)
    form = SettingsForm(**submitted(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The reminder settings were saved."))
        return redirect("nudges:settings", school.slug)
    return render(
        request,
        "nudges/settings.html",
        {"school": school, "form": form},
        status=400 if form.is_bound else 200,
    )


@school_view(lead=False)
@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest, school: School) -> HttpResponse:
    """How a person wants nudges by e-mail: single mails or a weekly digest, and per rule."""
    user = request.user
    leads = _leads(user, school)
    choices = LEADER_RULES if leads else TEACHER_RULES
    opted_out = set(RuleOptOut.objects.filter(user=user).values_list("rule", flat=True))
    digest = EmailChoice.objects.filter(user=user, weekly_digest=True).exists()
    form = PreferencesForm(
        **submitted(request),
        leads=leads,
        initial={
            "weekly_digest": "1" if digest else "0",
            "rules": [r.value for r in choices if r.value not in opted_out],
        },
    )
    if request.method == "POST" and form.is_valid():
        EmailChoice.objects.update_or_create(
            user=user, defaults={"weekly_digest": form.cleaned_data["weekly_digest"]}
        )
        wanted = set(form.cleaned_data["rules"])
        for rule in choices:
            if rule.value in wanted:
                RuleOptOut.objects.filter(user=user, rule=rule).delete()
            else:
                RuleOptOut.objects.get_or_create(user=user, rule=rule)
        messages.success(request, _("Your e-mail choices were saved."))
        return redirect("nudges:preferences", school.slug)
    return render(
        request,
        "nudges/preferences.html",
        {"school": school, "form": form},
        status=400 if form.is_bound else 200,
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def reflections(request: AuthedRequest, school: School) -> HttpResponse:
    """The leader's private reflection log: only its author reads it."""
    form = ReflectionForm(**submitted(request))
    if request.method == "POST" and form.is_valid():
        form.instance.author = request.user
        form.instance.school = school
        form.save()
        Nudge.objects.for_school(school).filter(
            recipient=request.user, rule=Rule.REFLECT, state=Nudge.State.OPEN
        ).update(state=Nudge.State.DONE, closed_at=timezone.now())
        messages.success(request, _("Added to your reflection log."))
        return no_store(redirect("nudges:reflections", school.slug))
    entries = Reflection.objects.by(request.user, school)[:200]
    audit(request.user, school, AuditEntry.Action.REFLECTIONS)
    return no_store(
        render(
            request,
            "nudges/reflections.html",
            {"school": school, "form": form, "entries": entries},
            status=400 if form.is_bound else 200,
        )
    )


@csrf_exempt  # RFC 8058: the mail client POSTs without a session; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    parsed = read_unsubscribe_token(token)
    if parsed is None:
        raise Http404
    user_id, rule = parsed
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        RuleOptOut.objects.get_or_create(user=user, rule=rule)
        done = True
    return render(
        request,
        "nudges/unsubscribe.html",
        {"rule_label": Rule(rule).label, "done": done, "token": token},
    )
