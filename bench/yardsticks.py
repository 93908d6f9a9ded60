"""What dialoog is measured against, made ready for a run: the stock Django project
(bench/stock) and the peer survey app (bench/peer), each in a database of its own on the same
PostgreSQL server as dialoog's benchmark database. The peer is installed in the benchmark's own
environment (var/bench/peer-venv), never in dialoog's, with the same versions of Django,
gunicorn and psycopg as dialoog runs on."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from bench.stack import ROOT

PEER_PACKAGE = "django-survey-and-report==1.5.0"
PEER_VENV = ROOT / "var" / "bench" / "peer-venv"


def database_beside(database_url: str, suffix: str) -> str:
    """The URL of database ``<name>_<suffix>`` on the same server, created if missing."""
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def _django(python: str | Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [str(python), "-W", "ignore", *args],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def stock_env(env: dict[str, str], database_url: str) -> dict[str, str]:
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.stock.settings",
        "YARDSTICK_DATABASE_URL": database_url,
    }


def prepare_stock(env: dict[str, str]) -> None:
    _django(sys.executable, env, "-m", "django", "migrate", "--noinput", "--verbosity", "0")


def peer_python() -> Path:
    """The peer's own environment, made on the first run (a minute; pip, from PyPI)."""
    python = PEER_VENV / "bin" / "python"
    wanted = [
        PEER_PACKAGE,
        f"Django=={version('django')}",
        f"gunicorn=={version('gunicorn')}",
        f"psycopg[binary]=={version('psycopg')}",
    ]
    stamp = PEER_VENV / "requirements.txt"
    if python.exists() and stamp.exists() and stamp.read_text().split() == wanted:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted],
        check=True,
    )
    stamp.write_text("\n".join(wanted) + "\n")
    return python


def peer_env(env: dict[str, str], database_url: str) -> dict[str, str]:
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.peer.settings",
        "YARDSTICK_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }


def prepare_peer(python: Path, env: dict[str, str]) -> int:
    """Migrates the peer's database and makes its 40-question survey; returns its id."""
    _django(python, env, "-m", "django", "migrate", "--noinput", "--verbosity", "0")
    return int(_django(python, env, str(ROOT / "bench" / "peer" / "setup_survey.py")).split()[-1])


def peer_stored(database_url: str, survey: int) -> tuple[int, int]:
    """What the peer stored for its survey: (responses, responses without 40 answers)."""
    with psycopg.connect(database_url) as connection:
        responses = connection.execute(
            "SELECT count(*) FROM survey_response WHERE survey_id = %s", [survey]
        ).fetchone()
        wrong = connection.execute(
            "SELECT count(*) FROM (SELECT r.id FROM survey_response r "
            "LEFT JOIN survey_answer a ON a.response_id = r.id WHERE r.survey_id = %s "
            "GROUP BY r.id HAVING count(a.id) <> 40) AS short",
            [survey],
        ).fetchone()
    return int(responses[0]) if responses else 0, int(wrong[0]) if wrong else 0
