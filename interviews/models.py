"""Interviews: the leader's one-to-one conversations with teachers after a round, and the notes
written during them. The notes are personal: the leader and the teacher read them, nobody else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from interventions.models import Theme
from schools.models import School, SchoolOwnedQuerySet, User
from surveys.models import Round


class InterviewQuerySet(SchoolOwnedQuerySet):
    school_path = "round__school"

    def visible_to(self, user: User, school: School) -> InterviewQuerySet:
        """The school leader sees the school's interviews; a teacher only their own. Not a
        facilitator and not the board: the notes are personal."""
        if School.objects.where_leader(user).filter(pk=school.pk).exists():
            return self.for_school(school)  # type: ignore[return-value]
        return self.for_school(school).filter(teacher=user)  # type: ignore[return-value]


class Interview(models.Model):
    """The conversation with one teacher after a round (stage two of the article's cycle).
    Not anonymous, and never mixed into the team's figures."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="interviews")
    teacher = models.ForeignKey(User, on_delete=models.CASCADE, related_name="interviews")
    scheduled_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    brings_own_answers = models.BooleanField(
        _("the teacher brings their own copy of their answers"), default=False
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the notes were deleted after the school's retention period (surveys.retention).
    notes_purged_at = models.DateTimeField(_("notes deleted at"), null=True, blank=True)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["scheduled_at", "teacher__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "teacher"], name="interview_once_per_teacher_and_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} · {self.round}"


class InterviewNoteQuerySet(SchoolOwnedQuerySet):
    school_path = "interview__round__school"


class InterviewNote(models.Model):
    """A note from an interview, coded to the article's themes, with the two flags the
    recommendations ask the leader to act on."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True, related_name="+")
    tension = models.BooleanField(_("tension"), default=False)
    wants_help = models.BooleanField(
        _("wants help to raise something with a colleague"), default=False
    )
    may_quote = models.BooleanField(
        _("the teacher agrees to being quoted anonymously"), default=False
    )
    # Set by the leader's "mark followed up" (nudges, recommendation 4): until then a request
    # for help keeps its nudge open.
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InterviewNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("interview note")
        verbose_name_plural = _("interview notes")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:50]
