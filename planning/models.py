"""The school's year plan (jaarplanning): the annual calendar with its meetings and school
holidays, the calendar feeds, and the topics teachers suggest for a meeting. An activity names
interventions of the catalogue and may review agreements a focus group made."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interventions.models import Intervention, Recommendation
from schools.models import School, SchoolOwnedQuerySet, User

# --- The annual calendar (jaarkalender) -------------------------------------------------------

SCHOOL_YEAR_START_MONTH = 8  # a school year runs 1 August - 31 July


def school_year(day: date) -> tuple[date, date]:
    """The first and last day of the school year ``day`` falls in (1 August - 31 July)."""
    first_year = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
    return date(first_year, SCHOOL_YEAR_START_MONTH, 1), date(first_year + 1, 7, 31)


class SchoolHolidayQuerySet(models.QuerySet["SchoolHoliday"]):
    def for_region(self, region: str) -> SchoolHolidayQuerySet:
        return self.filter(region=region)

    def overlapping(self, start: date, end: date) -> SchoolHolidayQuerySet:
        return self.filter(starts_on__lte=end, ends_on__gte=start)


class SchoolHoliday(models.Model):
    """A school holiday of one region (noord/midden/zuid), both days included."""

    region = models.CharField(_("region"), max_length=6, choices=School.Region.choices)
    name = models.CharField(_("name"), max_length=60)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    objects = SchoolHolidayQuerySet.as_manager()

    class Meta:
        verbose_name = _("school holiday")
        verbose_name_plural = _("school holidays")
        ordering = ["starts_on", "region"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="holiday_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_region_display()}) {self.starts_on}-{self.ends_on}"

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class ActivityQuerySet(SchoolOwnedQuerySet):
    school_path = "school"

    def for_school(self, school: School) -> ActivityQuerySet:
        return self.filter(school=school)

    def occurrences(self, start: date, end: date) -> list[tuple[Activity, datetime]]:
        """Every (activity, moment) between ``start`` and ``end`` (both days included, local
        time), repeats included, in order. One query for the activities; repeats are computed."""
        tz = timezone.get_current_timezone()
        first = datetime.combine(start, time.min, tzinfo=tz)
        last = datetime.combine(end, time.max, tzinfo=tz)
        candidates = self.filter(starts_at__lte=last).filter(
            Q(starts_at__gte=first) | Q(repeat_weeks__gt=0, repeat_until__gte=start)
        )
        result: list[tuple[Activity, datetime]] = []
        for activity in candidates:
            result.extend((activity, moment) for moment in activity.moments(start, end))
        result.sort(key=lambda pair: (pair[1], pair[0].pk))
        return result


class Activity(models.Model):
    """A moment in a school's year plan. A repeating activity is one row; its occurrences are
    computed (``moments``)."""

    class Kind(models.TextChoices):
        TEAM_MEETING = "team_meeting", _("Team meeting")
        STUDY_DAY = "study_day", _("Study day")
        GROUP_REFLECTION = "group_reflection", _("Group reflection")
        PEER_CONSULTATION = "peer_consultation", _("Peer consultation (intervisie)")
        FEEDBACK_PRACTICE = "feedback_practice", _("Feedback practice")
        CONVERSATION_PRACTICE = "conversation_practice", _("Conversation practice")
        QUESTIONNAIRE = "questionnaire", _("Questionnaire round")
        INTERVIEWS = "interviews", _("Interviews")
        FOCUS_GROUP = "focus_group", _("Focus group")
        EVALUATION = "evaluation", _("Evaluation")
        OTHER = "other", _("Other")

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    place = models.CharField(_("place"), max_length=120, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    interventions = models.ManyToManyField(
        Intervention, verbose_name=_("interventions"), related_name="activities", blank=True
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name=_("recommendation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    agreements = models.ManyToManyField(
        "focusgroups.Agreement",
        verbose_name=_("agreements reviewed"),
        related_name="activities",
        blank=True,
    )
    helpers = models.ManyToManyField(
        User, verbose_name=_("who helps prepare"), related_name="helps_prepare", blank=True
    )
    private_notes = models.TextField(_("private notes (only for the leader)"), blank=True)
    # A calendar feed's UID and SEQUENCE: subscribers recognise a moved activity as the same
    # event (RFC 5545 3.8.4.7, 3.8.7.4) instead of showing it twice.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    suggestion_key = models.SlugField(max_length=40, blank=True)
    repeat_weeks = models.PositiveSmallIntegerField(
        _("repeat every … weeks"), default=0, help_text=_("0 means it does not repeat.")
    )
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title

    # What a subscriber's calendar shows; changing any of these is a new revision of the event.
    FEED_FIELDS = (
        "kind",
        "title",
        "starts_at",
        "duration_minutes",
        "place",
        "agenda",
        "repeat_weeks",
        "repeat_until",
    )

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Activity:
        instance = super().from_db(db, field_names, values)
        instance._as_loaded = instance._feed_state()
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._as_loaded = self._feed_state()

    def _feed_state(self) -> dict[str, Any]:
        # Only fields that were loaded: reading a deferred one would load it, and from
        # from_db() that recursed without end (a cascade delete loads activities with only
        # their ids).
        deferred = self.get_deferred_fields()
        return {name: getattr(self, name) for name in self.FEED_FIELDS if name not in deferred}

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = getattr(self, "_as_loaded", None)
        now = self._feed_state()
        if self.pk and loaded is not None and any(now.get(k, v) != v for k, v in loaded.items()):
            self.sequence += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        super().save(*args, **kwargs)
        self._as_loaded = self._feed_state()

    def cancel(self) -> None:
        """Remove the activity, leaving a cancelled event for calendar subscribers."""
        CancelledActivity.objects.create(
            school_id=self.school_id,
            uid=self.uid,
            title=self.title,
            starts_at=self.starts_at,
            duration_minutes=self.duration_minutes,
            sequence=self.sequence + 1,
        )
        self.delete()

    @property
    def repeats(self) -> bool:
        return bool(self.repeat_weeks and self.repeat_until)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def get_absolute_url(self) -> str:
        return reverse("calendar:activity", args=[self.school.slug, self.pk])

    def moments(self, start: date, end: date) -> list[datetime]:
        """The local start moments of this activity on days ``start``..``end``."""
        tz = timezone.get_current_timezone()
        first = timezone.localtime(self.starts_at, tz)
        step = self.repeat_weeks if self.repeat_weeks and self.repeat_until else 0
        last_day = min(end, self.repeat_until) if step and self.repeat_until else end
        result = []
        n = 0
        while True:
            # Same wall-clock time every repeat, also across the change to summer time.
            day = first.date() + timedelta(weeks=step * n)
            if day > last_day or (n and not step):
                break
            if day >= start:
                result.append(datetime.combine(day, first.timetz().replace(tzinfo=None), tz))
            n += 1
            if not step:
                break
        return result


class CancelledActivity(models.Model):
    """What remains of a removed activity, so calendar feeds can tell subscribers it is off
    (STATUS:CANCELLED with a higher SEQUENCE). Pruned after ``CANCELLED_KEEP_DAYS``."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    uid = models.UUIDField(unique=True)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    cancelled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cancelled activity")
        verbose_name_plural = _("cancelled activities")

    def __str__(self) -> str:
        return self.title


CANCELLED_KEEP_DAYS = 120


def feed_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A secret calendar address (iCalendar). Without a user it is the school's feed, which
    the leader may share with the team; with a user it is that person's own. Only the hash of
    the key is stored: the address is shown once, when it is made or reset."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="calendar_feeds")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="calendar_feeds"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(user__isnull=True), name="one_feed_per_school"
            ),
            models.UniqueConstraint(
                fields=["school", "user"],
                condition=Q(user__isnull=False),
                name="one_feed_per_person_and_school",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} / {self.user or '-'}"

    @classmethod
    def issue(cls, school: School, user: User | None) -> str:
        """Make (or reset) the feed and return its new key; the old address stops working."""
        key = secrets.token_urlsafe(24)
        cls.objects.update_or_create(
            school=school, user=user, defaults={"key_hash": feed_key_hash(key)}
        )
        return key

    @classmethod
    def by_key(cls, key: str) -> CalendarFeed | None:
        return (
            cls.objects.select_related("school", "user").filter(key_hash=feed_key_hash(key)).first()
        )


class TopicQuerySet(SchoolOwnedQuerySet):
    school_path = "school"

    def for_school(self, school: School) -> TopicQuerySet:
        return self.filter(school=school)

    def with_votes(self, user: User) -> TopicQuerySet:
        return self.annotate(
            vote_count=models.Count("votes", distinct=True),
            my_vote=models.Exists(TopicVote.objects.filter(topic=models.OuterRef("pk"), user=user)),
        )


def topic_counts(school: School) -> dict[tuple[int, date | None], int]:
    """How many team topics are on each meeting's agenda, keyed by (activity, date of the
    meeting in a series, or None for a one-off activity). One query."""
    rows = (
        Topic.objects.filter(school=school, activity__isnull=False)
        .values("activity_id", "occurs_on")
        .annotate(n=models.Count("pk"))
    )
    return {(row["activity_id"], row["occurs_on"]): row["n"] for row in rows}


class Topic(models.Model):
    """A topic a teacher (or the leader) would like to talk about in a coming meeting
    (Aanbeveling 5: "inventariseer onderwerpen en thema's"). The name of who suggested it is
    shown only when they chose so; it is kept so they can withdraw their own topic."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PLANNED = "planned", _("On an agenda")
        SET_ASIDE = "set_aside", _("Set aside")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="topics")
    text = models.CharField(_("topic"), max_length=300)
    suggested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    show_name = models.BooleanField(_("show my name with the topic"), default=False)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.OPEN)
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="topics"
    )
    # For a repeating activity: which meeting of the series the topic is for. Empty for a
    # one-off activity, so the topic moves along when the activity is moved.
    occurs_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def put_on_agenda(self, activity: Activity, day: date | None = None) -> None:
        """Put the topic on a one-off activity's agenda, or on one meeting (``day``) of a
        repeating series, whose agenda text is shared by every meeting and stays as it is."""
        if activity.repeats:
            if day is None or not activity.moments(day, day):
                raise ValueError("a repeating activity needs the date of one of its meetings")
            self.occurs_on = day
        else:
            self.occurs_on = None
            line = f"- {self.text}"
            if line not in activity.agenda.splitlines():
                activity.agenda = f"{activity.agenda.rstrip()}\n{line}".lstrip("\n")
                activity.save(update_fields=["agenda", "updated_at"])
        self.activity = activity
        self.status = self.Status.PLANNED
        self.save(update_fields=["activity", "occurs_on", "status"])


class TopicVote(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="one_vote_per_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}/{self.user_id}"


# The practice kit (practice/, an app above the plan) runs conversation formats in
# activities. It tells the plan which activities run one and the themes of that format
# (registered in its AppConfig.ready), so that the coverage counts them as practice on those
# themes; a source gives (activity id, theme id or None) pairs for a school.
PracticedThemes = Callable[[School], Iterable[tuple[int, int | None]]]
_practiced_themes: list[PracticedThemes] = []


def register_practiced_themes(source: PracticedThemes) -> None:
    _practiced_themes.append(source)


def practiced_themes(school: School) -> dict[int, set[int]]:
    """Activity id to the theme ids of the format it runs, for the activities that run one."""
    found: dict[int, set[int]] = {}
    for source in _practiced_themes:
        for activity_id, theme_id in source(school):
            themes = found.setdefault(activity_id, set())
            if theme_id is not None:
                themes.add(theme_id)
    return found
