"""Questionnaires and rounds.

Anonymity is designed into the tables: what a teacher submits (``Response``, ``Answer``,
``OpenAnswer``) carries no user, no IP and no time at all, random keys, and is written only when
the closed round's ballot box is opened, in an order drawn at random (surveys.ballots), so that
not even the order of submission can be read back. While answering, the answers are tied to a
person (``Invitation`` and its ``Draft``) but sealed with a key the database does not hold;
sending turns the draft into a sealed ``Ballot`` that carries nothing but its round.
What may be *shown* of the answers is decided in one place: ``surveys.anonymity``.

Why one module of some 800 lines: the anonymity design is read across these tables at once
(who is invited, what is sealed, what is counted, what is kept after retention), and a
reviewer checking it should find them side by side, in the order a round lives through them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from interventions.models import Intervention, Theme
from schools.models import Membership, School, SchoolOwnedQuerySet, Team, User
from surveys.sealing import Answers, Sizes, seal, unseal

SCALE_MIN, SCALE_MAX = 1, 5


class Block(models.TextChoices):
    THEME = "theme", _("Theme")
    CLIMATE = "climate", _("How we talk with each other")


class QuestionnaireTemplate(models.Model):
    """An editable questionnaire. Rounds never point here directly but at a frozen
    ``QuestionnaireVersion``, so editing the template never changes past results."""

    # Translated (surveys/translation.py): stored as name_nl and name_en, and so on.
    name = models.CharField(_("name"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    name_nl: str
    name_en: str
    intro_nl: str
    intro_en: str
    is_active = models.BooleanField(_("available for new rounds"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: MultilingualManager[QuestionnaireTemplate] = MultilingualManager()

    class Meta:
        verbose_name = _("questionnaire template")
        verbose_name_plural = _("questionnaire templates")
        ordering = ["name_nl"]

    def __str__(self) -> str:
        return self.name

    def content(self) -> dict[str, Any]:
        """Everything a version freezes, in a stable order."""
        items = [
            {
                "block": i.block,
                "theme": i.theme.number if i.theme else None,
                "order": i.order,
                "text_nl": i.text_nl,
                "text_en": i.text_en,
                "leader_text_nl": i.leader_text_nl,
                "leader_text_en": i.leader_text_en,
                "reverse_scored": i.reverse_scored,
                "key": i.key,
                "interventions": sorted(x.pk for x in i.interventions.all()),
            }
            for i in self.items.select_related("theme").prefetch_related("interventions")
        ]
        questions = [
            {"order": q.order, "text_nl": q.text_nl, "text_en": q.text_en}
            for q in self.open_questions.order_by("order")
        ]
        return {
            "name_nl": self.name_nl,
            "name_en": self.name_en,
            "intro_nl": self.intro_nl,
            "intro_en": self.intro_en,
            "items": items,
            "open_questions": questions,
        }

    @transaction.atomic
    def freeze(self) -> QuestionnaireVersion:
        """The version of the template as it is now: reused when nothing changed since the
        last freeze, otherwise copied into a new version."""
        content = self.content()
        fingerprint = hashlib.sha256(
            json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        existing = self.versions.filter(fingerprint=fingerprint).first()
        if existing is not None:
            return existing
        number = (self.versions.aggregate(n=models.Max("number"))["n"] or 0) + 1
        version = QuestionnaireVersion.objects.create(
            template=self,
            number=number,
            fingerprint=fingerprint,
            name_nl=self.name_nl,
            name_en=self.name_en,
            intro_nl=self.intro_nl,
            intro_en=self.intro_en,
        )
        themes = {t.number: t for t in Theme.objects.all()}
        items = Item.objects.bulk_create(
            Item(
                version=version,
                block=row["block"],
                theme=themes.get(row["theme"]) if row["theme"] else None,
                order=row["order"],
                text_nl=row["text_nl"],
                text_en=row["text_en"],
                leader_text_nl=row["leader_text_nl"],
                leader_text_en=row["leader_text_en"],
                reverse_scored=row["reverse_scored"],
                key=row["key"],
            )
            for row in content["items"]
        )
        links = Item.interventions.through
        links.objects.bulk_create(
            links(item_id=item.pk, intervention_id=intervention_id)
            for item, row in zip(items, content["items"], strict=True)
            for intervention_id in row["interventions"]
        )
        OpenQuestion.objects.bulk_create(
            OpenQuestion(
                version=version, order=row["order"], text_nl=row["text_nl"], text_en=row["text_en"]
            )
            for row in content["open_questions"]
        )
        return version


class ItemFields(models.Model):
    block = models.CharField(_("block"), max_length=7, choices=Block.choices, default=Block.THEME)
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Translated (surveys/translation.py): stored as text_nl and text_en, and so on.
    text = models.CharField(_("statement"), max_length=300)
    leader_text = models.CharField(
        _("leader's version"),
        max_length=300,
        blank=True,
        help_text=_("The statement as the leader answers it: how I think my team sees it."),
    )
    text_nl: str
    text_en: str
    leader_text_nl: str
    leader_text_en: str
    reverse_scored = models.BooleanField(
        _("scored in reverse"),
        default=False,
        help_text=_("Agreeing is the unfavourable answer (e.g. 'things are left unsaid')."),
    )
    # What the signals need to recognise a statement, e.g. "left_unsaid" (surveys.signals).
    key = models.SlugField(_("signal key"), max_length=40, blank=True)
    interventions = models.ManyToManyField(
        Intervention,
        verbose_name=_("written from interventions"),
        blank=True,
        related_name="+",
        help_text=_("The interventions of Tabel 1 this statement asks about."),
    )

    class Meta:
        abstract = True
        # "-block" puts "theme" before "climate": the four themes first, the climate last.
        ordering = ["-block", "theme__number", "order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(block="theme", theme__isnull=False)
                | Q(block="climate", theme__isnull=True),
                name="%(class)s_theme_items_have_a_theme",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def leader_statement(self) -> str:
        """The statement as the leader answers it; the team's when it has no leader's version."""
        return self.leader_text or self.text

    def favourable(self, value: int) -> int:
        """The value on a scale where 5 is always the favourable end."""
        return SCALE_MAX + SCALE_MIN - value if self.reverse_scored else value


class TemplateItem(ItemFields):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="items"
    )

    objects: MultilingualManager[TemplateItem] = MultilingualManager()

    class Meta(ItemFields.Meta):
        verbose_name = _("statement")
        verbose_name_plural = _("statements")


class TemplateOpenQuestion(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.CASCADE, related_name="open_questions"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    text_nl: str
    text_en: str

    objects: MultilingualManager[TemplateOpenQuestion] = MultilingualManager()

    class Meta:
        verbose_name = _("open question")
        verbose_name_plural = _("open questions")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.text_nl


class QuestionnaireVersion(models.Model):
    template = models.ForeignKey(
        QuestionnaireTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    name_nl: str
    name_en: str
    intro_nl: str
    intro_en: str
    created_at = models.DateTimeField(auto_now_add=True)

    objects: MultilingualManager[QuestionnaireVersion] = MultilingualManager()

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["template", "fingerprint"], name="version_unique_fingerprint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_nl} v{self.number}"


class ItemQuerySet(models.QuerySet["Item"]):
    def with_intervention_ids(self) -> ItemQuerySet:
        """Each statement with ``intervention_ids``: the ids of the interventions it was
        written from (``Item.interventions``), gathered in the same query rather than by a
        prefetch that would build an Intervention for every link. Read them with
        ``intervention_ids``."""
        links = Item.interventions.through.objects.filter(item_id=OuterRef("pk"))
        return self.annotate(intervention_ids=ArraySubquery(links.values("intervention_id")))


class Item(ItemFields):
    """A statement as frozen in a version. Never edited after the version is made."""

    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="items"
    )

    objects = MultilingualManager.from_queryset(ItemQuerySet)()

    class Meta(ItemFields.Meta):
        verbose_name = _("frozen statement")
        verbose_name_plural = _("frozen statements")


class OpenQuestion(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="open_questions"
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    text_nl: str
    text_en: str

    objects: MultilingualManager[OpenQuestion] = MultilingualManager()

    class Meta:
        verbose_name = _("frozen open question")
        verbose_name_plural = _("frozen open questions")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.text_nl


# A version is frozen: its statements and questions never change, so each process reads them
# once. Keyed by the fingerprint of the content too, so a reused id can never match.
_FROZEN: dict[tuple[int, str], tuple[list[Item], dict[str, OpenQuestion]]] = {}


def frozen_content(version_id: int, fingerprint: str) -> tuple[list[Item], dict[str, OpenQuestion]]:
    """The version's statements in order and its open questions by id (as text). Each
    statement carries its ``intervention_ids`` (frozen with it: the fingerprint covers them)."""
    key = (version_id, fingerprint)
    if key not in _FROZEN:
        if len(_FROZEN) > 64:
            _FROZEN.clear()
        _FROZEN[key] = (
            # With their themes: the steps of the questionnaire are the themes.
            list(
                Item.objects.filter(version_id=version_id)
                .select_related("theme")
                .with_intervention_ids()
            ),
            {str(q.pk): q for q in OpenQuestion.objects.filter(version_id=version_id)},
        )
    return _FROZEN[key]


def frozen_texts(version_id: int, fingerprint: str) -> list[str]:
    """The version's statements in the active language, in order: frozen too."""
    key = (version_id, fingerprint, get_language() or "")
    if key not in _TEXTS:
        if len(_TEXTS) > 128:
            _TEXTS.clear()
        _TEXTS[key] = [item.text for item in frozen_content(version_id, fingerprint)[0]]
    return _TEXTS[key]


_TEXTS: dict[tuple[int, str, str], list[str]] = {}


def forget_frozen() -> None:
    """Forget the versions this process has read. The app never needs to (a version does not
    change); a test that changes one behind the app's back does."""
    _FROZEN.clear()
    _TEXTS.clear()


def intervention_ids(item: Item) -> list[int]:
    """What ``ItemQuerySet.with_intervention_ids`` gathered for ``item``."""
    # getattr: the annotation is not part of Item's type for mypy.
    ids: list[int] = getattr(item, "intervention_ids")  # noqa: B009
    return ids


def sizes_of(version: QuestionnaireVersion) -> Sizes:
    """How long every sealed draft and ballot of ``version`` is (surveys.sealing)."""
    items, questions = frozen_content(version.pk, version.fingerprint)
    return Sizes.of(items, questions.values())


class RoundQuerySet(SchoolOwnedQuerySet):
    def open(self, now: datetime) -> RoundQuerySet:
        return self.filter(opens_at__lte=now, closes_at__gt=now)

    def closed(self, now: datetime) -> RoundQuerySet:
        return self.filter(closes_at__lte=now)

    def upcoming(self, now: datetime) -> RoundQuerySet:
        return self.filter(opens_at__gt=now)

    def record_turnout(self, now: datetime) -> int:
        """Keep, for every round that has opened and was not counted since it closed, how
        many have answered, as of the full hour ``now`` falls in: run at every full hour
        (beat), this is the only turnout a leader sees (surveys.anonymity.Turnout). One
        UPDATE however many rounds; returns how many were updated."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        answered = (
            Invitation.objects.filter(round=models.OuterRef("pk"), done=True)
            .order_by()
            .values("round")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return (
            self.filter(opens_at__lte=now)
            .filter(Q(turnout_at__isnull=True) | Q(turnout_at__lt=models.F("closes_at")))
            .update(
                turnout=Coalesce(models.Subquery(answered), 0),
                turnout_at=hour,
            )
        )


class Round(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="rounds")
    # Empty for a round for the whole school.
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
    )
    version = models.ForeignKey(
        QuestionnaireVersion,
        verbose_name=_("questionnaire"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    threshold = models.PositiveSmallIntegerField(
        _("anonymity threshold"), default=settings.ANONYMITY_THRESHOLD_DEFAULT
    )
    open_threshold = models.PositiveSmallIntegerField(
        _("threshold for open answers"), default=settings.ANONYMITY_THRESHOLD_DEFAULT
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    leader_done = models.BooleanField(_("leader's view filled in"), default=False)
    # Set when the school's retention period had passed and the raw answers were deleted
    # (surveys.retention); from then on the round's results are read from its ``tallies``.
    purged_at = models.DateTimeField(_("answers deleted at"), null=True, blank=True)
    # The number of responses at that moment, kept only when it reached the threshold: a round
    # whose results were never released keeps nothing, not even how many answered.
    purged_respondents = models.PositiveIntegerField(null=True, blank=True)
    # Set once the closed round was counted (surveys.retention.tally_closed): a released
    # round's answers are then in its ``tallies`` too, and results, trend and the national
    # picture read those few rows instead of every answer. Answers no longer change then.
    tallied_at = models.DateTimeField(null=True, blank=True)
    # Set when the closed round's ballot box was opened (surveys.ballots): from then on no
    # ballot may enter, the round cannot be extended, and its answers are responses.
    box_opened_at = models.DateTimeField(null=True, blank=True)
    # How many had answered at the last full hour (surveys.anonymity.Turnout): the leader sees
    # this, never the live count, so no single submit can be timed by watching it move.
    turnout = models.PositiveIntegerField(null=True, blank=True)
    turnout_at = models.DateTimeField(null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire round")
        verbose_name_plural = _("questionnaire rounds")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=3), name="round_threshold_at_least_3"
            ),
            models.CheckConstraint(
                condition=Q(open_threshold__gte=models.F("threshold")),
                name="round_open_threshold_at_least_threshold",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
            # The schema itself refuses a kept count below the threshold.
            models.CheckConstraint(
                condition=Q(purged_respondents__isnull=True)
                | Q(purged_at__isnull=False, purged_respondents__gte=models.F("threshold")),
                name="round_kept_count_released_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audience} · {timezone.localtime(self.opens_at):%d-%m-%Y}"

    @property
    def audience(self) -> str:
        return self.team.name if self.team else self.school.name

    def status(self, now: datetime) -> str:
        if now < self.opens_at:
            return self.Status.PLANNED
        if now < self.closes_at:
            return self.Status.OPEN
        return self.Status.CLOSED

    def get_status_label(self, status: str) -> str:
        return str(self.Status(status).label)

    def is_open(self, now: datetime) -> bool:
        return self.status(now) == self.Status.OPEN

    def is_closed(self, now: datetime) -> bool:
        return self.status(now) == self.Status.CLOSED

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None

    @property
    def is_tallied(self) -> bool:
        """Its results are read from its tallies (a round that was not released has none, and
        its gate stays shut before anything is read)."""
        return self.tallied_at is not None or self.purged_at is not None

    def has_opened(self, now: datetime) -> bool:
        return now >= self.opens_at

    def accepts_ballots(self, now: datetime) -> bool:
        """Open, and neither counted nor emptied since: a claim asks this under the round's row
        lock, which counting takes too (surveys.ballots), so no ballot enters a counted box."""
        return self.is_open(now) and self.tallied_at is None and self.box_opened_at is None

    def audience_members(self) -> models.QuerySet[User]:
        """The teachers this round is for: the team's, or the whole school's. Never someone
        who leads the school (``School.leading_people``), even with a teacher's role too: the
        leader's route is their own view (``LeaderAnswer``), not the team's answers."""
        teachers = User.objects.filter(
            memberships__school=self.school, memberships__role="teacher", is_active=True
        )
        if self.team_id:
            teachers = teachers.filter(memberships__team=self.team)
        return teachers.exclude(pk__in=self.school.leading_people().values("pk")).distinct()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(SchoolOwnedQuerySet):
    school_path = "round__school"

    def withdraw_from_leading(self, user: User, now: datetime) -> int:
        """Delete ``user``'s unanswered invitations (with their drafts) to rounds that have not
        closed, at the schools ``user`` now leads: a teacher who became leader, facilitator
        or board admin reads these results and so does not answer them any more. Their
        respondent reminders end with the next nudge scan. An answer already given stays:
        it is linked to nobody, so it cannot be taken out. Returns how many were deleted."""
        _total, per_model = self.filter(
            user=user,
            done=False,
            round__closes_at__gt=now,
            round__school__in=School.objects.led_by(user),
        ).delete()
        return per_model.get(Invitation._meta.label, 0)

    def of_members(self) -> InvitationQuerySet:
        """Invitations whose person still teaches at the round's school. Those of someone
        who left (``schools.models.Departure``) stay counted in their round, but are not
        sent, reminded or answered any more (``withdraw_from_leaver``)."""
        return self.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("user"),
                    school=OuterRef("round__school"),
                    role=Membership.Role.TEACHER,
                )
            )
        )

    def withdraw_from_leaver(self, user: User, school: School, now: datetime) -> int:
        """Withdraw ``user``'s unanswered invitations to ``school``'s rounds that have not
        closed: they left the school. Returns how many.

        1. A round that has not opened yet invites them no more: nobody has answered it, so
           the row goes and the count of invited tells nothing.
        2. A round that is open keeps the row: deleting only the unanswered ones would let
           the leader read, from the count of invited they see move or not, whether this
           person had answered (and mark and put back anyone to find out). The row stays
           counted either way; its link stops working and its draft is deleted, and
           ``of_members`` keeps it from being sent, reminded or answered.
        An answer already given stays, counted in its round: it is linked to nobody."""
        pending = self.filter(user=user, done=False, round__closes_at__gt=now, round__school=school)
        _total, per_model = pending.filter(round__opens_at__gt=now).delete()
        opened = list(pending.filter(round__opens_at__lte=now))
        Draft.objects.filter(invitation__in=opened).delete()
        for invitation in opened:
            invitation.new_token()
            invitation.save(update_fields=["token_hash"])
        return per_model.get(Invitation._meta.label, 0) + len(opened)


class Invitation(models.Model):
    """A teacher's personal link to one round. Only the hash of the token is stored; ``done``
    is a flag without a time, so it cannot be matched to the moment an answer arrived."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_count = models.PositiveSmallIntegerField(default=0)
    done = models.BooleanField(default=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="invitation_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.round}"

    def new_token(self) -> str:
        """A fresh secret for the link; the old link stops working."""
        token = secrets.token_urlsafe(24)
        self.token_hash = hash_token(token)
        return token


class Draft(models.Model):
    """Answers being given, saved as they are given, sealed (surveys.sealing): linked to the
    invitation, so to a person, but unreadable without the key; deleted when they are sent,
    in the transaction that drops them into the ballot box. Scores and open answers are
    sealed apart, so a tap rewrites only the short scores, not the long texts."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="draft")
    # {"<item id>": 1..5 or 0 for "don't know"}, sealed to the version's fixed length.
    scores = models.TextField(blank=True)
    # {"<open question id>": "text"}, sealed likewise.
    texts = models.TextField(blank=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")

    def __str__(self) -> str:
        return f"draft {self.pk}"

    @classmethod
    def sealed(cls, invitation: Invitation, answers: Answers) -> Draft:
        """A draft of ``invitation`` holding ``answers``, sealed, not yet saved (for demo
        data and tests; a teacher's taps go through ``seal``)."""
        draft = cls(invitation=invitation)
        draft.seal(answers, sizes_of(invitation.round.version))
        return draft

    def answers(self, *, texts: bool = True) -> Answers:
        """What was answered so far. Without ``texts`` the open answers are left sealed (and
        empty here): a step of statements does not need them, and they are the long part."""
        return Answers(
            scores=unseal(self.scores) if self.scores else {},
            texts=unseal(self.texts) if texts and self.texts else {},
        )

    def seal(self, answers: Answers, sizes: Sizes, *, before: Answers | None = None) -> list[str]:
        """Seal what changed of ``answers`` (against ``before``, what the fields held, read
        again when not given) into the fields; returns their names."""
        current = self.answers() if before is None else before
        changed = []
        if answers.scores != current.scores or not self.scores:
            self.scores = seal(answers.scores, sizes.scores)
            changed.append("scores")
        if answers.texts != current.texts or not self.texts:
            self.texts = seal(answers.texts, sizes.texts)
            changed.append("texts")
        return changed


class Ballot(models.Model):
    """A sent questionnaire waiting in its round's box: sealed, with a random key and nothing
    but its round. Opened, shuffled and deleted after the round closes (surveys.ballots)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    sealed = models.TextField()

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return f"ballot {self.pk}"


class ResponseQuerySet(models.QuerySet["Response"]):
    def per_round(self, round_ids: Iterable[int]) -> dict[int, int]:
        """How many responses each of these rounds has (rounds with none are left out), in
        one grouped query."""
        return dict(
            self.filter(round_id__in=list(round_ids))
            .values("round_id")
            .annotate(n=models.Count("pk"))
            .order_by()
            .values_list("round_id", "n")
        )


class Response(models.Model):
    """One submitted questionnaire. Deliberately nothing but its round."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return str(self.round)


DONT_KNOW = 0


def stored_value(given: Any) -> int | None:
    """A score as an Answer keeps it: "don't know" is empty."""
    value = int(given)
    return None if value == DONT_KNOW else value


class Answer(models.Model):
    """A score for one statement; ``value`` is empty for "don't know". Keyed by its response
    and statement: no key of its own that could say anything about the order of sending."""

    pk = models.CompositePrimaryKey("response", "item")
    # The primary key's index, whose first column this is, serves every lookup by response.
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=SCALE_MIN, value__lte=SCALE_MAX),
                name="answer_value_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class OpenAnswer(models.Model):
    """An open answer. Not linked to a response, so it cannot be joined to anyone's scores;
    written in an order of its own when the ballots are opened (surveys.ballots)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="open_answers")
    question = models.ForeignKey(OpenQuestion, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField()

    class Meta:
        verbose_name = _("open answer")
        verbose_name_plural = _("open answers")

    def __str__(self) -> str:
        return self.text[:50]


class RoundTally(models.Model):
    """How many respondents gave one value to one statement of a closed round: counted once,
    soon after closing, so results are read from a few rows instead of every answer, and what
    is left of the answers after the retention period, enough to draw the same results, trend
    and signals. Written by ``surveys.retention`` only for a round whose results were released,
    and read only through ``surveys.anonymity``, like the answers it stands for."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="tallies")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField()  # on the scale, or DONT_KNOW
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("tally of a closed round")
        verbose_name_plural = _("tallies of closed rounds")
        constraints = [
            models.UniqueConstraint(fields=["round", "item", "value"], name="tally_once"),
            models.CheckConstraint(
                condition=Q(value=DONT_KNOW) | Q(value__gte=SCALE_MIN, value__lte=SCALE_MAX),
                name="tally_value_on_the_scale",
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="tally_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value} x {self.count}"


class LeaderAnswer(models.Model):
    """The leader's own view: how I think my team sees it. Not anonymous; it is the leader's."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="leader_answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("leader's answer")
        verbose_name_plural = _("leader's answers")
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="leader_answer_once_per_item"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=SCALE_MIN, value__lte=SCALE_MAX),
                name="leader_answer_value_on_the_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.value}"


class SuggestionChoiceQuerySet(SchoolOwnedQuerySet):
    school_path = "round__school"


class SuggestionChoice(models.Model):
    """The leader's decision on one suggestion of a round's results. Suggestions themselves are
    computed from the results each time; only the decision is stored, by the suggestion's key."""

    class Status(models.TextChoices):
        CHOSEN = "chosen", _("Chosen")
        NOT_NOW = "not_now", _("Not now")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="suggestion_choices")
    key = models.SlugField(max_length=40)
    status = models.CharField(_("decision"), max_length=8, choices=Status.choices)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    objects = SuggestionChoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision on a suggestion")
        verbose_name_plural = _("decisions on suggestions")
        constraints = [
            models.UniqueConstraint(fields=["round", "key"], name="suggestion_choice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.key}: {self.status}"
