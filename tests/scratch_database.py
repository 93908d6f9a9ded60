"""A database of its own beside the test database, on the same server, for a process a test
starts (the production stack, the identity provider): made afresh, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import dj_database_url
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo


class ScratchDatabase:
    def __init__(self, database_url: str, suffix: str) -> None:
        main = dj_database_url.parse(database_url)
        self.name = f"{main['NAME']}{suffix}"
        self._server: dict[str, Any] = {
            "host": main.get("HOST") or "127.0.0.1",
            "port": main.get("PORT") or 5432,
            "user": main.get("USER") or "postgres",
            "password": main.get("PASSWORD") or None,
        }

    @property
    def url(self) -> str:
        """For DATABASE_URL; a socket folder (the embedded server) is the host, percent-encoded."""
        server = self._server
        password = f":{server['password']}" if server["password"] else ""
        host = quote(str(server["host"]), safe="")
        return f"postgres://{server['user']}{password}@{host}:{server['port']}/{self.name}"

    def conninfo(self) -> str:
        return make_conninfo(dbname=self.name, **self._server)

    def create(self) -> None:
        """Made afresh: a database left by an interrupted run is dropped first."""
        self.drop()
        with self._server_connection() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        with self._server_connection() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    @contextmanager
    def _server_connection(self) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(
            make_conninfo(dbname="postgres", **self._server), autocommit=True
        ) as conn:
            yield conn
