"""Statements on the hottest paths, prepared once per database connection on PostgreSQL.

PostgreSQL plans every statement it receives as text. For the few statements that run on
nearly every request (the logged-in person, the tenancy check) or carry a whole write (a
questionnaire submit), planning took longer than running them: 0.15 ms against 0.03 ms for
the tenancy check, 0.5 ms for the submit (bench/RESULTS.md). A prepared statement is planned a
few times and then runs on one plan.

A statement is written once, with ``%(name)s`` placeholders; on PostgreSQL it is prepared as
``$1, $2, ...`` on first use on a connection and then run with ``EXECUTE``; on other databases
(SQLite for ``make run``) the same text runs as it is. The ``PREPARE`` goes to the driver
directly rather than through Django's cursor, so that it does not count as one of the page's
queries (tests assert those; like the setup Django itself does on a new connection, it is paid
once per connection). A prepared statement lives as long as its connection, also when the
transaction it was made in rolls back; a new connection prepares again. (A pooler in
transaction mode, such as PgBouncer's, would need its own prepared-statement support.)
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any, TypeVar

from django.db import connection, models

PLACEHOLDER = re.compile(r"%\((\w+)\)s")

# For each open connection of the driver, the names of the statements prepared on it.
_PREPARED: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()

M = TypeVar("M", bound=models.Model)


class Statement:
    def __init__(self, name: str, sql: Callable[[], str]) -> None:
        # The text is built on first use: table names come from the models.
        self.name = name
        self._sql = sql

    @cached_property
    def sql(self) -> str:
        text = self._sql()
        if "%" in PLACEHOLDER.sub("", text):
            raise ValueError(f"{self.name}: a % other than a %(name)s placeholder")
        return text

    @cached_property
    def _parameters(self) -> list[str]:
        """The placeholders' names in order of first appearance: $1, $2, ..."""
        return list(dict.fromkeys(PLACEHOLDER.findall(self.sql)))

    def execute(self, cursor: Any, params: Mapping[str, Any]) -> None:
        if connection.vendor != "postgresql":
            cursor.execute(self.sql, params)
            return
        raw = connection.connection
        prepared = _PREPARED.setdefault(raw, set())
        if self.name not in prepared:
            numbers = {name: f"${n}" for n, name in enumerate(self._parameters, start=1)}
            text = PLACEHOLDER.sub(lambda match: numbers[match.group(1)], self.sql)
            raw.execute(f"PREPARE {self.name} AS {text}")
            prepared.add(self.name)
        placeholders = ", ".join(["%s"] * len(self._parameters))
        cursor.execute(
            f"EXECUTE {self.name} ({placeholders})" if placeholders else f"EXECUTE {self.name}",
            [params[name] for name in self._parameters],
        )

    def fetch_model(self, model: type[M], params: Mapping[str, Any]) -> M | None:
        """The first row as a ``model`` instance; the statement selects ``columns(model)``."""
        with connection.cursor() as cursor:
            self.execute(cursor, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, converters, column in _converters(model, connection.alias):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return model.from_db(
            connection.alias, [f.attname for f in model._meta.concrete_fields], values
        )


_CONVERTERS: dict[tuple[type[models.Model], str], list[tuple[int, list[Any], Any]]] = {}


def _converters(model: type[models.Model], alias: str) -> list[tuple[int, list[Any], Any]]:
    """What turns a column's value from the driver into the field's value (a JSON field's
    text, SQLite's dates), as the ORM's compiler applies them; per model and database."""
    key = (model, alias)
    if key not in _CONVERTERS:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column)
            converters += column.get_db_converters(connection)
            if converters:
                found.append((index, converters, column))
        _CONVERTERS[key] = found
    return _CONVERTERS[key]


def columns(model: type[models.Model], alias: str) -> str:
    """Every column of ``model`` in the order of its fields, for ``Statement.fetch_model``."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
