"""Focus groups: the team talks about a closed round's results together.

A ``FocusSession`` belongs to a round (and so to its school). Phones join without a login
through an unguessable token (in the QR code) or a short code typed by hand; both work only
while the session is active (not closed, at most ``SESSION_HOURS`` old). What phones send
carries no person and no time: ``CheckIn`` and ``Reaction`` have random UUID keys, and a
``Vote`` stores only a salted hash of the phone's random id, so one dot per reaction per phone
can be enforced without knowing who voted. ``Agreement`` records (agreements and collective
goals) outlive the session and are readable by the school's teachers.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from interventions.models import Theme
from schools import live
from schools.models import SchoolOwnedQuerySet, User
from surveys.models import Round

__all__ = [
    "Agreement",
    "CheckIn",
    "FocusPhase",
    "FocusSession",
    "Reaction",
    "Vote",
]


class FocusSessionQuerySet(SchoolOwnedQuerySet):
    school_path = "round__school"

    def active(self, now: datetime) -> FocusSessionQuerySet:
        return self.filter(
            closed_at__isnull=True, created_at__gt=now - timedelta(hours=live.SESSION_HOURS)
        )


class FocusSession(live.LiveSession):
    phone_namespace = "focus_phone"

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="focus_sessions"
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    current = models.PositiveSmallIntegerField(_("current phase"), default=0)
    # The check-in's distribution stays hidden until the facilitator reveals it: a bar that
    # grows the moment one person taps would tell the room what that person chose.
    checkin_revealed = models.BooleanField(_("check-in revealed"), default=False)
    # Set by the first reveal and never cleared: from then on no check-in is added, so the
    # figures the room has seen never change (surveys.anonymity, rule 7). Hiding the
    # distribution again only clears ``checkin_revealed``.
    checkin_frozen = models.BooleanField(_("check-in frozen"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the check-ins, reactions and votes were deleted after the school's retention
    # period (surveys.retention); the agreements stay.
    purged_at = models.DateTimeField(_("reactions deleted at"), null=True, blank=True)

    objects = FocusSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("focus group session")
        verbose_name_plural = _("focus group sessions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(closed_at__isnull=True),
                name="focus_session_code_unique_while_open",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_active(self, now: datetime) -> bool:
        started = now - timedelta(hours=live.SESSION_HOURS)
        return self.closed_at is None and self.created_at > started


class FocusPhaseQuerySet(SchoolOwnedQuerySet):
    school_path = "session__round__school"


class FocusPhase(models.Model):
    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        THEME = "theme", _("Theme")
        AGREEMENTS = "agreements", _("Agreements and goals")

    session = models.ForeignKey(FocusSession, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Empty on a theme phase: the dialogue climate.
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signal_key = models.CharField(_("suggestion"), max_length=40, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=10)

    objects = FocusPhaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("focus group phase")
        verbose_name_plural = _("focus group phases")
        ordering = ["session", "order"]
        constraints = [
            models.UniqueConstraint(fields=["session", "order"], name="focus_phase_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.order + 1}"


class Emotion(models.TextChoices):
    ENERGISED = "energised", _("Energised")
    HOPEFUL = "hopeful", _("Hopeful")
    CALM = "calm", _("Calm")
    UNSURE = "unsure", _("Unsure")
    WORRIED = "worried", _("Worried")
    FRUSTRATED = "frustrated", _("Frustrated")


class CheckInQuerySet(SchoolOwnedQuerySet):
    school_path = "session__round__school"


class CheckIn(models.Model):
    """An emotion from a phone: no person, no time, a random key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(FocusSession, on_delete=models.CASCADE, related_name="checkins")
    emotion = models.CharField(_("emotion"), max_length=12, choices=Emotion.choices)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return self.get_emotion_display()


class ReactionQuerySet(SchoolOwnedQuerySet):
    school_path = "phase__session__round__school"


class Reaction(models.Model):
    """'Herken je dit?': an anonymous reaction; pending until the facilitator shows it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SHOWN = "shown", _("Shown")
        HIDDEN = "hidden", _("Held back")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phase = models.ForeignKey(FocusPhase, on_delete=models.CASCADE, related_name="reactions")
    text = models.CharField(_("reaction"), max_length=280)
    status = models.CharField(
        _("status"), max_length=7, choices=Status.choices, default=Status.PENDING
    )
    group = models.CharField(_("group"), max_length=60, blank=True)

    objects = ReactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        # By text, never by arrival: the order of sending is not shown.
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text[:50]


def voter_hash(phone_id: str) -> str:
    """A salted hash of a phone's random id: enough to allow one dot per reaction."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:focus-vote:{phone_id}".encode()).hexdigest()


class VoteQuerySet(SchoolOwnedQuerySet):
    school_path = "reaction__phase__session__round__school"


class Vote(models.Model):
    reaction = models.ForeignKey(Reaction, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["reaction", "voter"], name="focus_vote_one_per_phone")
        ]

    def __str__(self) -> str:
        return str(self.reaction)


class AgreementQuerySet(SchoolOwnedQuerySet):
    school_path = "session__round__school"


class Agreement(models.Model):
    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Agreement")
        GOAL = "goal", _("Collective goal")

    session = models.ForeignKey(FocusSession, on_delete=models.CASCADE, related_name="agreements")
    kind = models.CharField(_("kind"), max_length=9, choices=Kind.choices, default=Kind.AGREEMENT)
    text = models.CharField(_("text"), max_length=300)
    owner = models.CharField(
        _("owner"), max_length=120, help_text=_("A name, or for example 'the whole team'.")
    )
    review_on = models.DateField(_("review date"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["review_on", "pk"]

    def __str__(self) -> str:
        return self.text[:50]
