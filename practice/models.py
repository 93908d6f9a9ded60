"""The practice kit (Aanbevelingen 4 and 5: "oefen in teamverband en biedt handvatten").

* ``Format`` (werkvorm) with its numbered ``FormatStep``s: the library (``school`` empty,
  loaded by the data migration 0002 from ``practice/data/formats.yaml``) plus a school's own
  formats.
* ``PracticeSession``: the format an activity of the annual calendar uses, and the state of
  running it on the beamer (step, timer, join token and code), like a focus group.
* ``StepInput`` and ``Reflection``: what phones send. No person and no time, random UUID keys,
  so neither the order of arrival nor a sender can be read back.
* ``Conversation``: a teacher's private preparation of one difficult conversation. Only the
  teacher, and the leader they invite as chair, can open it; it is in no figure and not in
  the admin.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from interventions.models import Intervention, Recommendation
from planning.models import Activity
from schools import live
from schools.live import CODE_LENGTH, SESSION_HOURS
from schools.models import School, SchoolOwnedQuerySet, User

SCALE = (1, 2, 3, 4, 5)


def lines(text: str) -> list[str]:
    """A text field holding one item per line (phrases, pitfalls, roles) as a list."""
    return [line.strip() for line in text.splitlines() if line.strip()]


class FormatQuerySet(SchoolOwnedQuerySet):
    def for_school(self, school: School) -> FormatQuerySet:
        """A school's own formats (the library belongs to nobody)."""
        return self.filter(school=school)

    def library(self) -> FormatQuerySet:
        return self.filter(school__isnull=True)

    def visible_to(self, school: School) -> FormatQuerySet:
        return self.filter(Q(school__isnull=True) | Q(school=school))


class Format(models.Model):
    """A conversation format (werkvorm): purpose, roles, numbered steps with minutes, phrases
    to borrow and pitfalls. The texts are translated (practice/translation.py): ``title`` is
    stored as ``title_nl`` and ``title_en`` and reads in the active language."""

    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        related_name="practice_formats",
        null=True,
        blank=True,
    )
    slug = models.SlugField(_("slug"), max_length=60)
    kind = models.CharField(
        _("kind of activity"),
        max_length=24,
        choices=Activity.Kind.choices,
        default=Activity.Kind.CONVERSATION_PRACTICE,
    )
    title = models.CharField(_("title"), max_length=120)
    purpose = models.TextField(_("purpose"))
    roles = models.TextField(_("roles"), help_text=_("One role per line."))
    phrases = models.TextField(_("example phrases"), help_text=_("One per line."))
    pitfalls = models.TextField(_("pitfalls"), help_text=_("One per line."))
    title_nl: str
    title_en: str
    purpose_nl: str
    purpose_en: str
    roles_nl: str
    roles_en: str
    phrases_nl: str
    phrases_en: str
    pitfalls_nl: str
    pitfalls_en: str
    minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    group_min = models.PositiveSmallIntegerField(_("smallest group"), default=3)
    group_max = models.PositiveSmallIntegerField(_("largest group"), default=30)
    interventions = models.ManyToManyField(
        Intervention, verbose_name=_("interventions"), related_name="formats", blank=True
    )
    recommendations = models.ManyToManyField(
        Recommendation, verbose_name=_("recommendations"), related_name="formats", blank=True
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MultilingualManager.from_queryset(FormatQuerySet)()

    class Meta:
        verbose_name = _("conversation format")
        verbose_name_plural = _("conversation formats")
        ordering = ["school_id", "title_nl"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(school__isnull=True), name="format_library_slug"
            ),
            models.UniqueConstraint(fields=["school", "slug"], name="format_school_slug"),
            models.CheckConstraint(
                condition=Q(group_max__gte=F("group_min")), name="format_group_range"
            ),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="format_minutes_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def role_lines(self) -> list[str]:
        return lines(self.roles)

    def phrase_lines(self) -> list[str]:
        return lines(self.phrases)

    def pitfall_lines(self) -> list[str]:
        return lines(self.pitfalls)

    def is_own(self) -> bool:
        return self.school_id is not None

    def agenda_text(self, steps: list[FormatStep] | None = None) -> str:
        """The agenda an activity gets from this format, in the active language: one
        numbered line per step with its minutes, then the total."""
        steps = list(self.steps.all()) if steps is None else steps
        rows = [f"{s.order}. {s.title} ({s.minutes} min)" for s in steps]
        rows.append(str(_("Total: %(n)s minutes")) % {"n": sum(s.minutes for s in steps)})
        return f"{self.title}\n" + "\n".join(rows)


class FormatStep(models.Model):
    format = models.ForeignKey(Format, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("number"))
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    # Translated (practice/translation.py).
    title = models.CharField(_("title"), max_length=120)
    instruction = models.TextField(_("instruction"))
    # A question on this step goes to the phones; the answers appear on the beamer unnamed.
    prompt = models.CharField(_("question for phones"), max_length=200, blank=True)
    title_nl: str
    title_en: str
    instruction_nl: str
    instruction_en: str
    prompt_nl: str
    prompt_en: str

    objects: MultilingualManager[FormatStep] = MultilingualManager()

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["format", "order"]
        constraints = [
            models.UniqueConstraint(fields=["format", "order"], name="format_step_order"),
            models.CheckConstraint(condition=Q(minutes__gte=1), name="format_step_minutes"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def asks_input(self) -> bool:
        return bool(self.prompt_nl)


class PracticeSessionQuerySet(SchoolOwnedQuerySet):
    school_path = "activity__school"

    def for_school(self, school: School) -> PracticeSessionQuerySet:
        return self.filter(activity__school=school)

    def themes_by_activity(self, school: School) -> Iterable[tuple[int, int | None]]:
        """(activity, theme) for each of the school's activities that runs a format: the
        themes of the format's interventions (none when it has no interventions). The year
        plan's coverage counts these (planning.models.register_practiced_themes)."""
        return self.for_school(school).values_list("activity_id", "format__interventions__theme")

    def with_reflection_stats(self) -> PracticeSessionQuerySet:
        """Each session with the number of reflections and their mean, in one query. Only for
        ``reflection_gate`` to decide on; never shown as such."""
        # Meta.ordering is not applied to a GROUP BY query, so the order is explicit.
        return self.annotate(
            reflection_count=Count("reflections"), reflection_mean=Avg("reflections__helped")
        ).order_by("activity__starts_at", "pk")

    def active(self, now: datetime) -> PracticeSessionQuerySet:
        """Sessions phones may join: started, not closed, at most SESSION_HOURS old."""
        return self.filter(
            closed_at__isnull=True,
            started_at__isnull=False,
            started_at__gt=now - timedelta(hours=SESSION_HOURS),
        )


class PracticeSession(live.LiveSession):
    """The format an activity uses and the state of running it. ``current`` runs from 0 to
    the number of steps; one past the last step is the reflection."""

    phone_namespace = "practice_phone"

    activity = models.OneToOneField(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="practice"
    )
    format = models.ForeignKey(
        Format, verbose_name=_("format"), on_delete=models.PROTECT, related_name="sessions"
    )
    threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold"), default=settings.ANONYMITY_THRESHOLD_DEFAULT
    )
    code = models.CharField(_("code"), max_length=CODE_LENGTH, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    # The steps (by number) whose answers the facilitator revealed on the beamer; from then
    # on that step takes no answers, so what the room saw never changes (surveys.anonymity,
    # rule 7).
    revealed_steps = models.JSONField(default=list, blank=True, editable=False)

    objects = PracticeSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")
        ordering = ["activity__starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=3), name="practice_threshold_min_3"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(closed_at__isnull=True) & ~Q(code=""),
                name="practice_code_unique_while_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.format}"

    def is_active(self, now: datetime) -> bool:
        return (
            self.closed_at is None
            and self.started_at is not None
            and self.started_at > now - timedelta(hours=SESSION_HOURS)
        )

    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_revealed(self, step: int) -> bool:
        """Were the answers to step number ``step`` revealed (and so frozen)?"""
        return step in self.revealed_steps

    def day(self) -> date:
        return timezone.localdate(self.activity.starts_at)


class StepInputQuerySet(SchoolOwnedQuerySet):
    school_path = "session__activity__school"


class StepInput(models.Model):
    """An answer from a phone to a step's question: no person, no time, a random key. The
    step is stored by its number, so editing a format later keeps what was said."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="inputs")
    step = models.PositiveSmallIntegerField(_("step"))
    text = models.CharField(_("answer"), max_length=280)
    hidden = models.BooleanField(_("held back"), default=False)

    objects = StepInputQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer to a step")
        verbose_name_plural = _("answers to steps")
        # By text, never by arrival.
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text[:50]


class ReflectionQuerySet(SchoolOwnedQuerySet):
    school_path = "session__activity__school"


class Reflection(models.Model):
    """The two questions after a practice session, from one phone: no person, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        PracticeSession, on_delete=models.CASCADE, related_name="reflections"
    )
    helped = models.PositiveSmallIntegerField(
        _("Did this help us talk with each other?"), choices=[(n, str(n)) for n in SCALE]
    )
    keep = models.CharField(_("What do we keep doing?"), max_length=280, blank=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["keep"]
        constraints = [
            models.CheckConstraint(
                condition=Q(helped__gte=1, helped__lte=5), name="reflection_helped_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return str(self.helped)


class ConversationQuerySet(SchoolOwnedQuerySet):
    def for_school(self, school: School) -> ConversationQuerySet:
        return self.filter(school=school)

    def visible_to(self, user: User, school: School) -> ConversationQuerySet:
        """The teacher's own preparations and the ones they invited ``user`` to chair."""
        return self.filter(school=school).filter(Q(teacher=user) | Q(chair=user))


class Conversation(models.Model):
    """A teacher prepares one difficult conversation (Aanbeveling 4). Private: the teacher
    chooses per question what the invited chair (a leader) may read."""

    FIELDS = ("seen", "feel", "want", "ask")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(
        _("what is it about, in a few words"),
        max_length=120,
        help_text=_("Only you see this, and the chair if you invite one."),
    )
    with_whom = models.CharField(_("with whom"), max_length=120, blank=True)
    seen = models.TextField(_("What did I see or hear?"), blank=True)
    feel = models.TextField(_("What do I feel?"), blank=True)
    want = models.TextField(_("What do I want?"), blank=True)
    ask = models.TextField(_("What do I ask of the other?"), blank=True)
    share_seen = models.BooleanField(_("the chair may read this"), default=False)
    share_feel = models.BooleanField(_("the chair may read this"), default=False)
    share_want = models.BooleanField(_("the chair may read this"), default=False)
    share_ask = models.BooleanField(_("the chair may read this"), default=False)
    chair = models.ForeignKey(
        User,
        verbose_name=_("ask a school leader to chair the conversation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The chair the invitation e-mail went to: the task claims the send by setting it, so a
    # redelivered task never sends twice, and choosing another chair sends again.
    notified_chair = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation preparation")
        verbose_name_plural = _("conversation preparations")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def shared_with_chair(self) -> list[tuple[str, str]]:
        """(question, answer) for the fields the teacher chose to share."""
        return [
            (str(Conversation._meta.get_field(name).verbose_name), getattr(self, name))  # type: ignore[union-attr]
            for name in self.FIELDS
            if getattr(self, f"share_{name}") and getattr(self, name).strip()
        ]


def practice_counts_by_theme(school: School, start: date, end: date) -> dict[int, int]:
    """Practice moments per theme for the calendar's coverage view: the activities from
    ``start`` to ``end`` (both days included, local time) that use a format, counted once per
    theme that the format's interventions belong to. One aggregate query; a repeating
    activity counts once (its row), like the activity itself."""
    tz = timezone.get_current_timezone()
    first = datetime.combine(start, time.min, tzinfo=tz)
    last = datetime.combine(end, time.max, tzinfo=tz)
    rows = (
        PracticeSession.objects.for_school(school)
        .filter(activity__starts_at__range=(first, last))
        .exclude(format__interventions__isnull=True)
        .values("format__interventions__theme")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {row["format__interventions__theme"]: row["n"] for row in rows}
