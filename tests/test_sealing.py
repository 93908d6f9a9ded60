"""Sealing (surveys/sealing.py): drafts and ballots are unreadable without the key, say
nothing by their length or time, and survive a change of key (manage.py reseal_ballots)."""

from __future__ import annotations

import base64
import struct
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from schools.models import School, Team, User
from surveys.models import Ballot, Draft, Invitation, Item, Round, sizes_of
from surveys.sealing import OPEN_ANSWER_MAX, Answers, clean_text, seal, unseal, unseal_ballot
from surveys.services import submit_answers

from .factories import MembershipFactory, UserFactory
from .survey_helpers import answer_everything, fresh_token, open_round, write_draft


@pytest.fixture
def round_(school: School, team: Team, teacher: User) -> Round:
    for _ in range(4):
        MembershipFactory.create(user=UserFactory.create(), school=school, team=team)
    return open_round(school, team=team)


def test_a_sealed_token_carries_no_time_and_reads_back(settings: Any) -> None:
    token = seal({"1": 4}, 64)
    # Fernet's second to ninth byte are the time it was made, readable without the key.
    raw = base64.urlsafe_b64decode(token)
    assert struct.unpack(">Q", raw[1:9]) == (0,)
    assert unseal(token) == {"1": 4}
    with pytest.raises(ValueError, match="exceeds its size"):
        seal({"1": "x" * 100}, 64)


def test_without_the_key_nothing_opens(settings: Any) -> None:
    token = seal({"1": 4}, 64)
    settings.BALLOT_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(InvalidToken):
        unseal(token)


def test_every_draft_and_ballot_of_a_version_is_as_long_as_every_other(
    round_: Round, teacher: User
) -> None:
    """The length of a sealed text would otherwise tell how long an open answer was, and
    match it to the open answer once the box is opened."""
    items = list(Item.objects.filter(version=round_.version))
    question = round_.version.open_questions.first()
    assert question is not None
    invitations = list(Invitation.objects.filter(round=round_))
    texts = ["", "Kort.", "Een heel lang antwoord " * 150, "😀" * OPEN_ANSWER_MAX, '"\\' * 2000]
    drafts = [
        write_draft(invitation, {str(item.pk): 0 for item in items[: n * 7]}, {str(question.pk): t})
        for n, (invitation, t) in enumerate(zip(invitations, texts, strict=False))
    ]
    assert len({len(d.scores) for d in drafts}) == 1
    assert len({len(d.texts) for d in drafts}) == 1
    full = {str(item.pk): 5 for item in items}
    for invitation, text in zip(invitations, texts, strict=False):
        write_draft(invitation, full, {str(question.pk): text})
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    assert len({len(b.sealed) for b in Ballot.objects.all()}) == 1
    sizes = sizes_of(round_.version)
    assert all(len(b.sealed) > sizes.ballot for b in Ballot.objects.all())


def test_an_open_answer_loses_control_characters_and_is_cut_at_its_maximum() -> None:
    assert clean_text("a\x00b\x07c\r\nd\te\ud800") == "abc\nd\te"
    assert len(clean_text("x" * (OPEN_ANSWER_MAX + 50))) == OPEN_ANSWER_MAX


def test_what_a_phone_types_is_sealed_at_once(client: Client, round_: Round, teacher: User) -> None:
    client.get(f"/i/{fresh_token(Invitation.objects.get(round=round_, user=teacher))}/")
    question = round_.version.open_questions.first()
    assert question is not None
    client.post("/vragenlijst/open/", {f"open-{question.pk}": "Niemand durft iets te zeggen\x00"})
    draft = Draft.objects.get()
    assert "durft" not in draft.texts and "durft" not in draft.scores
    assert draft.answers().texts == {str(question.pk): "Niemand durft iets te zeggen"}
    answer_everything(client, round_, value=2)
    assert set(Draft.objects.get().answers().scores.values()) == {2}


def test_a_new_key_in_front_and_reseal_ballots_rotate_every_draft_and_ballot(
    round_: Round, settings: Any
) -> None:
    items = {str(item.pk): 4 for item in Item.objects.filter(version=round_.version)}
    waiting, sending = list(Invitation.objects.filter(round=round_))[:2]
    write_draft(waiting, {"1": 3}, {"2": "nog bezig"})
    write_draft(sending, items)
    submit_answers(invitation_id=sending.pk, now=timezone.now())
    old = settings.BALLOT_KEYS[0]
    new = Fernet.generate_key().decode()

    settings.BALLOT_KEYS = [new, old]
    call_command("reseal_ballots", stdout=None)
    settings.BALLOT_KEYS = [new]  # the old key is gone: everything still opens
    assert Draft.objects.get(invitation=waiting).answers() == Answers(
        scores={"1": 3}, texts={"2": "nog bezig"}
    )
    assert unseal_ballot(Ballot.objects.get().sealed).scores == items
    settings.BALLOT_KEYS = [old]  # and nothing opens under the old one alone any more
    with pytest.raises(InvalidToken):
        Draft.objects.get(invitation=waiting).answers()


def test_a_draft_of_a_closed_round_cannot_be_sent_and_is_deleted_sealed(
    round_: Round, teacher: User
) -> None:
    from surveys.tasks import delete_stale_drafts

    write_draft(Invitation.objects.get(round=round_, user=teacher), {"1": 1})
    Round.objects.filter(pk=round_.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert delete_stale_drafts() == 1
    assert not Draft.objects.exists()
