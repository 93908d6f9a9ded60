"""Teachers take part in the year plan (Aanbeveling 5: "inventariseer onderwerpen en thema's en
betrek leerkrachten bij de invulling van bijeenkomsten").

Teachers (and the leader) suggest topics for coming meetings and vote on them; the leader puts
a topic on a meeting's agenda or sets it aside; a teacher can offer to help prepare a meeting.
Names appear with a topic only when its author chose so: a topic that "cannot be said" should
still be able to reach the agenda.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interventions.models import Intervention
from planning.models import Activity, Topic, TopicVote, school_year
from schools.forms import submitted
from schools.http import whole_number
from schools.models import School
from schools.tenancy import AuthedRequest, get_owned_or_404, school_view

# A topic is for a meeting, so it can go on the agenda of these kinds of activity.
AGENDA_KINDS = [
    Activity.Kind.TEAM_MEETING,
    Activity.Kind.STUDY_DAY,
    Activity.Kind.GROUP_REFLECTION,
    Activity.Kind.PEER_CONSULTATION,
    Activity.Kind.FEEDBACK_PRACTICE,
    Activity.Kind.CONVERSATION_PRACTICE,
    Activity.Kind.FOCUS_GROUP,
    Activity.Kind.EVALUATION,
    Activity.Kind.OTHER,
]
MAX_OPEN_TOPICS_PER_PERSON = 10


class TopicForm(forms.ModelForm[Topic]):
    class Meta:
        model = Topic
        fields = ["text", "show_name"]
        labels = {"text": gettext_lazy("What would you like to talk about together?")}
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "maxlength": 300})}
        error_messages = {
            "text": {
                "required": gettext_lazy("Write down the topic."),
                "max_length": gettext_lazy("Keep the topic short: at most 300 characters."),
            }
        }

    def __init__(self, *args: Any, author_open_topics: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.author_open_topics = author_open_topics

    def clean_text(self) -> str:
        text = " ".join(self.cleaned_data["text"].split())
        if not text:
            raise ValidationError(_("Write down the topic."))
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.author_open_topics >= MAX_OPEN_TOPICS_PER_PERSON:
            raise ValidationError(
                _(
                    "You already have %(count)d open topics. Wait until some are on an agenda, "
                    "or withdraw one."
                )
                % {"count": self.author_open_topics}
            )
        return cleaned


def upcoming_meetings(school: School, limit: int = 12) -> list[tuple[Activity, datetime]]:
    """The next meetings (each meeting of a series on its own) whose agenda a topic can go
    on."""
    start = timezone.localdate()
    end = school_year(start)[1] + timedelta(days=92)
    meetings = Activity.objects.for_school(school).filter(kind__in=AGENDA_KINDS)
    return meetings.occurrences(start, end)[:limit]


def meeting_choice(activity: Activity, moment: datetime) -> str:
    """The value that names one meeting: the activity, and for a series the date."""
    if activity.repeats:
        return f"{activity.pk}@{moment.date().isoformat()}"
    return str(activity.pk)


def _meeting_choices(school: School) -> list[tuple[Activity, datetime, str]]:
    return [
        (activity, moment, meeting_choice(activity, moment))
        for activity, moment in upcoming_meetings(school)
    ]


def _chosen_meeting(school: School, raw: str) -> tuple[Activity, date | None] | None:
    pk_raw, _at, day_raw = raw.partition("@")
    pk = whole_number(pk_raw)
    if pk is None:
        return None
    activity = Activity.objects.for_school(school).filter(pk=pk, kind__in=AGENDA_KINDS).first()
    if activity is None:
        return None
    if not activity.repeats:
        return activity, None
    try:
        day = date.fromisoformat(day_raw)
    except ValueError:
        return None
    if not activity.moments(day, day):
        return None
    return activity, day


def _topic_list(request: AuthedRequest, school: School) -> list[Topic]:
    return list(
        Topic.objects.for_school(school)
        .with_votes(request.user)
        .select_related("suggested_by", "activity")
        .order_by("status", "-vote_count", "-created_at", "pk")
    )


def _page(
    request: AuthedRequest, school: School, form: TopicForm, status: int = 200
) -> HttpResponse:
    leader = request.user.is_leader_of(school)
    topics = _topic_list(request, school)
    return render(
        request,
        "planning/topics.html",
        {
            "school": school,
            "form": form,
            "is_leader": leader,
            "open_topics": [t for t in topics if t.status == Topic.Status.OPEN],
            "planned_topics": [t for t in topics if t.status == Topic.Status.PLANNED],
            "set_aside_topics": [t for t in topics if t.status == Topic.Status.SET_ASIDE],
            "meetings": _meeting_choices(school) if leader else [],
        },
        status=status,
    )


@school_view(lead=False)
@require_http_methods(["GET", "POST"])
def topics(request: AuthedRequest, school: School) -> HttpResponse:
    open_count = Topic.objects.filter(
        school=school, suggested_by=request.user, status=Topic.Status.OPEN
    ).count()
    form = TopicForm(**submitted(request), author_open_topics=open_count)
    if request.method == "POST":
        if form.is_valid():
            topic = form.save(commit=False)
            topic.school = school
            topic.suggested_by = request.user
            topic.save()
            messages.success(request, _("Thank you. Your topic is on the list."))
            return redirect("calendar:topics", school.slug)
        return _page(request, school, form, status=400)
    return _page(request, school, form)


def _topic(school: School, pk: int) -> Topic:
    return get_owned_or_404(Topic.objects.all(), school, pk=pk)


@school_view(lead=False)
@require_POST
def topic_vote(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Vote for a topic, or take the vote back (one vote per person per topic)."""
    topic = _topic(school, pk)
    if topic.status != Topic.Status.OPEN:
        messages.error(request, _("Voting is closed for this topic."))
        return redirect("calendar:topics", school.slug)
    deleted, _counts = TopicVote.objects.filter(topic=topic, user=request.user).delete()
    if not deleted:
        try:
            with transaction.atomic():
                TopicVote.objects.create(topic=topic, user=request.user)
        except IntegrityError:
            pass  # A double click: the vote is there, which is what was asked.
    if request.htmx:
        leader = request.user.is_leader_of(school)
        row = Topic.objects.with_votes(request.user).select_related("suggested_by").get(pk=pk)
        return render(
            request,
            "planning/topics.html#topic",
            {
                "school": school,
                "topic": row,
                "is_leader": leader,
                "meetings": _meeting_choices(school) if leader else [],
            },
        )
    return redirect("calendar:topics", school.slug)


@school_view(lead=False)
@require_POST
def topic_withdraw(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    topic = _topic(school, pk)
    if topic.suggested_by_id != request.user.pk or topic.status != Topic.Status.OPEN:
        raise Http404
    topic.delete()
    messages.success(request, _("Your topic was withdrawn."))
    return redirect("calendar:topics", school.slug)


@school_view(lead=True)
@require_POST
def topic_plan(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """Put a topic on a meeting's agenda."""
    topic = _topic(school, pk)
    chosen = _chosen_meeting(school, request.POST.get("activity", ""))
    if chosen is None:
        messages.error(request, _("Choose the meeting on whose agenda the topic goes."))
        return redirect("calendar:topics", school.slug)
    activity, day = chosen
    topic.put_on_agenda(activity, day)
    messages.success(
        request,
        _("The topic is on the agenda of “%(title)s”.") % {"title": activity.title},
    )
    return redirect("calendar:topics", school.slug)


@school_view(lead=True)
@require_POST
def topic_set_aside(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    topic = _topic(school, pk)
    topic.status = (
        Topic.Status.OPEN if topic.status == Topic.Status.SET_ASIDE else Topic.Status.SET_ASIDE
    )
    topic.save(update_fields=["status"])
    return redirect("calendar:topics", school.slug)


# --- One activity, and offering to help prepare it ---------------------------------------------


@school_view(lead=False)
@require_GET
def activity_detail(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    activity = get_owned_or_404(
        Activity.objects.select_related("recommendation").prefetch_related(
            "helpers",
            "agreements",
            Prefetch("interventions", queryset=Intervention.objects.select_related("theme")),
            Prefetch("topics", queryset=Topic.objects.order_by("occurs_on", "pk")),
        ),
        school,
        pk=pk,
    )
    start = timezone.localdate()
    moments = activity.moments(start, school_year(start)[1] + timedelta(days=365))[:8]
    return render(
        request,
        "planning/activity.html",
        {
            "school": school,
            "activity": activity,
            "moments": moments,
            "is_leader": request.user.is_leader_of(school),
            "helping": any(h.pk == request.user.pk for h in activity.helpers.all()),
            "is_teacher": school.teachers().filter(pk=request.user.pk).exists(),
        },
    )


@school_view(lead=False)
@require_POST
def activity_help(request: AuthedRequest, school: School, pk: int) -> HttpResponse:
    """A teacher offers to help prepare the activity, or withdraws the offer."""
    activity = get_owned_or_404(Activity.objects.all(), school, pk=pk)
    if not school.teachers().filter(pk=request.user.pk).exists():
        raise Http404
    if activity.helpers.filter(pk=request.user.pk).exists():
        activity.helpers.remove(request.user)
        messages.success(request, _("You no longer help prepare this activity."))
    else:
        activity.helpers.add(request.user)
        messages.success(
            request,
            _("Thank you! The leader sees that you help prepare this activity."),
        )
    return redirect("calendar:activity", school.slug, activity.pk)


# --- Demo -------------------------------------------------------------------------------------


def seed_topics(school: School) -> None:
    """Topics the demo team suggested, with votes; one is already on a meeting's agenda.
    Idempotent: a topic with the same text is not added twice."""
    teachers = list(school.teachers().order_by("email"))
    if not teachers:
        return
    suggestions = [
        ("Hoe geven we elkaar feedback na een klassenbezoek?", 7, False),
        ("De verdeling van taken: wat vinden we eerlijk?", 5, False),
        ("Hoe vangen we nieuwe collega's op?", 3, True),
        ("Wat doen we als een afspraak niet wordt nagekomen?", 2, False),
    ]
    for n, (text, votes, show_name) in enumerate(suggestions):
        topic, created = Topic.objects.get_or_create(
            school=school,
            text=text,
            defaults={"suggested_by": teachers[n % len(teachers)], "show_name": show_name},
        )
        if created:
            TopicVote.objects.bulk_create(
                [TopicVote(topic=topic, user=user) for user in teachers[:votes]],
                ignore_conflicts=True,
            )
    planned = Topic.objects.filter(school=school, text=suggestions[2][0], activity=None).first()
    meetings = upcoming_meetings(school, limit=1)
    if planned is not None and meetings:
        planned.put_on_agenda(meetings[0][0], meetings[0][1].date())
