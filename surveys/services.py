"""Workflows across models for questionnaire rounds: opening a round, submitting answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils.translation import get_language

from dialoog import pagecache, prepared
from dialoog.models import School, Team, User
from nudges.models import Nudge, Rule

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
    answer_id,
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
        pagecache.bump(school.pk)
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


def submit_answers(*, invitation_id: int, now: datetime) -> tuple[list[CopyLine], dict[str, str]]:
    """Store a teacher's answers without any link to them, all or nothing:
    1. claim the invitation: only if it is not done yet, its round is open and the draft
       answers every statement of the round's version (a phone that sends twice gets one
       claim; the second finds the invitation done);
    2. write one Response, its Answers and the non-empty OpenAnswers of the version;
    3. delete the draft and end the teacher's reminders for the round.
    On PostgreSQL this is one statement (so one round trip and its own commit); elsewhere
    (SQLite, for `make run` without a server) one ORM transaction that leaves the same rows.
    Returns the teacher's own copy, which exists nowhere else afterwards."""
    claim = _claim_with_sql if _set_based() else _claim_with_the_orm
    claimed = claim(invitation_id, now)
    if claimed is None:
        # Nothing was claimed, so nothing was written: say why. (Should the last answer,
        # from another tab, have landed in between, the teacher goes back to the review,
        # finds nothing missing any more and sends again.)
        raise SubmitError(_refusal(invitation_id, now) or "incomplete")
    school_id, version_id, fingerprint, saved, opens = claimed
    pagecache.bump(school_id)
    items, questions = frozen_content(version_id, fingerprint)
    texts = _statement_texts(version_id, fingerprint)
    copy = [
        CopyLine(text=text, value=_stored_value(saved[str(item.pk)]))
        for item, text in zip(items, texts, strict=True)
    ]
    open_copy = {question.text: text for question, text in _kept(opens, questions)}
    return copy, open_copy


# What both routes trim from an open answer, as a set of characters (PostgreSQL's btrim).
WHITESPACE = " \t\n\r\x0b\x0c"

# What a claim hands back: the school (for the page cache), the version and its fingerprint
# (for the statements' texts), and the draft's answers and open answers as they were stored.
Claimed = tuple[int, int, str, dict[str, Any], dict[str, str]]


def _kept(
    opens: dict[str, Any], questions: dict[str, OpenQuestion]
) -> Iterator[tuple[OpenQuestion, str]]:
    """The open answers that are stored: to a question of the version, and not empty once
    trimmed (the submit statement trims and skips the same in SQL)."""
    for key, given in opens.items():
        if key in questions and (text := str(given).strip(WHITESPACE)):
            yield questions[key], text


def _stored_value(given: Any) -> int | None:
    value = int(given)
    return None if value == DONT_KNOW else value


def _set_based() -> bool:
    """The claim below is PostgreSQL's (data-modifying CTEs, jsonb operators); SQLite, for
    `make run` without a server, takes the ORM route, which stores the same rows."""
    return connection.vendor == "postgresql"


def _claim_with_sql(invitation_id: int, now: datetime) -> Claimed | None:
    # Outside a transaction the statement commits by itself: one round trip for the whole
    # submit. Inside one (tests, seed_demo) it commits with it.
    with connection.cursor() as cursor:
        _SUBMIT.execute(
            cursor,
            {
                "invitation": invitation_id,
                "now": now,
                "dont_know": DONT_KNOW,
                "whitespace": WHITESPACE,
                "rule": Rule.RESPONDENTS.value,
                "live": [str(state) for state in Nudge.LIVE_STATES],
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    school_id, version_id, fingerprint, answers_json, opens_json = row
    return school_id, version_id, fingerprint, json.loads(answers_json), json.loads(opens_json)


def _claim_with_the_orm(invitation_id: int, now: datetime) -> Claimed | None:
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("round__version", "draft")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or _refused(invitation, now) is not None:
            return None
        round_, draft = invitation.round, invitation.draft
        items, questions = frozen_content(round_.version_id, round_.version.fingerprint)
        response = Response.objects.create(round_id=round_.pk)
        Answer.objects.bulk_create(
            Answer(
                id=answer_id(response.pk, item.pk),
                response=response,
                item_id=item.pk,
                value=_stored_value(draft.answers[str(item.pk)]),
            )
            for item in items
        )
        OpenAnswer.objects.bulk_create(
            OpenAnswer(round_id=round_.pk, question=question, text=text)
            for question, text in _kept(draft.open_answers, questions)
        )
        answers, opens = draft.answers, draft.open_answers
        draft.delete()
        Invitation.objects.filter(pk=invitation.pk).update(done=True)
        Nudge.objects.live().filter(
            recipient_id=invitation.user_id, rule=Rule.RESPONDENTS, target_id=round_.pk
        ).delete()
    return round_.school_id, round_.version_id, round_.version.fingerprint, answers, opens


def _refused(invitation: Invitation, now: datetime) -> str | None:
    """Why ``invitation`` (with its round, version and draft) cannot be submitted now, or
    None. The same conditions as the claim in ``_submit_sql``."""
    if invitation.done:
        return "already_done"
    if not invitation.round.is_open(now):
        return "closed"
    draft = getattr(invitation, "draft", None)
    items, _questions = frozen_content(
        invitation.round.version_id, invitation.round.version.fingerprint
    )
    if draft is None or any(str(item.pk) not in draft.answers for item in items):
        return "incomplete"
    return None


def _refusal(invitation_id: int, now: datetime) -> str | None:
    invitation = (
        Invitation.objects.select_related("round__version", "draft")
        .filter(pk=invitation_id)
        .first()
    )
    return "unknown" if invitation is None else _refused(invitation, now)


def _submit_sql() -> str:
    """``submit_answers`` as one statement of data-modifying CTEs. Submitting is the busiest
    write of a school morning; as a transaction of its own (lock, write, commit) most of its
    time went to round trips and building statements (bench/RESULTS.md).

    The claim is an UPDATE of the invitation that only matches while it is not done, its
    round is open and the draft answers every statement of the version; a second submit
    of the same invitation waits for the first one's row lock and then no longer matches.
    Everything else hangs off the claimed row, so without a claim nothing is written.
    Reminders are deleted rather than resolved, so no row records when someone answered.
    Table names come from the models; every value is a parameter. Prepared once per database
    connection (dialoog/prepared.py): planning it took half a millisecond of every submit."""
    return f"""
        WITH claim AS (
            UPDATE {prepared.table(Invitation)} AS i SET done = true
            FROM {prepared.table(Round)} AS r, {prepared.table(QuestionnaireVersion)} AS v,
                {prepared.table(Draft)} AS d
            WHERE i.id = %(invitation)s AND NOT i.done
                AND r.id = i.round_id AND v.id = r.version_id AND d.invitation_id = i.id
                AND r.opens_at <= %(now)s::timestamptz AND %(now)s::timestamptz < r.closes_at
                AND NOT EXISTS (
                    SELECT FROM {prepared.table(Item)} AS item
                    WHERE item.version_id = v.id AND NOT d.answers ? item.id::text
                )
            RETURNING i.user_id, r.id AS round_id, r.school_id, v.id AS version_id,
                v.fingerprint, d.id AS draft_id, d.answers, d.open_answers
        ), response AS (
            INSERT INTO {prepared.table(Response)} (id, round_id)
            SELECT gen_random_uuid(), claim.round_id FROM claim RETURNING id
        ), answers AS (
            INSERT INTO {prepared.table(Answer)} (id, response_id, item_id, value)
            SELECT (left(replace(response.id::text, '-', ''), 20)
                    || lpad(to_hex(item.id), 12, '0'))::uuid,
                response.id, item.id,
                NULLIF((claim.answers ->> item.id::text)::smallint, %(dont_know)s::smallint)
            FROM response, claim
            JOIN {prepared.table(Item)} AS item ON item.version_id = claim.version_id
        ), opens AS (
            INSERT INTO {prepared.table(OpenAnswer)} (id, round_id, question_id, text)
            SELECT gen_random_uuid(), claim.round_id, question.id,
                btrim(given.value, %(whitespace)s::text)
            FROM claim, jsonb_each_text(claim.open_answers) AS given
            JOIN {prepared.table(OpenQuestion)} AS question ON question.id::text = given.key
            WHERE question.version_id = claim.version_id
                AND btrim(given.value, %(whitespace)s::text) <> ''
        ), draft AS (
            DELETE FROM {prepared.table(Draft)} WHERE id = (SELECT draft_id FROM claim)
        ), reminders AS (
            DELETE FROM {prepared.table(Nudge)} AS n USING claim
            WHERE n.recipient_id = claim.user_id AND n.rule = %(rule)s::text
                AND n.target_id = claim.round_id AND n.state = ANY(%(live)s::text[])
        )
        SELECT school_id, version_id, fingerprint, answers::text, open_answers::text
        FROM claim
    """  # noqa: S608 (names from the models, values as parameters)


_SUBMIT = prepared.Statement("dialoog_submit", _submit_sql)


# A version is frozen: its statements and questions never change, so each web worker reads
# them once. Keyed by the fingerprint of the content too, so a reused id can never match.
_FROZEN: dict[tuple[int, str], tuple[list[Item], dict[str, OpenQuestion]]] = {}


def _statement_texts(version_id: int, fingerprint: str) -> list[str]:
    """The version's statements in the active language, in order: frozen too."""
    key = (version_id, fingerprint, get_language() or "")
    if key not in _TEXTS:
        if len(_TEXTS) > 128:
            _TEXTS.clear()
        _TEXTS[key] = [item.text for item in frozen_content(version_id, fingerprint)[0]]
    return _TEXTS[key]


_TEXTS: dict[tuple[int, str, str], list[str]] = {}


def frozen_content(version_id: int, fingerprint: str) -> tuple[list[Item], dict[str, OpenQuestion]]:
    """The version's statements in order and its open questions by id (as text)."""
    key = (version_id, fingerprint)
    if key not in _FROZEN:
        if len(_FROZEN) > 64:
            _FROZEN.clear()
        _FROZEN[key] = (
            list(Item.objects.filter(version_id=version_id)),
            {str(q.pk): q for q in OpenQuestion.objects.filter(version_id=version_id)},
        )
    return _FROZEN[key]
