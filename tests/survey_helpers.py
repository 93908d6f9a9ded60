"""Helpers for questionnaire tests: rounds on the default questionnaire and answering."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from schools.models import School, Team, User
from surveys.models import (
    Answer,
    Draft,
    Invitation,
    Item,
    QuestionnaireTemplate,
    Response,
    Round,
)
from surveys.retention import tally_closed
from surveys.sealing import Answers
from surveys.services import round_open


def committed() -> AbstractContextManager[object]:
    """Run what is queued with on_commit (tasks, e-mails) as if the transaction committed;
    tests run inside a transaction that never does."""
    return TestCase.captureOnCommitCallbacks(execute=True)


LINK = re.compile(r"/i/([A-Za-z0-9_\-]+)/")


def default_template() -> QuestionnaireTemplate:
    template = QuestionnaireTemplate.objects.filter(is_active=True).order_by("pk").first()
    assert template is not None
    return template


def closed_round(
    school: School,
    answers: Sequence[dict[int, int | None]],
    *,
    opens_at: datetime,
    closes_at: datetime,
) -> Round:
    """A whole-school round of the default questionnaire (threshold 3) whose box was opened
    at ``closes_at``: its responses are ``answers`` (statement id to value), as the opened
    ballot box leaves them (surveys.ballots)."""
    round_ = Round.objects.create(
        school=school,
        version=default_template().freeze(),
        opens_at=opens_at,
        closes_at=closes_at,
        threshold=3,
        box_opened_at=closes_at,
    )
    for values in answers:
        response = Response.objects.create(round=round_)
        Answer.objects.bulk_create(
            Answer(response=response, item_id=item_id, value=value)
            for item_id, value in values.items()
        )
    return round_


def open_round(
    school: School,
    *,
    team: Team | None = None,
    now: datetime | None = None,
    threshold: int = 5,
    open_threshold: int | None = None,
    days: int = 14,
) -> Round:
    now = now or timezone.now()
    with committed():
        return round_open(
            school=school,
            team=team,
            template=default_template(),
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=days),
            threshold=threshold,
            open_threshold=open_threshold or threshold,
            created_by=None,
            now=now,
        )


def token_from_mail(user: User) -> str:
    """The token of the newest invitation e-mail to ``user``."""
    for message in reversed(mail.outbox):
        if user.email in message.to and (match := LINK.search(str(message.body))):
            return match.group(1)
    raise AssertionError(f"no invitation e-mail to {user.email}")


def fresh_token(invitation: Invitation) -> str:
    token = invitation.new_token()
    invitation.save(update_fields=["token_hash"])
    return token


def write_draft(
    invitation: Invitation, scores: dict[str, int], texts: dict[str, str] | None = None
) -> Draft:
    """A sealed draft of ``invitation`` with these answers (item id: 0..5, question id: text),
    as the answering pages would have saved it."""
    Draft.objects.filter(invitation=invitation).delete()
    draft = Draft.sealed(invitation, Answers(scores=scores, texts=texts or {}))
    draft.save()
    return draft


def close_and_count(round_: Round, now: datetime | None = None) -> Round:
    """Close ``round_`` a minute before ``now`` (unless it has closed already) and do what beat
    does next: open its ballot box and count it (surveys.retention.tally_closed)."""
    now = now or timezone.now()
    Round.objects.filter(pk=round_.pk, closes_at__gt=now).update(
        closes_at=now - timedelta(minutes=1)
    )
    tally_closed(now=now, round_ids=[round_.pk])
    round_.refresh_from_db()
    return round_


def answer_everything(client: Client, round_: Round, value: int = 4) -> None:
    """Answer every statement of the round with ``value`` through the step pages."""
    items = Item.objects.filter(version=round_.version)
    data = {f"item-{item.pk}": str(value) for item in items}
    for step in ("t1", "t2", "t3", "t4", "t5"):
        client.post(f"/vragenlijst/{step}/", {**data, "go": "next"})


def restore_catalogue() -> None:
    """The themes and the default questionnaire come from data migrations, which the flush
    after an earlier transactional test removed: load them again the same way."""
    import importlib

    from django.apps import apps

    from interventions.models import Theme

    if Theme.objects.exists():
        return
    for module in (
        "interventions.migrations.0002_catalogue",
        "surveys.migrations.0002_default_questionnaire",
    ):
        importlib.import_module(module).load(apps, None)
