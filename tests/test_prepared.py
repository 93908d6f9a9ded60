"""Statements on the hottest paths are prepared once per database connection on PostgreSQL
and run as plain text elsewhere (dialoog/prepared.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from dialoog import prepared
from dialoog.models import User

from .conftest import need
from .factories import UserFactory

PERSON = prepared.Statement(
    "dialoog_test_person",
    lambda: (
        f"SELECT {prepared.columns(User, 'u')} FROM {prepared.table(User)} u"  # noqa: S608
        " WHERE u.email = %(email)s AND u.is_active = %(active)s AND u.email <> %(email)s || 'x'"
    ),
)


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _forget_on_this_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared._PREPARED.pop(connection.connection, None)


def test_a_statement_reads_a_model_with_repeated_parameters(db: None) -> None:
    person = UserFactory.create(email="els@anker.test", full_name="Els Visser")
    found = PERSON.fetch_model(User, {"email": "els@anker.test", "active": True})
    assert found == person
    assert found is not None and found.full_name == "Els Visser"
    # Values come back as the ORM would give them (SQLite's dates need converting).
    assert found.date_joined == person.date_joined and found.date_joined.tzinfo is not None
    assert found.is_active is True
    assert found._state.adding is False and found._state.db == "default"
    assert PERSON.fetch_model(User, {"email": "els@anker.test", "active": False}) is None


def test_on_postgresql_it_is_prepared_once_and_outlives_a_rollback(
    db: None, django_assert_num_queries: Any
) -> None:
    need(connection.vendor == "postgresql", "prepared statements need PostgreSQL")
    UserFactory.create(email="els@anker.test")
    _forget_on_this_connection()
    try:
        with transaction.atomic():
            # Preparing is not one of the page's queries: one query, the EXECUTE.
            with django_assert_num_queries(1) as captured:
                assert PERSON.fetch_model(User, {"email": "els@anker.test", "active": True})
            assert captured.captured_queries[0]["sql"].startswith("EXECUTE dialoog_test_person")
            transaction.set_rollback(True)
        assert "dialoog_test_person" in _prepared_here()
        assert PERSON.fetch_model(User, {"email": "els@anker.test", "active": True})
    finally:
        _forget_on_this_connection()


def test_a_new_connection_prepares_again(db: None) -> None:
    need(connection.vendor == "postgresql", "prepared statements need PostgreSQL")
    UserFactory.create(email="els@anker.test")
    assert PERSON.fetch_model(User, {"email": "els@anker.test", "active": True})
    # As when the server ends a connection: the driver's connection goes, and the next use
    # on the new one prepares the statement there.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    prepared._PREPARED.clear()
    assert "dialoog_test_person" not in _prepared_here()
    assert PERSON.fetch_model(User, {"email": "els@anker.test", "active": True})
    assert "dialoog_test_person" in _prepared_here()


def test_a_percent_sign_other_than_a_placeholder_is_refused() -> None:
    statement = prepared.Statement("dialoog_test_like", lambda: "SELECT 1 WHERE 'a' LIKE 'a%'")
    with pytest.raises(ValueError, match="placeholder"):
        assert statement.sql
