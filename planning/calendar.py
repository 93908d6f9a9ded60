"""The annual calendar (jaarkalender): Aanbeveling 5, "zet het in de jaarkalender".

A school year runs 1 August - 31 July in Europe/Amsterdam. Activities are stored once; a
repeating activity's occurrences are computed (``ActivityQuerySet.occurrences``).
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from focusgroups.models import Agreement
from interventions.models import Intervention, Recommendation, Theme
from planning.models import Activity, SchoolHoliday, practiced_themes, school_year, topic_counts
from schools.forms import submitted
from schools.http import whole_number
from schools.models import School, User
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view
from surveys import report as round_report
from surveys.models import Round, SuggestionChoice

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_REPEAT_DAYS = 2 * 366
DEFAULT_TIME = time(15, 0)

# An activity, the moment of one of its meetings, and how many team topics are on that
# meeting's agenda.
Occurrence = tuple[Activity, datetime, int]


# --- Helpers ----------------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def local_moment(day: date, at: time = DEFAULT_TIME) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def holidays_between(school: School, start: date, end: date) -> list[SchoolHoliday]:
    return list(SchoolHoliday.objects.for_region(school.region).overlapping(start, end))


def holiday_on(school: School, day: date) -> SchoolHoliday | None:
    return SchoolHoliday.objects.for_region(school.region).overlapping(day, day).first()


def school_day_from(day: date, holidays: list[SchoolHoliday], step: int = 1) -> date:
    """``day`` if it is a weekday outside ``holidays``, else the first such day after it
    (``step=1``) or before it (``step=-1``)."""
    while day.weekday() >= 5 or any(h.contains(day) for h in holidays):
        day += timedelta(days=step)
    return day


def next_working_day(school: School, after: date) -> date:
    """The first weekday after ``after`` that is not in a school holiday of the school's region."""
    holidays = holidays_between(school, after, after + timedelta(days=120))
    return school_day_from(after + timedelta(days=1), holidays)


def occurrences_with_topics(school: School, start: date, end: date) -> list[Occurrence]:
    """The school's meetings between ``start`` and ``end``, each with its topic count; two
    queries whatever the number of activities or topics."""
    counts = topic_counts(school)
    return [
        (
            activity,
            moment,
            counts.get((activity.pk, None), 0) + counts.get((activity.pk, moment.date()), 0),
        )
        for activity, moment in Activity.objects.for_school(school).occurrences(start, end)
    ]


def _year_param(request: HttpRequest) -> int:
    """The first calendar year of the school year asked for (``?year=2026`` → 2026-2027)."""
    raw = request.GET.get("year", "")
    if raw:
        year = whole_number(raw, low=MIN_YEAR, high=MAX_YEAR)
        if year is None:
            raise Http404
        return year
    return school_year(today())[0].year


# --- Form -------------------------------------------------------------------------------------


class ActivityForm(forms.ModelForm[Activity]):
    day = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("Choose a date.")},
    )
    at = forms.TimeField(
        label=gettext_lazy("Time"),
        initial=DEFAULT_TIME,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": gettext_lazy("Choose a time.")},
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "day",
            "at",
            "duration_minutes",
            "place",
            "agenda",
            "repeat_weeks",
            "repeat_until",
            "recommendation",
            "interventions",
            "agreements",
            "helpers",
            "private_notes",
        ]
        widgets = {
            "repeat_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "private_notes": forms.Textarea(attrs={"rows": 3}),
            "interventions": forms.CheckboxSelectMultiple,
            "agreements": forms.CheckboxSelectMultiple,
            "helpers": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "title": {"required": gettext_lazy("Give the activity a title.")},
            "duration_minutes": {"required": gettext_lazy("Fill in how many minutes it takes.")},
        }

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        if self.instance.pk:
            moment = timezone.localtime(self.instance.starts_at)
            self.initial.setdefault("day", moment.date())
            self.initial.setdefault("at", moment.time().replace(second=0, microsecond=0))
        fields: dict[str, Any] = self.fields
        fields["interventions"].queryset = Intervention.objects.visible_to(school).select_related(
            "theme"
        )
        fields["agreements"].queryset = Agreement.objects.for_school(school)
        fields["helpers"].queryset = school.teachers().order_by("full_name")
        fields["helpers"].label_from_instance = lambda user: user.full_name or user.email
        fields["repeat_weeks"].required = False
        fields["repeat_until"].help_text = _("Leave empty when it does not repeat.")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Save")))

    def clean_duration_minutes(self) -> int:
        minutes = self.cleaned_data["duration_minutes"]
        if minutes is None or minutes <= 0:
            raise ValidationError(_("The duration must be at least 1 minute."))
        if minutes > 24 * 60:
            raise ValidationError(_("The duration can be at most one day (1440 minutes)."))
        return int(minutes)

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Give the activity a title."))
        return title

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "repeat_weeks" in cleaned:
            cleaned["repeat_weeks"] = cleaned["repeat_weeks"] or 0
        day, weeks, until = (
            cleaned.get("day"),
            cleaned.get("repeat_weeks") or 0,
            cleaned.get("repeat_until"),
        )
        if weeks and not until:
            self.add_error("repeat_until", _("Choose the date until which it repeats."))
        if until and not weeks:
            self.add_error("repeat_weeks", _("Choose every how many weeks it repeats."))
        if day and until:
            if until < day:
                self.add_error("repeat_until", _("The repeat cannot end before the first date."))
            elif (until - day).days > MAX_REPEAT_DAYS:
                self.add_error("repeat_until", _("A repeat can run for at most two years."))
        return cleaned

    def save(self, commit: bool = True) -> Activity:
        data = self.cleaned_data
        self.instance.school = self.school
        self.instance.starts_at = local_moment(data["day"], data["at"])
        return super().save(commit)


# --- Views ------------------------------------------------------------------------------------


@dataclass
class MonthBlock:
    first: date
    occurrences: list[Occurrence] = field(default_factory=list)
    holidays: list[SchoolHoliday] = field(default_factory=list)


@school_view(lead=False)
@require_GET
def year(request: AuthedRequest, school: School) -> HttpResponse:
    first_year = _year_param(request)
    start, end = date(first_year, 8, 1), date(first_year + 1, 7, 31)
    months = [
        MonthBlock(first=date(first_year + (m < 8), m, 1)) for m in [*range(8, 13), *range(1, 8)]
    ]
    by_month = {(b.first.year, b.first.month): b for b in months}
    for occurrence in occurrences_with_topics(school, start, end):
        moment = occurrence[1]
        by_month[(moment.year, moment.month)].occurrences.append(occurrence)
    holidays = holidays_between(school, start, end)
    holiday_days = {
        h.starts_on + timedelta(days=n)
        for h in holidays
        for n in range((h.ends_on - h.starts_on).days + 1)
    }
    for block in months:
        last = block.first.replace(
            day=pycalendar.monthrange(block.first.year, block.first.month)[1]
        )
        block.holidays = [h for h in holidays if h.starts_on <= last and h.ends_on >= block.first]
    return render(
        request,
        "planning/year.html",
        {
            "school": school,
            "months": months,
            "first_year": first_year,
            "previous_year": first_year - 1,
            "next_year": first_year + 1,
            "holiday_days": holiday_days,
            "is_leader": request.user.is_leader_of(school),
        },
    )


@school_view(lead=False)
@require_GET
def month(request: AuthedRequest, school: School, year: int, month: int) -> HttpResponse:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        raise Http404
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start, end = weeks[0][0], weeks[-1][-1]
    per_day: dict[date, list[Occurrence]] = {}
    for occurrence in occurrences_with_topics(school, start, end):
        per_day.setdefault(occurrence[1].date(), []).append(occurrence)
    holidays = holidays_between(school, start, end)
    grid = [
        [
            {
                "day": day,
                "in_month": day.month == month,
                "occurrences": per_day.get(day, []),
                "holiday": next((h for h in holidays if h.contains(day)), None),
            }
            for day in week
        ]
        for week in weeks
    ]
    first = date(year, month, 1)
    previous = first - timedelta(days=1)
    following = first + timedelta(days=32)
    return render(
        request,
        "planning/month.html",
        {
            "school": school,
            "first": first,
            "grid": grid,
            "weekdays": [date(2024, 1, 1) + timedelta(days=i) for i in range(7)],
            "previous": previous,
            "following": following,
            "is_leader": request.user.is_leader_of(school),
        },
    )


@school_view(lead=False)
@require_GET
def upcoming(request: AuthedRequest, school: School) -> HttpResponse:
    start = today()
    end = school_year(start)[1] + timedelta(days=365)
    occurrences = occurrences_with_topics(school, start, end)
    return render(
        request,
        "planning/list.html",
        {
            "school": school,
            "occurrences": occurrences,
            "is_leader": request.user.is_leader_of(school),
        },
    )


def _warn_if_holiday(request: HttpRequest, school: School, activity: Activity) -> None:
    day = timezone.localtime(activity.starts_at).date()
    holiday = holiday_on(school, day)
    if holiday is not None:
        messages.warning(
            request,
            _("Note: %(day)s falls in the %(holiday)s of your region.")
            % {"day": day.strftime("%d-%m-%Y"), "holiday": holiday.name.lower()},
        )


def _form_page(request: AuthedRequest, school: School, activity: Activity | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    kind = request.GET.get("kind", "")
    if activity is None and kind in Activity.Kind.values:
        # A nudge links here with the kind of moment it suggests (nudges.rules).
        initial = {"kind": kind, "title": str(Activity.Kind(kind).label)}
    form = ActivityForm(**submitted(request), instance=activity, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        creating = activity is None
        if creating:
            form.instance.created_by = request.user
        saved = form.save()
        messages.success(
            request, _("The activity was added.") if creating else _("The activity was saved.")
        )
        _warn_if_holiday(request, school, saved)
        day = timezone.localtime(saved.starts_at).date()
        return redirect(reverse("calendar:month", args=[school.slug, day.year, day.month]))
    holiday = None
    if activity is not None and request.method == "GET":
        holiday = holiday_on(school, timezone.localtime(activity.starts_at).date())
    return render(
        request,
        "planning/form.html",
        {"school": school, "form": form, "activity": activity, "holiday": holiday},
    )


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def activity_new(request: AuthedRequest, school: School) -> HttpResponse:
    return _form_page(request, school, None)


@school_view(lead=True)
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    return _form_page(request, school, get_owned_or_404(Activity.objects.all(), school, pk=pk))


@school_view(lead=True)
@require_POST
def activity_delete(request: HttpRequest, school: School, pk: int) -> HttpResponse:
    activity = get_owned_or_404(Activity.objects.all(), school, pk=pk)
    # Subscribed calendars learn it is off through the feed (STATUS:CANCELLED).
    activity.cancel()
    messages.success(request, _("The activity was removed from the calendar."))
    return redirect("calendar:year", school.slug)


def kind_for(recommendation: Recommendation, interventions: tuple[Intervention, ...]) -> str:
    """Which kind of moment fits a recommendation (Aanbevelingen 1-5)."""
    kinds = Activity.Kind
    if recommendation.number == 5:
        if any("feedback" in i.text_nl.lower() for i in interventions):
            return kinds.FEEDBACK_PRACTICE
        return kinds.CONVERSATION_PRACTICE
    if recommendation.number == 2:
        return kinds.GROUP_REFLECTION
    if recommendation.number in (1, 3):
        return kinds.TEAM_MEETING
    return kinds.OTHER


@school_view(lead=True)
@require_POST
def from_suggestion(
    request: AuthedRequest, school: School, round_pk: int, key: str
) -> HttpResponse:
    round_ = get_owned_or_404(
        Round.objects.select_related("school", "team", "version"), school, pk=round_pk
    )
    if not SuggestionChoice.objects.filter(
        round=round_, key=key, status=SuggestionChoice.Status.CHOSEN
    ).exists():
        raise Http404
    report = round_report.build(round_, timezone.now(), with_open_answers=False)
    row = next((r for r in report.suggestions if r.suggestion.key == key), None)
    if row is None:
        raise Http404
    suggestion = row.suggestion
    day = next_working_day(school, today())
    activity = Activity.objects.create(
        school=school,
        kind=kind_for(suggestion.recommendation, suggestion.interventions),
        title=suggestion.recommendation.title[:200],
        starts_at=local_moment(day),
        duration_minutes=60,
        recommendation=suggestion.recommendation,
        suggestion_key=key,
        created_by=request.user,
    )
    activity.interventions.set(suggestion.interventions)
    messages.success(
        request,
        _(
            "The activity is in the calendar on the next free weekday. Adjust the date, the "
            "agenda and who helps prepare, and save."
        ),
    )
    return redirect("calendar:activity_edit", school.slug, activity.pk)


@school_view(lead=True)
@require_POST
def from_agreement(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    agreement = get_owned_or_404(Agreement.objects.all(), school, pk=pk)
    activity = Activity.objects.create(
        school=school,
        kind=Activity.Kind.EVALUATION,
        title=(_("Review: %(text)s") % {"text": agreement.text})[:200],
        starts_at=local_moment(agreement.review_on),
        duration_minutes=45,
        created_by=request.user,
    )
    activity.agreements.add(agreement)
    messages.success(
        request,
        _("The review is in the calendar on the agreement's review date. Adjust it and save."),
    )
    _warn_if_holiday(request, school, activity)
    return redirect("calendar:activity_edit", school.slug, activity.pk)


# Moments where the team practises talking together (Aanbeveling 5), besides any activity that
# runs a conversation format from the practice kit.
PRACTICE_KINDS = {
    Activity.Kind.FEEDBACK_PRACTICE,
    Activity.Kind.CONVERSATION_PRACTICE,
    Activity.Kind.GROUP_REFLECTION,
    Activity.Kind.PEER_CONSULTATION,
}


@dataclass
class CoverageRow:
    label: str
    count: int = 0
    first: datetime | None = None
    practice: int = 0

    def add(self, moment: datetime, practice: bool = False) -> None:
        self.count += 1
        self.practice += practice
        if self.first is None or moment < self.first:
            self.first = moment


@school_view(lead=True)
@require_GET
def coverage(request: HttpRequest, school: School) -> HttpResponse:
    first_year = _year_param(request)
    start, end = date(first_year, 8, 1), date(first_year + 1, 7, 31)
    themes = {t.pk: CoverageRow(label=str(t)) for t in Theme.objects.all()}
    recommendations = {r.pk: CoverageRow(label=str(r)) for r in Recommendation.objects.all()}
    activities = Activity.objects.for_school(school).prefetch_related(
        Prefetch(
            "interventions",
            queryset=Intervention.objects.prefetch_related("recommendations"),
        )
    )
    # The themes of the conversation format an activity runs count as well (one query).
    format_themes = practiced_themes(school)
    for activity, moment in activities.occurrences(start, end):
        interventions = list(activity.interventions.all())
        theme_ids = {i.theme_id for i in interventions} | format_themes.get(activity.pk, set())
        recommendation_ids = {r.pk for i in interventions for r in i.recommendations.all()}
        if activity.recommendation_id:
            recommendation_ids.add(activity.recommendation_id)
        practice = activity.kind in PRACTICE_KINDS or activity.pk in format_themes
        for theme_id in theme_ids:
            themes[theme_id].add(moment, practice)
        for recommendation_id in recommendation_ids:
            recommendations[recommendation_id].add(moment, practice)
    return render(
        request,
        "planning/coverage.html",
        {
            "school": school,
            "first_year": first_year,
            "themes": list(themes.values()),
            "recommendations": list(recommendations.values()),
        },
    )


# --- Demo -------------------------------------------------------------------------------------


def seed_year_plan(school: School, leader: User) -> list[Activity]:
    """A plausible year plan for the current school year of the demo school. Idempotent: an
    activity with the same title is updated, not added again."""
    start, end = school_year(today())
    holidays = holidays_between(school, start, end)

    def free(day: date) -> date:
        return school_day_from(day, holidays)

    def first_tuesday(year: int, month: int) -> date:
        day = date(year, month, 1)
        return day + timedelta(days=(1 - day.weekday()) % 7)

    y = start.year

    def meetings_start() -> date:
        """The first Tuesday from September on whose six-weekly repeats miss every holiday."""
        first = first_tuesday(y, 9)
        for shift in range(6):
            candidate = first + timedelta(weeks=shift)
            repeats = [candidate + timedelta(weeks=6 * n) for n in range(8)]
            if not any(h.contains(d) for h in holidays for d in repeats):
                return candidate
        return first

    catalogue = {i.code: i for i in Intervention.objects.catalogue().select_related("theme")}
    recommendations = {r.number: r for r in Recommendation.objects.all()}
    K = Activity.Kind
    plan: list[dict[str, Any]] = [
        {
            "title": "Teamvergadering",
            "kind": K.TEAM_MEETING,
            "day": meetings_start(),
            "duration_minutes": 90,
            "agenda": "1. Opening\n2. Professionele dialoog: wat speelt er, wat kan wel en wat "
            "kan niet?\n3. Afspraken van vorige keer\n4. Rondvraag",
            "repeat_weeks": 6,
            "repeat_until": date(y + 1, 7, 1),
            "recommendation": 1,
            "codes": ["1.1", "1.2"],
        },
        {
            "title": "Studiedag: samen leren in gesprek",
            "kind": K.STUDY_DAY,
            "day": free(date(y, 10, 5)),
            "at": time(8, 30),
            "duration_minutes": 420,
            "agenda": "Werken aan de professionele dialoog: luisteren, doorvragen, spanning "
            "benoemen.",
            "recommendation": 5,
            "codes": ["1.3"],
        },
        {
            "title": "Groepsreflectie: wat levert onze dialoog op?",
            "kind": K.GROUP_REFLECTION,
            "day": free(date(y, 11, 17)),
            "recommendation": 2,
            "codes": ["2.1"],
        },
        {
            "title": "Feedback oefenen in duo's",
            "kind": K.FEEDBACK_PRACTICE,
            "day": free(date(y + 1, 1, 19)),
            "recommendation": 5,
            "codes": ["1.4"],
        },
        {
            "title": "Groepsreflectie: samen leren",
            "kind": K.GROUP_REFLECTION,
            "day": free(date(y + 1, 3, 9)),
            "recommendation": 2,
            "codes": ["2.2"],
        },
        {
            "title": "Vragenlijstronde professionele dialoog",
            "kind": K.QUESTIONNAIRE,
            "day": free(date(y + 1, 4, 6)),
            "duration_minutes": 20,
            "agenda": "Iedereen vult de vragenlijst in; de ronde staat twee weken open.",
        },
        {
            "title": "Interviews met leerkrachten",
            "kind": K.INTERVIEWS,
            "day": free(date(y + 1, 5, 11)),
            "duration_minutes": 30,
        },
        {
            "title": "Focusgroep: resultaten samen bespreken",
            "kind": K.FOCUS_GROUP,
            "day": free(date(y + 1, 6, 1)),
            "duration_minutes": 90,
            "recommendation": 3,
        },
        {
            "title": "Evaluatie van het jaar en afspraken voor volgend jaar",
            "kind": K.EVALUATION,
            "day": free(date(y + 1, 6, 29)),
            "duration_minutes": 90,
            "recommendation": 3,
        },
    ]
    activities = []
    for entry in plan:
        codes = entry.pop("codes", [])
        number = entry.pop("recommendation", None)
        day = entry.pop("day")
        at = entry.pop("at", DEFAULT_TIME)
        entry.setdefault("duration_minutes", 60)
        activity, _created = Activity.objects.update_or_create(
            school=school,
            title=entry.pop("title"),
            defaults={
                **entry,
                "starts_at": local_moment(day, at),
                "recommendation": recommendations.get(number) if number else None,
                "created_by": leader,
                "place": "Teamkamer",
            },
        )
        activity.interventions.set([catalogue[c] for c in codes if c in catalogue])
        activities.append(activity)
    return activities
