"""Workflows across models for questionnaire rounds: opening a round, submitting answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dialoog.models import School, Team, User

from .models import (
    DONT_KNOW,
    Answer,
    Draft,
    Invitation,
    Item,
    OpenAnswer,
    OpenQuestion,
    QuestionnaireTemplate,
    Response,
    Round,
    hash_token,
)


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
    from .tasks import send_invitation

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


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("round", "round__school", "round__version")
        .filter(token_hash=hash_token(token))
        .first()
    )


def queue_resend(invitation: Invitation) -> None:
    """Send a new link (the old one stops working) unless this person already answered.
    Callers never learn which of the two happened."""
    from .tasks import send_invitation

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


@transaction.atomic
def submit_answers(*, invitation_id: int, now: datetime) -> tuple[list[CopyLine], dict[str, str]]:
    """Store a teacher's answers without any link to them, in one transaction:
    1. lock the invitation, refuse a second submit or a closed round;
    2. check that every statement has an answer on the scale (or "don't know");
    3. write one Response, its Answers and the OpenAnswers in bulk;
    4. delete the draft and mark the invitation done.
    Returns the teacher's own copy, which exists nowhere else afterwards."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("round")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise SubmitError("unknown")
    if invitation.done:
        raise SubmitError("already_done")
    round_ = invitation.round
    if not round_.is_open(now):
        raise SubmitError("closed")
    draft = Draft.objects.filter(invitation=invitation).first()
    saved = draft.answers if draft else {}
    opens = draft.open_answers if draft else {}
    items = list(Item.objects.filter(version_id=round_.version_id))
    missing = [item for item in items if str(item.pk) not in saved]
    if missing:
        raise SubmitError("incomplete")

    response = Response.objects.create(round=round_)
    answers = []
    copy = []
    for item in items:
        value = int(saved[str(item.pk)])
        stored = None if value == DONT_KNOW else value
        answers.append(Answer(response=response, item=item, value=stored))
        copy.append(CopyLine(text=item.text, value=stored))
    Answer.objects.bulk_create(answers)
    questions = {str(q.pk): q for q in OpenQuestion.objects.filter(version_id=round_.version_id)}
    open_copy = {}
    open_rows = []
    for key, text in opens.items():
        text = text.strip()
        if key in questions and text:
            open_rows.append(OpenAnswer(round=round_, question=questions[key], text=text))
            open_copy[questions[key].text] = text
    OpenAnswer.objects.bulk_create(open_rows)
    Draft.objects.filter(invitation=invitation).delete()
    Invitation.objects.filter(pk=invitation.pk).update(done=True)
    return copy, open_copy
