"""Workflows across models for questionnaire rounds: opening a round, submitting answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connection, models, transaction

from dialoog import pagecache
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


@transaction.atomic
def submit_answers(
    *, invitation_id: int, now: datetime, finish: Callable[[], None] | None = None
) -> tuple[list[CopyLine], dict[str, str]]:
    """Store a teacher's answers without any link to them, in one transaction:
    1. lock the invitation, refuse a second submit or a closed round;
    2. check that every statement has an answer on the scale (or "don't know");
    3. in one statement: write one Response, its Answers and the OpenAnswers, delete the
       draft, mark the invitation done and end the teacher's reminders for the round;
    4. ``finish()``, if given: the caller's own write that must commit with the answers (the
       view forgets the invitation in the teacher's session there).
    Returns the teacher's own copy, which exists nowhere else afterwards."""
    # One query: the invitation locked (not its round or draft), with its round, the frozen
    # version and the draft. A teacher's phone may send twice; the second waits here.
    row = _locked(invitation_id)
    if row is None:
        raise SubmitError("unknown")
    done, user_id, round_id, school_id, opens_at, closes_at, version_id, fingerprint = row[:8]
    draft_id, answers_json, opens_json = row[8:]
    if done:
        raise SubmitError("already_done")
    round_ = Round(pk=round_id, school_id=school_id, opens_at=opens_at, closes_at=closes_at)
    if not round_.is_open(now):
        raise SubmitError("closed")
    saved = json.loads(answers_json) if draft_id is not None else {}
    opens = json.loads(opens_json) if draft_id is not None else {}
    items, questions = frozen_content(QuestionnaireVersion(pk=version_id, fingerprint=fingerprint))
    missing = [item for item in items if str(item.pk) not in saved]
    if missing:
        raise SubmitError("incomplete")

    values: list[int | None] = []
    copy = []
    for item in items:
        value = int(saved[str(item.pk)])
        stored = None if value == DONT_KNOW else value
        values.append(stored)
        copy.append(CopyLine(text=item.text, value=stored))
    open_copy = {}
    open_rows: list[tuple[int, str]] = []
    for key, text in opens.items():
        text = text.strip()
        if key in questions and text:
            open_rows.append((questions[key].pk, text))
            open_copy[questions[key].text] = text
    written: dict[str, Any] = {
        "round": round_.pk,
        "items": [item.pk for item in items],
        "values": values,
        "questions": [pk for pk, _text in open_rows],
        "texts": [text for _pk, text in open_rows],
        "draft": draft_id,
        "invitation": invitation_id,
        "user": user_id,
        "rule": Rule.RESPONDENTS.value,
        "live": [str(state) for state in Nudge.LIVE_STATES],
    }
    if _set_based():
        with connection.cursor() as cursor:
            cursor.execute(_store_sql(), written)
    else:
        _store_with_the_orm(written)
    pagecache.bump(round_.school_id)
    if finish is not None:
        finish()
    return copy, open_copy


def _set_based() -> bool:
    """The two statements below are PostgreSQL's (data-modifying CTEs, FOR UPDATE OF); SQLite,
    for `make run` without a server, takes the ORM route, which stores the same rows."""
    return connection.vendor == "postgresql"


def _locked(invitation_id: int) -> tuple[Any, ...] | None:
    if _set_based():
        with connection.cursor() as cursor:
            cursor.execute(_lock_sql(), [invitation_id])
            return cast(tuple[Any, ...] | None, cursor.fetchone())
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("round__version", "draft")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return None
    round_, draft = invitation.round, getattr(invitation, "draft", None)
    return (
        invitation.done,
        invitation.user_id,
        round_.pk,
        round_.school_id,
        round_.opens_at,
        round_.closes_at,
        round_.version_id,
        round_.version.fingerprint,
        draft.pk if draft else None,
        json.dumps(draft.answers) if draft else None,
        json.dumps(draft.open_answers) if draft else None,
    )


def _store_with_the_orm(stored: dict[str, Any]) -> None:
    response = Response.objects.create(round_id=stored["round"])
    Answer.objects.bulk_create(
        Answer(response=response, item_id=item, value=value)
        for item, value in zip(stored["items"], stored["values"], strict=True)
    )
    OpenAnswer.objects.bulk_create(
        OpenAnswer(round_id=stored["round"], question_id=question, text=text)
        for question, text in zip(stored["questions"], stored["texts"], strict=True)
    )
    Draft.objects.filter(pk=stored["draft"]).delete()
    Invitation.objects.filter(pk=stored["invitation"]).update(done=True)
    Nudge.objects.filter(
        recipient_id=stored["user"],
        rule=stored["rule"],
        target_id=stored["round"],
        state__in=stored["live"],
    ).delete()


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _lock_sql() -> str:
    """Step 1 of ``submit_answers``: the invitation locked, with what the submit needs of its
    round, version and draft, as one statement. The ORM's select_related over four tables
    cost more to build than to run (bench/RESULTS.md). JSON comes back as text."""
    return f"""
        SELECT i.done, i.user_id, r.id, r.school_id, r.opens_at, r.closes_at,
               v.id, v.fingerprint, d.id, d.answers::text, d.open_answers::text
        FROM {_table(Invitation)} i
        JOIN {_table(Round)} r ON r.id = i.round_id
        JOIN {_table(QuestionnaireVersion)} v ON v.id = r.version_id
        LEFT JOIN {_table(Draft)} d ON d.invitation_id = i.id
        WHERE i.id = %s
        FOR UPDATE OF i
    """  # noqa: S608 (names from the models, the id as a parameter)


@cache
def _store_sql() -> str:
    """Step 3 of ``submit_answers`` as one statement of data-modifying CTEs: submitting is the
    busiest write of a school morning, and as six ORM statements it spent most of its time
    building them (bench/RESULTS.md). Table names come from the models; every value is a
    parameter. A teacher's reminders for the round are deleted rather than resolved, so no
    row records when someone answered; the scan ends the rest."""

    return f"""
        WITH response AS (
            INSERT INTO {_table(Response)} (id, round_id)
            VALUES (gen_random_uuid(), %(round)s) RETURNING id
        ), answers AS (
            INSERT INTO {_table(Answer)} (id, response_id, item_id, value)
            SELECT gen_random_uuid(), response.id, given.item, given.value
            FROM response, unnest(%(items)s::bigint[], %(values)s::smallint[])
                AS given (item, value)
        ), opens AS (
            INSERT INTO {_table(OpenAnswer)} (id, round_id, question_id, text)
            SELECT gen_random_uuid(), %(round)s, given.question, given.text
            FROM unnest(%(questions)s::bigint[], %(texts)s::text[]) AS given (question, text)
        ), draft AS (
            DELETE FROM {_table(Draft)} WHERE id = %(draft)s
        ), invitation AS (
            UPDATE {_table(Invitation)} SET done = true WHERE id = %(invitation)s
        )
        DELETE FROM {_table(Nudge)}
        WHERE recipient_id = %(user)s AND rule = %(rule)s AND target_id = %(round)s
            AND state = ANY(%(live)s)
    """  # noqa: S608 (names from the models, values as parameters)


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
