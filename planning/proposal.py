"""A year-plan proposal that closes the loop (Aanbeveling 5, and the cycle of the article):
measure, talk it through (interviews, focus group), practise and reflect on the weakest themes,
review the agreements, evaluate, and measure again.

The proposal is computed from the school's latest released results and is only a starting
point: the leader sees every moment with the reason for it, edits or unticks what does not fit,
and nothing is saved until they say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import formset_factory
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from focusgroups.models import Agreement, FocusSession
from interventions.models import Intervention, Recommendation, Theme
from interviews.models import Interview
from planning.models import Activity
from schools.http import whole_number
from schools.models import School
from schools.tenancy import AuthedRequest, school_view
from surveys import report as round_report

from .calendar import (
    DEFAULT_TIME,
    _year_param,
    holidays_between,
    local_moment,
    school_day_from,
)

K = Activity.Kind
PRACTICE_KINDS = {K.FEEDBACK_PRACTICE, K.CONVERSATION_PRACTICE, K.GROUP_REFLECTION}
# Results younger than this are talked through first instead of measured again.
RECENT_RESULTS_DAYS = 120
# A proposed moment next to one already planned (same kind, this close) starts unticked.
ALREADY_PLANNED_DAYS = 14


@dataclass
class Proposed:
    kind: str
    title: str
    day: date
    reason: str
    at: time = DEFAULT_TIME
    duration_minutes: int = 60
    agenda: str = ""
    recommendation: int | None = None
    interventions: list[int] = field(default_factory=list)
    agreements: list[int] = field(default_factory=list)
    include: bool = True

    def initial(self) -> dict[str, Any]:
        return {
            "include": self.include,
            "kind": self.kind,
            "title": self.title,
            "day": self.day,
            "at": self.at,
            "duration_minutes": self.duration_minutes,
            "agenda": self.agenda,
            "recommendation": self.recommendation or "",
            "interventions": ",".join(str(pk) for pk in self.interventions),
            "agreements": ",".join(str(pk) for pk in self.agreements),
            "reason": self.reason,
        }


@dataclass
class Basis:
    """What the proposal rests on: the themes to practise (weakest first, those with tension
    before the rest; without released results every theme), and what the latest round already
    had."""

    themes: list[Theme]
    closed: date | None = None
    recent: bool = False
    interviewed: bool = False
    focus_group_held: bool = False


def _basis(school: School, now: Any) -> Basis:
    latest = round_report.latest_released(school, now)
    themes = list(Theme.objects.all())
    if latest is None:
        return Basis(themes=themes)
    closed = timezone.localtime(latest.closes_at).date()
    basis = Basis(
        themes=themes,
        closed=closed,
        recent=(timezone.localdate(now) - closed).days <= RECENT_RESULTS_DAYS,
        interviewed=Interview.objects.filter(round=latest).exists(),
        focus_group_held=FocusSession.objects.filter(round=latest).exists(),
    )
    report = round_report.build(latest, now, with_open_answers=False)
    if not report.released:
        return basis
    tension = {s.theme for s in report.signals if s.kind in ("tension", "warning_sign")}
    means = {row.theme.pk: row.mean for row in report.themes if row.theme and row.mean is not None}
    ranked = sorted(
        (t for t in themes if t.pk in means),
        key=lambda t: (t.number not in tension, means[t.pk]),
    )
    basis.themes = ranked[:2]
    return basis


def propose(school: School, first_year: int) -> list[Proposed]:
    now = timezone.now()
    today = timezone.localdate(now)
    year_start, end = date(first_year, 8, 1), date(first_year + 1, 7, 31)
    start = max(year_start, today + timedelta(days=7))
    holidays = holidays_between(school, start, end + timedelta(days=60))

    def free(day: date) -> date:
        """``day`` or the first school day after it, within the year; if the year has no room
        left, the last school day before it."""
        after = school_day_from(day, holidays)
        return after if after <= end else school_day_from(day, holidays, step=-1)

    if start > end:
        return []
    span = (end - start).days
    basis = _basis(school, now)
    themes, recent, closed = basis.themes, basis.recent, basis.closed
    catalogue = list(
        Intervention.objects.catalogue().select_related("theme").prefetch_related("recommendations")
    )

    def codes_for(theme: Theme, numbers: set[int], limit: int = 2) -> list[int]:
        picked = [
            i.pk
            for i in catalogue
            if i.theme_id == theme.pk and {r.number for r in i.recommendations.all()} & numbers
        ]
        return picked[:limit] or [i.pk for i in catalogue if i.theme_id == theme.pk][:limit]

    plan: list[Proposed] = []
    first = free(start)
    if not recent:
        plan.append(
            Proposed(
                kind=K.QUESTIONNAIRE,
                title=_("Questionnaire round: how does our dialogue go?"),
                day=first,
                duration_minutes=20,
                reason=_("There are no recent results: measure first, so the plan rests on them."),
            )
        )
        talk_from = first + timedelta(weeks=3)
    else:
        talk_from = first
    # Results that were already talked through (interviews, a focus group) are not proposed
    # again; a new round is.
    if not (recent and basis.interviewed):
        plan.append(
            Proposed(
                kind=K.INTERVIEWS,
                title=_("Interviews with teachers"),
                day=free(talk_from),
                duration_minutes=30,
                recommendation=4,
                reason=_(
                    "Hear per teacher what is going on and who would like help to raise "
                    "something (Aanbeveling 4)."
                ),
            )
        )
    if not (recent and basis.focus_group_held):
        plan.append(
            Proposed(
                kind=K.FOCUS_GROUP,
                title=_("Focus group: discuss the results together"),
                day=free(talk_from + timedelta(weeks=2)),
                duration_minutes=90,
                recommendation=3,
                reason=_("Name what you see together and make agreements (Aanbevelingen 2 and 3)."),
            )
        )
    practice_start = talk_from + timedelta(weeks=4)
    practice_span = max((end - timedelta(weeks=6) - practice_start).days, 14)
    slots = max(len(themes) * 2, 1)
    for n in range(len(themes) * 2):
        theme = themes[n % len(themes)]
        interventions = codes_for(theme, {5, 4})
        texts = " ".join(i.text_nl.lower() for i in catalogue if i.pk in interventions)
        kind = K.FEEDBACK_PRACTICE if "feedback" in texts else K.CONVERSATION_PRACTICE
        plan.append(
            Proposed(
                kind=kind,
                title=_("Practise: %(theme)s") % {"theme": theme.name},
                day=free(practice_start + timedelta(days=practice_span * n // slots)),
                recommendation=5,
                interventions=interventions,
                reason=(
                    _("%(theme)s is among the weakest themes in the latest results.")
                    if closed
                    else _("Practise every theme once, until results point at where to start.")
                )
                % {"theme": theme.name},
            )
        )
    for fraction in (0.3, 0.6, 0.85):
        plan.append(
            Proposed(
                kind=K.GROUP_REFLECTION,
                title=_("Group reflection: how do we talk with each other?"),
                day=free(start + timedelta(days=int(span * fraction))),
                recommendation=2,
                reason=_(
                    "Stop now and then to reflect on the conversation itself: what can be "
                    "said, and what not?"
                ),
            )
        )
    # Agreements due on the same day are reviewed in one moment.
    reviewed = Activity.objects.for_school(school).filter(agreements__isnull=False)
    due: dict[date, list[Agreement]] = {}
    for agreement in (
        Agreement.objects.for_school(school)
        .filter(review_on__range=(start, end))
        .exclude(activities__in=reviewed)
        .order_by("review_on", "pk")
    ):
        due.setdefault(agreement.review_on, []).append(agreement)
    for review_on, agreements in due.items():
        title = (
            _("Review: %(text)s") % {"text": agreements[0].text}
            if len(agreements) == 1
            else _("Review of %(count)d agreements") % {"count": len(agreements)}
        )
        plan.append(
            Proposed(
                kind=K.EVALUATION,
                title=title[:200],
                day=free(review_on),
                duration_minutes=30 + 15 * len(agreements),
                recommendation=3,
                agenda="\n".join(f"- {a.text}" for a in agreements),
                agreements=[a.pk for a in agreements],
                reason=_("Due for review on %(day)s.") % {"day": review_on.strftime("%d-%m-%Y")},
            )
        )
    plan.append(
        Proposed(
            kind=K.QUESTIONNAIRE,
            title=_("Questionnaire round: measure again"),
            day=free(end - timedelta(weeks=10)),
            duration_minutes=20,
            reason=_("Measure again, so next year's plan starts from fresh results."),
        )
    )
    plan.append(
        Proposed(
            kind=K.EVALUATION,
            title=_("Evaluation of the year and agreements for next year"),
            day=free(end - timedelta(weeks=5)),
            duration_minutes=90,
            recommendation=3,
            reason=_("Look back on the year together and decide what you keep doing."),
        )
    )
    plan = [p for p in plan if start <= p.day <= end]
    plan.sort(key=lambda p: p.day)
    planned = Activity.objects.for_school(school).occurrences(start, end)
    for proposed in plan:
        if any(
            activity.kind == proposed.kind
            and abs((moment.date() - proposed.day).days) <= ALREADY_PLANNED_DAYS
            for activity, moment in planned
        ):
            proposed.include = False
            already = _("Already in the plan around this date.")
            proposed.reason = f"{proposed.reason} {already}"
    return plan


class ProposalRowForm(forms.Form):
    include = forms.BooleanField(label=gettext_lazy("Add"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Activity.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    day = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    at = forms.TimeField(
        label=gettext_lazy("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"),
        min_value=1,
        max_value=24 * 60,
        required=False,
        error_messages={
            "min_value": gettext_lazy("The duration must be at least 1 minute."),
            "max_value": gettext_lazy("The duration can be at most one day (1440 minutes)."),
        },
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recommendation = forms.TypedChoiceField(
        choices=[("", "")] + [(n, n) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.HiddenInput,
    )
    interventions = forms.CharField(required=False, widget=forms.HiddenInput)
    agreements = forms.CharField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data.get("title", "").split())

    def _ids(self, name: str, allowed: Any) -> list[int]:
        """Ids the proposal carried in a hidden field, all of which this school may use."""
        raw = self.cleaned_data.get(name, "")
        ids = [whole_number(part.strip()) for part in raw.split(",") if part.strip()]
        if None in ids:
            raise ValidationError(_("This proposal was changed; reload the page."))
        wanted = {pk for pk in ids if pk is not None}
        found = set(allowed.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
        if found != wanted:
            raise ValidationError(_("This proposal was changed; reload the page."))
        return sorted(found)

    def clean_interventions(self) -> list[int]:
        return self._ids("interventions", Intervention.objects.visible_to(self.school))

    def clean_agreements(self) -> list[int]:
        return self._ids("agreements", Agreement.objects.for_school(self.school))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("include"):
            return cleaned
        if not cleaned.get("title"):
            self.add_error("title", _("Give the activity a title."))
        if not cleaned.get("day") and "day" not in self.errors:
            self.add_error("day", _("Choose a date."))
        if not cleaned.get("at") and "at" not in self.errors:
            self.add_error("at", _("Choose a time."))
        if not cleaned.get("duration_minutes") and "duration_minutes" not in self.errors:
            self.add_error("duration_minutes", _("Fill in how many minutes it takes."))
        return cleaned

    def has_errors_that_matter(self) -> bool:
        return bool(self.errors) and bool(self.data.get(self.add_prefix("include")))


# absolute_max: a posted TOTAL_FORMS of 40 digits builds (and shows again) no more rows than a
# proposal can have; Django's default would be max_num + 1,000.
ProposalFormSet = formset_factory(
    ProposalRowForm, extra=0, max_num=80, absolute_max=80, validate_max=True
)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def proposal(request: AuthedRequest, school: School) -> HttpResponse:
    first_year = _year_param(request)
    if request.method == "POST":
        formset = ProposalFormSet(request.POST, form_kwargs={"school": school})
        # An unticked row may hold anything: only the ticked ones have to be right.
        valid = formset.is_valid() or (
            not formset.non_form_errors()
            and formset.management_form.is_valid()
            and not any(form.has_errors_that_matter() for form in formset.forms)
        )
        if valid:
            rows = [
                form.cleaned_data
                for form in formset.forms
                if form.cleaned_data.get("include") and not form.errors
            ]
            if not rows:
                messages.error(request, _("Tick at least one moment to add to the calendar."))
            else:
                _save(request, school, rows)
                messages.success(
                    request,
                    _("%(count)d activities were added to the calendar.") % {"count": len(rows)},
                )
                year_url = reverse("calendar:year", args=[school.slug])
                return redirect(f"{year_url}?year={first_year}")
        status = 400
    else:
        formset = ProposalFormSet(
            initial=[p.initial() for p in propose(school, first_year)],
            form_kwargs={"school": school},
        )
        status = 200
    return render(
        request,
        "planning/proposal.html",
        {"school": school, "formset": formset, "first_year": first_year},
        status=status,
    )


@transaction.atomic
def _save(request: AuthedRequest, school: School, rows: list[dict[str, Any]]) -> None:
    recommendations = {r.number: r for r in Recommendation.objects.all()}
    for row in rows:
        activity = Activity.objects.create(
            school=school,
            kind=row["kind"],
            title=row["title"],
            starts_at=local_moment(row["day"], row["at"]),
            duration_minutes=row["duration_minutes"],
            agenda=row.get("agenda", ""),
            recommendation=recommendations.get(row["recommendation"] or 0),
            created_by=request.user,
        )
        if row["interventions"]:
            activity.interventions.set(row["interventions"])
        if row["agreements"]:
            activity.agreements.set(row["agreements"])
