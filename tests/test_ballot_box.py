"""The sealed ballot box, tried as someone with read access to the database would.

Twelve teachers answer through the answering pages, one after the other, each in a way that
can be recognised afterwards (their position in the sending order is written into their first
four scores, base 5, and into their open answer). Then the round closes and is counted as beat
does. The tests then look at what a database administrator, a replica or a backup holds:

- after counting: no system column (``xmin``), physical order (``ctid``), key or any other
  column of a response, answer or open answer follows the sending order or joins to an
  invitation, and matching done invitations to responses by position is no better than chance;
  no sequence belongs to them and the statistics saw no insert before closing;
- before counting: no answer or open answer is readable anywhere in the database, every sealed
  ballot is exactly as long as every other, and neither logs nor queued tasks carried them.

(Each of these failed on the submit that wrote the response in the claiming transaction, in
the order of sending: a join on ``xmin`` named the teacher behind every response.)
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from schools.models import School, Team, User
from surveys.models import Invitation, Item, Round
from surveys.retention import tally_closed

from .factories import MembershipFactory, UserFactory
from .survey_helpers import fresh_token, open_round

TEACHERS = 12
MARK = "Bericht nummer"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _digits(index: int) -> list[int]:
    """``index`` in four base-5 digits, as the scores 1..5 of the first four statements."""
    return [1 + (index // 5**k) % 5 for k in range(4)]


def _sender(scores: dict[int, int | None], first_four: list[int]) -> int:
    return sum(((scores[pk] or 1) - 1) * 5**k for k, pk in enumerate(first_four))


@pytest.fixture
def teachers(school: School, team: Team) -> list[User]:
    people = []
    for index in range(TEACHERS):
        person = UserFactory.create(email=f"sender{index}@linde.test")
        MembershipFactory.create(user=person, school=school, team=team)
        people.append(person)
    return people


def send_in_order(school: School, team: Team, teachers: list[User]) -> Round:
    """A round that every teacher answered through the pages, in the order of ``teachers``;
    still open."""
    round_ = open_round(school, team=team, threshold=5, open_threshold=5)
    items = list(Item.objects.filter(version=round_.version))
    first_four = [item.pk for item in items[:4]]
    question = round_.version.open_questions.first()
    assert question is not None
    for index, teacher in enumerate(teachers):
        phone = Client()
        phone.get(f"/i/{fresh_token(Invitation.objects.get(round=round_, user=teacher))}/")
        scores = {item.pk: 3 for item in items} | dict(zip(first_four, _digits(index), strict=True))
        for step in ("t1", "t2", "t3", "t4", "t5"):
            phone.post(
                f"/vragenlijst/{step}/",
                {f"item-{pk}": str(value) for pk, value in scores.items()} | {"go": "next"},
            )
        phone.post("/vragenlijst/open/", {f"open-{question.pk}": f"{MARK} {index}"})
        assert phone.post("/vragenlijst/verzenden/").status_code == 200
    assert Invitation.objects.filter(round=round_, done=True).count() == TEACHERS
    return round_


@pytest.fixture
def sent(school: School, team: Team, teachers: list[User]) -> Round:
    return send_in_order(school, team, teachers)


def _count(round_: Round) -> None:
    """What beat does once the round has closed (long enough ago for any version of it)."""
    assert tally_closed(now=round_.closes_at + timedelta(minutes=11), round_ids=[round_.pk]) == 1


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _senders(round_: Round, table: str, order_by: str) -> list[int]:
    """The sending position behind each row of ``table`` (responses, answers or open
    answers of ``round_``) in the order ``order_by`` gives them, each position once."""
    first_four = list(Item.objects.filter(version=round_.version).values_list("pk", flat=True))[:4]
    scores: dict[Any, dict[int, int | None]] = {}
    for response_id, item_id, value in _rows(
        "SELECT response_id, item_id, value FROM surveys_answer WHERE item_id = ANY(%s)",
        [first_four],
    ):
        scores.setdefault(response_id, {})[item_id] = value
    order = f"{order_by}, ctid"
    if table == "surveys_openanswer":
        rows = _rows(
            f"SELECT text FROM {table} WHERE round_id = %s ORDER BY {order}",  # noqa: S608
            [round_.pk],
        )
        found = [int(text.removeprefix(MARK)) for (text,) in rows]
    else:
        column = "id" if table == "surveys_response" else "response_id"
        rows = _rows(f"SELECT {column} FROM {table} ORDER BY {order}")  # noqa: S608
        found = [_sender(scores[response], first_four) for (response,) in rows]
    return list(dict.fromkeys(found))


def _columns(table: str) -> list[str]:
    return [
        row[0]
        for row in _rows(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            [table],
        )
    ]


def test_after_counting_no_system_column_key_or_order_leads_back_to_a_teacher(
    sent: Round, teachers: list[User]
) -> None:
    _count(sent)
    sending = list(range(TEACHERS))
    assert sorted(_senders(sent, "surveys_response", "id")) == sending  # all were counted

    # 1. The transaction id: every response, answer and open answer was written by the one
    #    transaction that opened the box, not by the one that claimed an invitation.
    for table in ("surveys_response", "surveys_openanswer"):
        linked = _rows(
            f"SELECT i.user_id FROM surveys_invitation i JOIN {table} r"  # noqa: S608
            " ON r.xmin = i.xmin AND r.round_id = i.round_id"
        )
        assert linked == [], table
    assert (
        _rows("SELECT i.user_id FROM surveys_invitation i JOIN surveys_answer a ON a.xmin = i.xmin")
        == []
    )
    assert _rows(
        "SELECT count(DISTINCT xmin::text) FROM surveys_response WHERE round_id = %s", [sent.pk]
    ) == [(1,)]

    # 2. Physical order, the transaction id, the keys and every other column: none gives the
    #    sending order back (nor its reverse).
    for table in ("surveys_response", "surveys_answer", "surveys_openanswer"):
        for order in ["ctid", "xmin::text", *_columns(table)]:
            senders = _senders(sent, table, order)
            assert sorted(senders) == sending, (table, order)
            assert senders not in (sending, sending[::-1]), (table, order)

    # 3. Matching done invitations to responses by their position on disk.
    invited = [
        row[0]
        for row in _rows(
            "SELECT user_id FROM surveys_invitation WHERE round_id = %s AND done ORDER BY ctid",
            [sent.pk],
        )
    ]
    position = {teacher.pk: index for index, teacher in enumerate(teachers)}
    matched = _senders(sent, "surveys_response", "ctid")
    right = sum(position[user] == sender for user, sender in zip(invited, matched, strict=True))
    assert right < TEACHERS


def test_no_sequence_or_statistic_follows_the_sending(
    school: School, team: Team, teachers: list[User]
) -> None:
    owned = _rows(
        "SELECT t.relname FROM pg_depend d"
        " JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
        " JOIN pg_class t ON t.oid = d.refobjid"
        " WHERE t.relname IN"
        " ('surveys_response', 'surveys_answer', 'surveys_openanswer', 'surveys_ballot')"
    )
    assert owned == []

    def inserted() -> tuple[int, ...]:
        _rows("SELECT pg_stat_force_next_flush()")
        _rows("SELECT pg_stat_clear_snapshot()")
        counts = dict(
            _rows(
                "SELECT relname, n_tup_ins FROM pg_stat_user_tables WHERE relname IN"
                " ('surveys_response', 'surveys_answer', 'surveys_openanswer')"
            )
        )
        return tuple(
            int(counts.get(t, 0))
            for t in ("surveys_response", "surveys_answer", "surveys_openanswer")
        )

    # While twelve teachers send, the statistics see no response, answer or open answer
    # written: only the sealed ballots, which say nothing without the key.
    before = inserted()
    round_ = send_in_order(school, team, teachers)
    assert inserted() == before
    _count(round_)
    items = Item.objects.filter(version=round_.version).count()
    after = inserted()
    assert after[0] - before[0] == TEACHERS
    assert after[1] - before[1] == TEACHERS * items


def test_before_counting_nothing_readable_is_stored_logged_or_queued(
    school: School,
    team: Team,
    teachers: list[User],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from celery.app.task import Task

    from surveys.models import Draft

    queued: list[Any] = []
    real_apply_async = Task.apply_async

    def recording(self: Task, args: Any = None, kwargs: Any = None, **options: Any) -> Any:
        queued.append((self.name, args, kwargs))
        return real_apply_async(self, args, kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    caplog.set_level(logging.DEBUG)
    round_ = send_in_order(school, team, teachers)
    # One more teacher is halfway: their draft holds an open answer too.
    late = UserFactory.create(email="late@linde.test")
    MembershipFactory.create(user=late, school=school, team=team)
    invitation = Invitation.objects.create(round=round_, user=late, token_hash="x" * 64)
    phone = Client()
    phone.get(f"/i/{fresh_token(invitation)}/")
    question = round_.version.open_questions.first()
    assert question is not None
    phone.post("/vragenlijst/open/", {f"open-{question.pk}": f"{MARK} in wording"})
    assert Draft.objects.filter(invitation=invitation).exists()

    # Every text, JSON and binary column of every table, as a reader of a dump would.
    columns = _rows(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'"
        " AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')"
    )
    item_keys = [
        f'"{pk}":'
        for pk in Item.objects.filter(version=round_.version).values_list("pk", flat=True)
    ]
    for table, column in columns:
        for needle in [MARK, *item_keys[:3]]:
            found = _rows(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',  # noqa: S608
                [f"%{needle}%"],
            )
            assert found == [(0,)], (table, column, needle)
    from surveys.models import Ballot

    lengths = {len(b.sealed) for b in Ballot.objects.filter(round=round_)}
    assert len(lengths) == 1 and Ballot.objects.filter(round=round_).count() == TEACHERS
    # The box has not been opened: nothing but ballots.
    assert not _rows("SELECT 1 FROM surveys_response WHERE round_id = %s", [round_.pk])

    # Nothing a teacher typed went into a log line or a queued task.
    assert not [r for r in caplog.records if MARK in r.getMessage()]
    for _name, args, kwargs in queued:
        assert all(isinstance(a, int | list) for a in (args or ())), (_name, args)
        assert not kwargs or MARK not in str(kwargs)
