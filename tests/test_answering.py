"""A teacher answers on any device: the e-mailed link becomes a session, every answer is
saved as it is given, and on submit the answers are stored with no link to the person."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import models
from django.test import Client
from django.utils import timezone

from schools.models import School, Team, User
from surveys.models import (
    Answer,
    Ballot,
    Draft,
    Invitation,
    Item,
    OpenAnswer,
    QuestionnaireTemplate,
    Response,
    Round,
    frozen_content,
)
from surveys.sealing import unseal_ballot
from surveys.services import round_open

from .factories import MembershipFactory, UserFactory
from .survey_helpers import answer_everything, committed, fresh_token, open_round, write_draft
from .waiting import race


@pytest.fixture
def round_(school: School, team: Team, teacher: User) -> Round:
    for _ in range(5):
        MembershipFactory.create(user=UserFactory.create(), school=school, team=team)
    return open_round(school, team=team, days=3)


@pytest.fixture
def invitation(round_: Round, teacher: User) -> Invitation:
    return Invitation.objects.get(round=round_, user=teacher)


@pytest.fixture
def answering(client: Client, invitation: Invitation) -> Client:
    response = client.get(f"/i/{fresh_token(invitation)}/")
    assert response.status_code == 302
    return client


def _first_statement(round_: Round) -> Item:
    """The round's first statement of theme 1, on step t1."""
    item = Item.objects.filter(version=round_.version, theme__number=1).first()
    assert item is not None
    return item


def test_the_link_becomes_a_session_and_the_token_leaves_the_address(
    client: Client, invitation: Invitation
) -> None:
    token = fresh_token(invitation)
    response = client.get(f"/i/{token}/")
    # Straight to the step to answer: no stop on the way.
    assert response["Location"] == "/vragenlijst/t1/"
    assert token not in response["Location"]
    assert client.get("/vragenlijst/")["Location"] == "/vragenlijst/t1/"
    page = client.get("/vragenlijst/t1/").content.decode()
    assert "Stap 1 van" in page
    assert token not in page


def test_an_unknown_or_replaced_link_is_explained(client: Client, invitation: Invitation) -> None:
    old = fresh_token(invitation)
    fresh_token(invitation)
    response = client.get(f"/i/{old}/")
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.content.decode()


def test_answering_pages_need_the_link(client: Client, db: None) -> None:
    response = client.get("/vragenlijst/t1/")
    assert response.status_code == 403
    assert "Open de link uit je e-mail" in response.content.decode()


def test_each_answer_is_saved_as_it_is_given(answering: Client, round_: Round) -> None:
    item = _first_statement(round_)
    response = answering.post(
        "/vragenlijst/t1/", {f"item-{item.pk}": "2", "go": "save"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Opgeslagen" in response.content.decode()
    assert Draft.objects.get().answers().scores == {str(item.pk): 2}


def test_a_batch_of_taps_is_saved_in_one_request(answering: Client, round_: Round) -> None:
    items = list(Item.objects.filter(version=round_.version, theme__number=1)[:3])
    data = {f"item-{item.pk}": "4" for item in items} | {"go": "save"}
    response = answering.post("/vragenlijst/t1/", data)  # as sendBeacon sends it: no htmx
    assert response.status_code == 200
    assert "Opgeslagen" in response.content.decode()
    assert Draft.objects.get().answers().scores == {str(item.pk): 4 for item in items}


def test_a_batch_with_a_tampered_tap_says_it_was_not_saved(
    answering: Client, round_: Round
) -> None:
    item = _first_statement(round_)
    response = answering.post(
        "/vragenlijst/t1/", {f"item-{item.pk}": "9", "go": "save"}, HTTP_HX_REQUEST="true"
    )
    assert "Niet opgeslagen" in response.content.decode()
    assert Draft.objects.get().answers().scores == {}


def test_next_from_the_page_script_answers_with_the_next_step(
    answering: Client, round_: Round
) -> None:
    item = _first_statement(round_)
    response = answering.post(
        "/vragenlijst/t1/", {f"item-{item.pk}": "5", "go": "next"}, HTTP_HX_REQUEST="true"
    )
    # One request instead of a post and a redirected get; the address bar follows.
    assert response.status_code == 200
    assert response["HX-Push-Url"] == "/vragenlijst/t2/"
    step = response.content.decode()
    assert "Stap 2 van" in step
    # The step alone, for the page's <main>, with its title: the layout is on the phone.
    assert "<title>" in step and "<html" not in step and 'id="main"' not in step
    assert 'hx-target="#main"' in step
    back = answering.post("/vragenlijst/t2/", {"go": "back"}, HTTP_HX_REQUEST="true")
    assert back["HX-Push-Url"] == "/vragenlijst/t1/"
    assert f'id="item-{item.pk}-5" value="5" checked' in back.content.decode()
    assert Draft.objects.get().answers().scores == {str(item.pk): 5}


def test_a_step_page_and_a_batch_cost_a_fixed_number_of_queries(
    answering: Client, round_: Round, django_assert_num_queries: Any
) -> None:
    items = list(Item.objects.filter(version=round_.version, theme__number=1)[:3])
    answering.post("/vragenlijst/t1/", {f"item-{items[0].pk}": "2", "go": "save"})
    # The invitation with its round, version, school and draft, in one statement.
    with django_assert_num_queries(1):
        page = answering.get("/vragenlijst/t2/")
    assert page.status_code == 200
    # Lock the draft, read with its invitation, round, version and school in one statement;
    # merge and seal; write; in a transaction (a savepoint here).
    with django_assert_num_queries(4):
        answering.post(
            "/vragenlijst/t1/", {f"item-{item.pk}": "4" for item in items} | {"go": "save"}
        )
    assert Draft.objects.get().answers().scores == {str(item.pk): 4 for item in items}


def test_tampered_values_and_unknown_items_are_refused(answering: Client, round_: Round) -> None:
    item = Item.objects.filter(version=round_.version).first()
    assert item is not None
    response = answering.post("/vragenlijst/t1/", {f"item-{item.pk}": "9", "item-999999": "3"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kies een van de antwoorden." in page
    assert Draft.objects.get().answers().scores == {}
    answering.post("/vragenlijst/t1/", {f"item-{item.pk}": "abc"})
    assert Draft.objects.get().answers().scores == {}


def test_an_item_of_another_questionnaire_is_refused(
    answering: Client, round_: Round, school: School
) -> None:
    template = QuestionnaireTemplate.objects.get()
    item = template.items.first()
    assert item is not None
    item.text_nl = "Een gewijzigde stelling"
    item.save()
    other_version = template.freeze()
    foreign = other_version.items.first()
    assert foreign is not None and foreign.version_id != round_.version_id
    answering.post("/vragenlijst/t1/", {f"item-{foreign.pk}": "3"})
    assert Draft.objects.get().answers().scores == {}


def test_a_teacher_resumes_on_another_device_with_the_same_email(
    client: Client, invitation: Invitation, round_: Round
) -> None:
    token = fresh_token(invitation)
    phone, laptop = Client(), Client()
    phone.get(f"/i/{token}/")
    first = Item.objects.filter(version=round_.version, theme__number=1).first()
    assert first is not None
    phone.post("/vragenlijst/t1/", {f"item-{first.pk}": "5"})
    laptop.get(f"/i/{token}/")
    page = laptop.get("/vragenlijst/t1/").content.decode()
    assert f'id="item-{first.pk}-5" value="5" checked' in page


def test_submitting_stores_answers_without_a_person_and_shows_a_copy(
    answering: Client, round_: Round, invitation: Invitation
) -> None:
    answer_everything(answering, round_, value=4)
    question = round_.version.open_questions.first()
    assert question is not None
    answering.post("/vragenlijst/open/", {f"open-{question.pk}": "We zouden vaker mogen lachen."})
    review = answering.get("/vragenlijst/review/").content.decode()
    assert "We zouden vaker mogen lachen." in review
    with committed():
        response = answering.post("/vragenlijst/verzenden/", {"email_copy": "1"})
    page = response.content.decode()
    items = Item.objects.filter(version=round_.version).count()
    assert "Bedankt, je antwoorden zijn verstuurd" in page
    assert page.count("<dt") == items + 1
    # Sealed in the round's ballot box until it closes; nothing readable is written.
    [ballot] = Ballot.objects.filter(round=round_)
    assert unseal_ballot(ballot.sealed).texts == {str(question.pk): "We zouden vaker mogen lachen."}
    assert "lachen" not in ballot.sealed
    assert not Response.objects.exists() and not OpenAnswer.objects.exists()
    assert not Draft.objects.exists()
    invitation.refresh_from_db()
    assert invitation.done
    [copy] = [m for m in mail.outbox if "Je antwoorden" in str(m.subject)]
    assert copy.to == [invitation.user.email]
    assert "We zouden vaker mogen lachen." in str(copy.body)


def test_a_second_submit_stores_nothing_more(
    answering: Client, round_: Round, invitation: Invitation
) -> None:
    answer_everything(answering, round_)
    answering.post("/vragenlijst/verzenden/")
    again = Client()
    token = fresh_token(invitation)
    response = again.get(f"/i/{token}/")
    assert "Je antwoorden zijn al verstuurd" in response.content.decode()
    page = answering.post("/vragenlijst/verzenden/").content.decode()
    assert "Je antwoorden zijn al verstuurd" in page
    assert Ballot.objects.count() == 1
    # The phone keeps its session; going back to the questionnaire says the same, and no
    # new draft starts.
    back = answering.get("/vragenlijst/", follow=True).content.decode()
    assert "Je antwoorden zijn al verstuurd" in back
    assert not Draft.objects.exists()


def test_an_incomplete_questionnaire_cannot_be_sent(answering: Client, round_: Round) -> None:
    first = Item.objects.filter(version=round_.version).first()
    assert first is not None
    answering.post("/vragenlijst/t1/", {f"item-{first.pk}": "3"})
    response = answering.post("/vragenlijst/verzenden/", follow=True)
    page = response.content.decode()
    assert "hebben nog geen antwoord" in page
    assert not Ballot.objects.exists()
    assert Draft.objects.get().answers().scores == {str(first.pk): 3}


def test_answers_cannot_be_sent_after_the_round_closed(answering: Client, round_: Round) -> None:
    answer_everything(answering, round_)
    with time_machine.travel(round_.closes_at + timedelta(minutes=1), tick=False):
        page = answering.post("/vragenlijst/verzenden/").content.decode()
        assert "Deze vragenlijst is gesloten" in page
        assert answering.get("/vragenlijst/t1/").status_code == 200
    assert not Ballot.objects.exists()


def test_next_after_the_round_closed_replaces_the_whole_page(
    answering: Client, round_: Round
) -> None:
    with time_machine.travel(round_.closes_at + timedelta(minutes=1), tick=False):
        response = answering.post("/vragenlijst/t1/", {"go": "next"}, HTTP_HX_REQUEST="true")
    # Not a step for <main> but the page that says why: it takes the body.
    assert response["HX-Retarget"] == "body"
    assert "<html" in response.content.decode()


def test_the_link_stops_working_when_the_round_closes(
    client: Client, invitation: Invitation, round_: Round
) -> None:
    token = fresh_token(invitation)
    with time_machine.travel(round_.closes_at + timedelta(seconds=1), tick=False):
        page = client.get(f"/i/{token}/").content.decode()
    assert "Deze vragenlijst is gesloten" in page
    assert "answering_invitation" not in client.session


def test_a_link_before_the_round_opens_says_so(
    client: Client, school: School, team: Team, teacher: User
) -> None:
    now = timezone.now()
    with committed():
        planned = round_open(
            school=school,
            team=team,
            template=QuestionnaireTemplate.objects.get(),
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=5),
            threshold=3,
            open_threshold=3,
            created_by=None,
            now=now,
        )
    invitation = Invitation.objects.get(round=planned, user=teacher)
    page = client.get(f"/i/{fresh_token(invitation)}/").content.decode()
    assert "Deze vragenlijst is nog niet open" in page


def test_submitting_forty_answers_costs_a_fixed_number_of_queries(
    answering: Client,
    round_: Round,
    invitation: Invitation,
    django_assert_num_queries: object,
) -> None:
    version = round_.version
    existing = Item.objects.filter(version=version).count()
    theme = Item.objects.filter(version=version).exclude(theme=None).first()
    assert theme is not None
    Item.objects.bulk_create(
        Item(version=version, block="theme", theme=theme.theme, order=100 + i, text_nl=f"S{i}")
        for i in range(40 - existing)
    )
    item_ids = list(Item.objects.filter(version=version).values_list("pk", flat=True))
    assert len(item_ids) == 40
    question = version.open_questions.first()
    assert question is not None
    from surveys import services
    from surveys.models import forget_frozen

    # Opening the link read the version's statements before this test added some (a frozen
    # version never changes outside a test).
    forget_frozen()
    write_draft(invitation, {str(pk): 3 for pk in item_ids}, {str(question.pk): "Meer tijd."})
    forget_frozen()
    # In one transaction (here a savepoint and its release, as the test runs in a
    # transaction): lock the round and read the invitation, claim the invitation, read the
    # draft, drop the ballot into the box, delete the draft, end the teacher's reminders.
    # The first submit of a version also reads its statements and questions (once per
    # process: a version never changes).
    with django_assert_num_queries(10):  # type: ignore[operator]
        services.submit_answers(invitation_id=invitation.pk, now=timezone.now())
    assert Ballot.objects.count() == 1

    # The next teacher's submit finds the statements already read.
    other = Invitation.objects.filter(round=round_, done=False).first()
    assert other is not None
    write_draft(other, {str(pk): 4 for pk in item_ids})
    with django_assert_num_queries(8):  # type: ignore[operator]
        services.submit_answers(invitation_id=other.pk, now=timezone.now())
    assert Ballot.objects.count() == 2
    assert not Draft.objects.filter(invitation__in=[invitation, other]).exists()
    assert Invitation.objects.filter(pk__in=[invitation.pk, other.pk], done=True).count() == 2


def _columns(model: type[models.Model]) -> list[models.Field[object, object]]:
    return [f for f in model._meta.get_fields() if isinstance(f, models.Field)]


@pytest.mark.parametrize("model", [Response, Answer, OpenAnswer, Ballot])
def test_answer_tables_have_no_person_and_no_time(model: type[models.Model]) -> None:
    for field in _columns(model):
        assert not isinstance(field, models.DateTimeField | models.DateField | models.TimeField), (
            field
        )
        assert not isinstance(field, models.GenericIPAddressField), field
        if field.is_relation:
            assert field.related_model is not User, field
            assert field.related_model in (
                Round,
                Response,
                Item,
                OpenAnswer._meta.get_field("question").related_model,
            ), field
    if model is Answer:
        # Keyed by its response and statement: nothing of its own.
        assert [f.name for f in model._meta.pk_fields] == ["response", "item"]
    else:
        assert isinstance(model._meta.pk, models.UUIDField)


def test_invitations_record_done_without_a_time() -> None:
    assert not any(
        isinstance(f, models.DateTimeField | models.DateField) for f in _columns(Invitation)
    )


def test_drafts_of_a_closed_round_are_deleted(answering: Client, round_: Round) -> None:
    from surveys.tasks import delete_stale_drafts

    answer_everything(answering, round_)
    assert delete_stale_drafts() == 0
    with time_machine.travel(round_.closes_at + timedelta(minutes=1), tick=False):
        assert delete_stale_drafts() == 1
    assert not Draft.objects.exists()


def test_the_link_never_reaches_a_log_line(invitation: Invitation) -> None:
    import logging
    import logging.config
    import runpy
    from pathlib import Path

    from dialoog.logging import RedactTokensFilter

    token = fresh_token(invitation)
    # Django's own handlers (root and the dev server's) carry the redacting filter.
    for name in ("", "django.server"):
        handlers = logging.getLogger(name).handlers
        assert any(isinstance(f, RedactTokensFilter) for h in handlers for f in h.filters), name
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"GET /i/%s/" 302', (token,), None
    )
    RedactTokensFilter().filter(record)
    assert token not in record.getMessage()
    # Gunicorn's access log, configured by gunicorn.conf.py.
    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    stream_records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            stream_records.append(record.getMessage())

    logging.config.dictConfig(config["logconfig_dict"])
    access = logging.getLogger("gunicorn.access")
    collector = Collect()
    for handler_filter in access.handlers[0].filters:
        collector.addFilter(handler_filter)
    access.addHandler(collector)
    try:
        access.info(
            '%(h)s "%(r)s" %(s)s', {"h": "127.0.0.1", "r": f"GET /i/{token}/ HTTP/1.1", "s": "302"}
        )
    finally:
        access.removeHandler(collector)
    assert (
        stream_records and token not in stream_records[0] and "/i/[redacted]/" in stream_records[0]
    )


def test_a_logged_in_teacher_answers_without_the_email(
    client: Client, teacher: User, school: School, round_: Round
) -> None:
    client.force_login(teacher)
    page = client.get(f"/s/{school.slug}/me/").content.decode()
    assert 'data-testid="answer-now"' in page
    response = client.post(f"/s/{school.slug}/me/rounds/{round_.pk}/answer/")
    assert response["Location"] == "/vragenlijst/"
    assert client.get("/vragenlijst/t1/").status_code == 200


def test_a_teacher_cannot_answer_for_a_round_they_were_not_invited_to(
    client: Client, school: School, round_: Round
) -> None:
    newcomer = UserFactory.create()
    MembershipFactory.create(user=newcomer, school=school)
    client.force_login(newcomer)
    assert client.post(f"/s/{school.slug}/me/rounds/{round_.pk}/answer/").status_code == 404
    assert "answering_invitation" not in client.session


def _complete_draft(invitation: Invitation, *, leave_out: int = 0) -> Draft:
    items = Item.objects.filter(version=invitation.round.version).order_by("order", "pk")
    return write_draft(
        invitation, {str(pk): 3 for pk in items.values_list("pk", flat=True)[leave_out:]}
    )


def test_a_submit_seals_exactly_what_the_teacher_gave_and_ends_their_reminders(
    round_: Round, invitation: Invitation, teacher: User
) -> None:
    from nudges.models import Nudge, Rule
    from surveys import services

    items = list(Item.objects.filter(version=round_.version).order_by("order", "pk"))
    question = round_.version.open_questions.first()
    assert question is not None
    scores = {str(item.pk): (0 if n % 7 == 0 else n % 5 + 1) for n, item in enumerate(items)}
    write_draft(invitation, scores, {str(question.pk): "  Meer tijd samen.\n", "999999": "x"})
    mine = Nudge.objects.create(
        rule=Rule.RESPONDENTS,
        school=round_.school,
        recipient=teacher,
        period="p",
        target_id=round_.pk,
        due_at=timezone.now(),
    )
    copy, open_copy = services.submit_answers(invitation_id=invitation.pk, now=timezone.now())
    [ballot] = Ballot.objects.filter(round=round_)
    sealed = unseal_ballot(ballot.sealed)
    # Only open answers to the version's own questions, trimmed, go into the box.
    assert sealed.scores == scores
    assert sealed.texts == {str(question.pk): "Meer tijd samen."}
    in_order = frozen_content(round_.version_id, round_.version.fingerprint)[0]
    assert [line.value for line in copy] == [
        None if scores[str(item.pk)] == 0 else scores[str(item.pk)] for item in in_order
    ]
    assert open_copy == {question.text: "Meer tijd samen."}
    assert not Draft.objects.filter(invitation=invitation).exists()
    assert Invitation.objects.get(pk=invitation.pk).done
    assert not Nudge.objects.filter(pk=mine.pk).exists()
    with pytest.raises(services.SubmitError) as refused:
        services.submit_answers(invitation_id=invitation.pk, now=timezone.now())
    assert refused.value.code == "already_done"
    assert Ballot.objects.count() == 1


def test_a_refused_submit_says_why_and_writes_nothing(
    round_: Round, invitation: Invitation
) -> None:
    from surveys import services

    def refusal(invitation_id: int, now: datetime | None = None) -> str:
        with pytest.raises(services.SubmitError) as refused:
            services.submit_answers(invitation_id=invitation_id, now=now or timezone.now())
        assert not Ballot.objects.exists()
        assert not Invitation.objects.get(pk=invitation.pk).done
        return refused.value.code

    assert refusal(invitation.pk) == "incomplete"  # no draft at all
    draft = _complete_draft(invitation, leave_out=1)
    assert refusal(invitation.pk) == "incomplete"
    assert Draft.objects.get(pk=draft.pk).answers() == draft.answers()
    _complete_draft(invitation)
    assert refusal(invitation.pk + 10_000) == "unknown"
    assert refusal(invitation.pk, round_.closes_at) == "closed"
    assert refusal(invitation.pk, round_.opens_at - timedelta(seconds=1)) == "closed"
    # A counted round takes no ballot, even with a clock that says it is still open.
    Round.objects.filter(pk=round_.pk).update(tallied_at=timezone.now())
    assert refusal(invitation.pk, round_.opens_at) == "closed"
    Round.objects.filter(pk=round_.pk).update(tallied_at=None, box_opened_at=timezone.now())
    assert refusal(invitation.pk, round_.opens_at) == "closed"
    Round.objects.filter(pk=round_.pk).update(box_opened_at=None)
    assert Draft.objects.filter(invitation=invitation).exists()
    # Everything in order: it goes through, once.
    services.submit_answers(invitation_id=invitation.pk, now=round_.opens_at)
    with pytest.raises(services.SubmitError) as again:
        services.submit_answers(invitation_id=invitation.pk, now=timezone.now())
    assert again.value.code == "already_done"
    assert Ballot.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submits_of_one_invitation_at_once_store_it_once(
    round_: Round, invitation: Invitation
) -> None:
    """A phone that sends twice: the second submit arrives while the first holds the round's
    lock, waits for it, and is refused as already done."""
    from surveys import services

    _complete_draft(invitation)
    outcomes = _at_once(
        lambda: services.submit_answers(invitation_id=invitation.pk, now=timezone.now()),
        lambda: services.submit_answers(invitation_id=invitation.pk, now=timezone.now()),
    )
    assert outcomes == {"first": "stored", "second": "already_done"}
    assert Ballot.objects.filter(round=round_).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_of_one_draft_at_once_keep_both_batches(
    round_: Round, invitation: Invitation
) -> None:
    """A batch of taps and the "Next" right after it, from the same phone: the second save
    waits for the first one's lock on the draft and merges into what the first one wrote."""
    first, second = list(Item.objects.filter(version=round_.version, theme__number=1)[:2])
    phone = Client()
    assert phone.get(f"/i/{fresh_token(invitation)}/").status_code == 302
    phone.post("/vragenlijst/t1/", {"go": "save"})  # the draft exists from the first save on
    other = Client()
    other.cookies = phone.cookies
    outcomes = _at_once(
        lambda: phone.post("/vragenlijst/t1/", {f"item-{first.pk}": "2", "go": "save"}),
        lambda: other.post("/vragenlijst/t1/", {f"item-{second.pk}": "5", "go": "next"}),
    )
    assert outcomes == {"first": "stored", "second": "stored"}
    scores = Draft.objects.get(invitation=invitation).answers().scores
    assert scores == {str(first.pk): 2, str(second.pk): 5}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_submit_that_waits_while_the_box_is_opened_is_refused(
    round_: Round, invitation: Invitation
) -> None:
    """Opening the box takes the round's lock too: a submit that began before closing but
    reaches the lock after the box was opened gets "closed", and no ballot is left behind in
    an opened box."""
    from surveys import ballots, services

    _complete_draft(invitation)
    before_close = round_.closes_at - timedelta(seconds=1)
    for other in Invitation.objects.filter(round=round_).exclude(pk=invitation.pk)[:5]:
        _complete_draft(other)
        services.submit_answers(invitation_id=other.pk, now=before_close)
    outcomes = _at_once(
        lambda: ballots.box_ready_to_open(round_, round_.closes_at),
        lambda: services.submit_answers(invitation_id=invitation.pk, now=before_close),
    )
    assert outcomes == {"first": "stored", "second": "closed"}
    assert not Invitation.objects.get(pk=invitation.pk).done
    assert ballots.open_box(round_, round_.closes_at) == 5
    assert not Ballot.objects.exists() and Response.objects.count() == 5


def _at_once(first_call: Any, second_call: Any) -> dict[str, str]:
    """Run ``first_call`` in a transaction that stays open until ``second_call``, on another
    connection, is waiting for one of its locks; then let both finish."""
    import threading

    from django.db import connection, transaction

    from surveys import services

    held, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                first_call()
                held.set()
                release.wait(30)
            outcomes["first"] = "stored"
        finally:
            connection.close()

    def second() -> None:
        held.wait(30)
        try:
            second_call()
            outcomes["second"] = "stored"
        except services.SubmitError as error:
            outcomes["second"] = error.code
        finally:
            connection.close()

    race(first, second, held=held, release=release)
    return outcomes


def test_each_teacher_gets_the_copy_in_their_own_language(
    answering: Client, round_: Round, school: School, team: Team
) -> None:
    """The statements' texts are remembered per version and per language: a Dutch copy
    first must not make the next teacher's English copy Dutch."""
    items = list(Item.objects.filter(version=round_.version).order_by("order", "pk"))
    assert items[0].text_en and items[0].text_en != items[0].text_nl
    answer_everything(answering, round_)
    dutch = answering.post("/vragenlijst/verzenden/").content.decode()
    assert items[0].text_nl in dutch

    other = Invitation.objects.filter(round=round_, done=False).first()
    assert other is not None
    english = Client()
    english.cookies["django_language"] = "en"
    english.get(f"/i/{fresh_token(other)}/")
    answer_everything(english, round_)
    page = english.post("/vragenlijst/verzenden/").content.decode()
    assert "Thank you, your answers have been sent" in page
    assert items[0].text_en in page and items[0].text_nl not in page


def test_answers_refer_to_a_response_and_statement_through_real_foreign_keys(
    round_: Round,
) -> None:
    """The database itself refuses an answer whose response or statement does not exist,
    and removing a response or statement that answers still refer to."""
    import uuid

    from django.db import IntegrityError, connection, transaction

    response = Response.objects.create(round=round_)
    item = Item.objects.filter(version=round_.version).first()
    assert item is not None
    Answer.objects.create(response=response, item=item, value=3)

    def refused(statement: str, params: list[Any]) -> None:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement, params)

    insert = "INSERT INTO surveys_answer (response_id, item_id, value) VALUES (%s, %s, 3)"
    refused(insert, [uuid.uuid4(), item.pk])
    refused(insert, [response.pk, 10**12])
    refused(insert, [response.pk, item.pk])  # the same statement twice
    refused("DELETE FROM surveys_response WHERE id = %s", [response.pk])
    refused("DELETE FROM surveys_item WHERE id = %s", [item.pk])
    assert Answer.objects.filter(response=response).count() == 1

    round_.delete()  # the app's own way: answers first, then the response
    assert not Response.objects.exists() and not Answer.objects.exists()
