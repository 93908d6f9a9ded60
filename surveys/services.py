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
    QuestionnaireVersion,
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
    # One query: the invitation locked (not its round or draft), with its round, the frozen
    # version and the draft. A teacher's phone may send twice; the second waits here.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("round__version", "draft")
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
    draft = getattr(invitation, "draft", None)
    saved = draft.answers if draft else {}
    opens = draft.open_answers if draft else {}
    items, questions = frozen_content(round_.version)
    missing = [item for item in items if str(item.pk) not in saved]
    if missing:
        raise SubmitError("incomplete")

    response = Response.objects.create(round=round_)
    answers = []
    copy = []
    for item in items:
        value = int(saved[str(item.pk)])
        stored = None if value == DONT_KNOW else value
        answers.append(Answer(response=response, item_id=item.pk, value=stored))
        copy.append(CopyLine(text=item.text, value=stored))
    Answer.objects.bulk_create(answers)
    open_copy = {}
    open_rows = []
    for key, text in opens.items():
        text = text.strip()
        if key in questions and text:
            open_rows.append(OpenAnswer(round=round_, question_id=questions[key].pk, text=text))
            open_copy[questions[key].text] = text
    if open_rows:
        OpenAnswer.objects.bulk_create(open_rows)
    if draft is not None:
        Draft.objects.filter(pk=draft.pk).delete()
    Invitation.objects.filter(pk=invitation.pk).update(done=True)
    # Their reminders for this round end with the submit (the beat's scan does the rest).
    from nudges.models import Nudge

    Nudge.objects.finished_answering(invitation.user_id, round_.pk)
    return copy, open_copy


# A version is frozen: its statements and questions never change, so each web worker reads
# them once. Keyed by the fingerprint of the content too, so a reused id can never match.
_FROZEN: dict[tuple[int, str], tuple[list[Item], dict[str, OpenQuestion]]] = {}


def frozen_content(
    version: QuestionnaireVersion,
) -> tuple[list[Item], dict[str, OpenQuestion]]:
    """The version's statements in order and its open questions by id (as text)."""
    key = (version.pk, version.fingerprint)
    if key not in _FROZEN:
        if len(_FROZEN) > 64:
            _FROZEN.clear()
        _FROZEN[key] = (
            list(Item.objects.filter(version_id=version.pk)),
            {str(q.pk): q for q in OpenQuestion.objects.filter(version_id=version.pk)},
        )
    return _FROZEN[key]
