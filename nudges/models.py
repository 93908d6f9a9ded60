"""Nudges: reminders that follow the article's five recommendations (Aanbevelingen).

A ``Nudge`` is one reminder for one person about one situation in one period. The rules that
create them live in ``nudges.rules``; the row's unique constraint on (rule, school, recipient,
period) is what makes a rescan, a retry or a second beat process harmless. Its e-mail has its
own small state machine (``Delivery``) so a send is claimed by exactly one worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schools.models import School, SchoolOwnedQuerySet, User


class Rule(models.TextChoices):
    R1_KEEP_GOING = "r1_keep_going", _("Keep the conversation going")
    R2_NAME_IT = "r2_name_it", _("Name what you see")
    R3_AGREEMENTS = "r3_agreements", _("Make emotion central and make agreements")
    R4_HELP = "r4_help", _("Help teachers raise something")
    R5_AGENDA = "r5_agenda", _("Facilitate: prepare the meeting")
    R5_PRACTICE = "r5_practice", _("Facilitate and practise")
    R5_TOPICS = "r5_topics", _("Suggest topics for the meeting")
    RESPONDENTS = "respondents", _("Finish the questionnaire")
    REFLECT = "reflect", _("Stop and reflect on your choices")


# Which recommendation (Aanbeveling 1-5) each rule serves; None: not one of the five.
RECOMMENDATION = {
    Rule.R1_KEEP_GOING: 1,
    Rule.R2_NAME_IT: 2,
    Rule.R3_AGREEMENTS: 3,
    Rule.R4_HELP: 4,
    Rule.R5_AGENDA: 5,
    Rule.R5_PRACTICE: 5,
    Rule.R5_TOPICS: 5,
    Rule.RESPONDENTS: None,
    Rule.REFLECT: None,
}


# The period of the nudges seed_demo adds so the demo shows every rule; the scan leaves them
# alone (their condition is made up), the person handles them like any other.
DEMO_PERIOD = "demo"


class NudgeSettings(models.Model):
    """A school's thresholds. A school without a row uses the field defaults (the issue's)."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="nudge_settings", verbose_name=_("school")
    )
    quiet_weeks = models.PositiveSmallIntegerField(
        _("weeks ahead without a dialogue activity (recommendation 1)"), default=6
    )
    discuss_within_weeks = models.PositiveSmallIntegerField(
        _("weeks after a round with tension to plan a discussion (recommendation 2)"), default=3
    )
    follow_up_weeks = models.PositiveSmallIntegerField(
        _("weeks to follow up a request for help (recommendation 4)"), default=2
    )
    agenda_days = models.PositiveSmallIntegerField(
        _("days before a meeting to have an agenda (recommendation 5)"), default=10
    )
    reflect_every_days = models.PositiveSmallIntegerField(
        _("days between prompts to stop and reflect"), default=30
    )
    max_respondent_reminders = models.PositiveSmallIntegerField(
        _("reminders per round for teachers who have not finished"), default=2
    )

    objects = SchoolOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("nudge settings")
        verbose_name_plural = _("nudge settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_weeks__gte=1)
                & Q(discuss_within_weeks__gte=1)
                & Q(follow_up_weeks__gte=1)
                & Q(agenda_days__gte=1)
                & Q(reflect_every_days__gte=7)
                & Q(max_respondent_reminders__lte=2),
                name="nudge_settings_sensible",
            ),
        ]

    def __str__(self) -> str:
        return str(self.school)


THRESHOLDS = [
    "quiet_weeks",
    "discuss_within_weeks",
    "follow_up_weeks",
    "agenda_days",
    "reflect_every_days",
    "max_respondent_reminders",
]


def default_thresholds() -> dict[str, int]:
    fields = {f.name: f for f in NudgeSettings._meta.concrete_fields}
    return {name: int(fields[name].default) for name in THRESHOLDS}


class NudgeQuerySet(SchoolOwnedQuerySet):
    def for_school(self, school: School) -> NudgeQuerySet:
        return self.filter(school=school)

    def for_recipient(self, user: User) -> NudgeQuerySet:
        return self.filter(recipient=user)

    def visible(self, now: datetime) -> NudgeQuerySet:
        """What the person sees in the app: open, or snoozed until a moment that has passed."""
        return self.filter(
            Q(state=Nudge.State.OPEN) | Q(state=Nudge.State.SNOOZED, snoozed_until__lte=now)
        )

    def live(self) -> NudgeQuerySet:
        """Nudges whose condition the scan keeps checking (not yet handled by the person)."""
        return self.filter(state__in=Nudge.LIVE_STATES)

    def deliverable(self, now: datetime, stale: timedelta) -> NudgeQuerySet:
        """E-mails that may be claimed now: pending and due, or claimed by a worker that has
        not finished within ``stale`` (it died mid-send)."""
        return self.filter(
            Q(delivery=Nudge.Delivery.PENDING, due_at__lte=now)
            | Q(delivery=Nudge.Delivery.CLAIMED, claimed_at__lt=now - stale),
            state__in=Nudge.LIVE_STATES,
        )


class Nudge(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        SNOOZED = "snoozed", _("Snoozed")
        DISMISSED = "dismissed", _("Dismissed")
        RESOLVED = "resolved", _("Resolved")

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        DIGEST = "digest", _("In the weekly digest")
        SKIPPED = "skipped", _("Not sent")

    # Not yet handled by the person: the scan keeps checking these (NudgeQuerySet.live).
    LIVE_STATES = (State.OPEN, State.SNOOZED)

    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="nudges", verbose_name=_("school")
    )
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="nudges", verbose_name=_("recipient")
    )
    # What makes the situation "the same one" for the constraint: "round-12", "2026-11", ...
    period = models.CharField(_("period"), max_length=40)
    # The object the situation is about (a round, an activity, an agreement, a note); its
    # meaning depends on the rule. Not a foreign key: rules point at different models.
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Where to act on it (a path in the app), worked out by the scan that knows the situation.
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the e-mail may go out: the next school day, 07:30, or now.
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("state"), max_length=9, choices=State.choices, default=State.OPEN)
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(
        _("e-mail"), max_length=7, choices=Delivery.choices, default=Delivery.PENDING
    )
    claimed_by = models.CharField(max_length=80, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NudgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "school", "recipient", "period"], name="nudge_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(delivery="claimed", claimed_at__isnull=False) | ~Q(delivery="claimed"),
                name="nudge_claim_has_a_time",
            ),
        ]
        indexes = [models.Index(fields=["delivery", "due_at"], name="nudge_delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.recipient} · {self.period}"

    @property
    def recommendation(self) -> int | None:
        return RECOMMENDATION[Rule(self.rule)]

    def is_for_teacher(self) -> bool:
        return self.rule in (Rule.RESPONDENTS, Rule.R5_TOPICS)


class EmailChoice(models.Model):
    """A person's choice how nudges reach them by e-mail: single mails (default) or a weekly
    digest. Unsubscribing from one rule is a ``RuleOptOut``."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="nudge_email")
    weekly_digest = models.BooleanField(_("one weekly digest instead of single e-mails"))

    class Meta:
        verbose_name = _("e-mail choice for nudges")
        verbose_name_plural = _("e-mail choices for nudges")

    def __str__(self) -> str:
        return f"{self.user}: {'digest' if self.weekly_digest else 'single'}"


class RuleOptOut(models.Model):
    """No e-mail for this rule (the one-click unsubscribe); the nudge still shows in the app."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="nudge_opt_outs")
    rule = models.CharField(_("rule"), max_length=16, choices=Rule.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscribed rule")
        verbose_name_plural = _("unsubscribed rules")
        constraints = [
            models.UniqueConstraint(fields=["user", "rule"], name="rule_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.rule}"


class Digest(models.Model):
    """One weekly digest e-mail to one person; the unique row is the claim that lets one
    worker send it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="nudge_digests")
    week = models.CharField(max_length=8)  # "2026-W48"
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digest_once_per_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.week}"


class ReflectionQuerySet(models.QuerySet["Reflection"]):
    def by(self, user: User, school: School) -> ReflectionQuerySet:
        return self.filter(author=user, school=school)


class Reflection(models.Model):
    """A line in the leader's private reflection log ("af en toe even stilstaan bij keuzes").
    Only its author reads it: not the board, not a facilitator, not the admin."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reflections")
    text = models.TextField(_("reflection"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.author} · {self.created_at:%Y-%m-%d}"
