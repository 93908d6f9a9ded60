"""Workflows across models for questionnaire rounds: opening a round, submitting answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.dispatch import Signal

from schools.models import School, Team, User
from surveys.models import (
    Ballot,
    Draft,
    Invitation,
    QuestionnaireTemplate,
    Round,
    frozen_content,
    frozen_texts,
    hash_token,
    sizes_of,
    stored_value,
)
from surveys.sealing import Answers, seal_ballot
from surveys.tasks import send_invitation


def round_open(
    *,
    school: School,
    team: Team | None,
    template: QuestionnaireTemplate,
    opens_at: datetime,
    closes_at: datetime,
    threshold: int,
    open_threshold: int,
    created_by: User | None,
    now: datetime,
) -> Round:
    """Create a round on a frozen version of the template and an invitation per teacher.
    Invitations go out now when the round is already open, otherwise when it opens (beat)."""

    with transaction.atomic():
        round_ = Round.objects.create(
            school=school,
            team=team,
            version=template.freeze(),
            opens_at=opens_at,
            closes_at=closes_at,
            threshold=threshold,
            open_threshold=open_threshold,
            created_by=created_by,
        )
        invitations = [Invitation(round=round_, user=user) for user in round_.audience_members()]
        for invitation in invitations:
            # A placeholder secret nobody knows; the real link is made when the e-mail is sent.
            invitation.new_token()
        Invitation.objects.bulk_create(invitations)
        if round_.is_open(now):
            for invitation in Invitation.objects.filter(round=round_):
                send_invitation.delay_on_commit(invitation.pk, 1)
    return round_


def past_round(
    *, school: School, template: QuestionnaireTemplate, closes_at: datetime, created_by: User
) -> Round:
    """A whole-school round of two weeks up to ``closes_at``, made before it opened, so that
    nothing is e-mailed: the history that the demo and the benchmarks answer and count."""
    opens_at = closes_at - timedelta(days=14)
    return round_open(
        school=school,
        team=None,
        template=template,
        opens_at=opens_at,
        closes_at=closes_at,
        threshold=5,
        open_threshold=5,
        created_by=created_by,
        now=opens_at - timedelta(days=1),
    )


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("round", "round__school", "round__version", "draft")
        .filter(token_hash=hash_token(token))
        .first()
    )


def queue_resend(invitation: Invitation) -> None:
    """Send a new link (the old one stops working) unless this person already answered.
    Callers never learn which of the two happened."""

    if invitation.done:
        return
    send_invitation.delay_on_commit(invitation.pk, invitation.sent_count + 1)


@dataclass(frozen=True)
class CopyLine:
    text: str
    value: int | None  # None: "don't know"


class SubmitError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# Sent inside the transaction that drops a teacher's answers into the box, so that what is
# tied to the teacher answering ends with it (nudges/: the reminders to finish the round).
questionnaire_sent = Signal()  # sender=Invitation, user_id=..., round_id=...


def submit_answers(*, invitation_id: int, now: datetime) -> tuple[list[CopyLine], dict[str, str]]:
    """Send a teacher's answers into the round's sealed ballot box, all or nothing:
    1. lock the round's row (opening the box takes the same lock, so no ballot can enter a
       box that is being opened) and refuse unless it still takes ballots;
    2. claim the invitation: only if it is not done yet (a phone that sends twice gets one
       claim; the second finds the invitation done) and its person still teaches at the
       school (``InvitationQuerySet.of_members``: someone who left answers no more);
    3. refuse, undoing the claim, unless the draft answers every statement of the version;
    4. drop the draft's answers, sealed, into the box as a ``Ballot`` that carries nothing
       but its round; delete the draft and end the teacher's reminders for the round.
    Nothing readable is written: the answers become responses only when the closed round's
    box is opened, shuffled (surveys.ballots). Returns the teacher's own copy, which exists
    nowhere else afterwards."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_related("round__version")
            .select_for_update(no_key=True, of=("round",))
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise SubmitError("unknown")
        round_ = invitation.round
        if not round_.accepts_ballots(now):
            raise SubmitError("closed")
        if (
            not Invitation.objects.filter(pk=invitation_id, done=False)
            .of_members()
            .update(done=True)
        ):
            # Done already, or the person left the school (withdraw_from_leaver).
            left = not Invitation.objects.filter(pk=invitation_id).of_members().exists()
            raise SubmitError("closed" if left else "already_done")
        draft = Draft.objects.filter(invitation_id=invitation_id).first()
        answers = draft.answers() if draft is not None else Answers()
        version = round_.version
        items, questions = frozen_content(version.pk, version.fingerprint)
        if draft is None or answers.missing(items):
            raise SubmitError("incomplete")  # leaves the transaction: the claim is undone
        kept = Answers(scores=answers.scores, texts=dict(answers.kept_texts(questions)))
        Ballot.objects.create(round=round_, sealed=seal_ballot(kept, sizes_of(version)))
        draft.delete()
        questionnaire_sent.send(sender=Invitation, user_id=invitation.user_id, round_id=round_.pk)
    texts = frozen_texts(version.pk, version.fingerprint)
    copy = [
        CopyLine(text=text, value=stored_value(kept.scores[str(item.pk)]))
        for item, text in zip(items, texts, strict=True)
    ]
    open_copy = {questions[key].text: text for key, text in kept.texts.items()}
    return copy, open_copy


def withdraw_invitations(sender: object, *, user: User, now: datetime, **kwargs: object) -> int:
    """Receiver of ``schools.signals.started_leading``: a new leader's unanswered invitations
    go (``InvitationQuerySet.withdraw_from_leading``)."""
    return Invitation.objects.withdraw_from_leading(user, now)


def withdraw_invitations_of_leaver(
    sender: object, *, user: User, school: School, now: datetime, **kwargs: object
) -> int:
    """Receiver of ``schools.signals.left_school``: a leaver's unanswered invitations to the
    school's open rounds go (``InvitationQuerySet.withdraw_from_leaver``)."""
    return Invitation.objects.withdraw_from_leaver(user, school, now)
