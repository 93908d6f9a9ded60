"""docker-compose.yml is a file `docker compose` accepts, its services start the processes of the
Procfile, and the .env.example it reads configures the app. Pure file checks: no Django, no
database, no Docker engine (tests/test_production_stack.py runs the commands for real)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import yaml

ROOT = Path(__file__).resolve().parent.parent


# --- Readers --------------------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    return services[name]


def procfile() -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


def env_example() -> dict[str, str]:
    """.env.example as compose's env_file reads it: NAME=value lines, comments skipped."""
    entries: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            entries[name.strip()] = value.strip().strip("\"'")
    return entries


def argv(command: str | list[str]) -> list[str]:
    """A compose command as the argument list it runs."""
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def image_cmd() -> list[str]:
    """The Dockerfile's last CMD, exec (JSON) or shell form."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    cmds = [line.strip()[4:] for line in text.splitlines() if line.strip().startswith("CMD ")]
    assert cmds, "the Dockerfile has no CMD"
    return json.loads(cmds[-1]) if cmds[-1].lstrip().startswith("[") else shlex.split(cmds[-1])


# --- Tests ----------------------------------------------------------------------------------------


def test_docker_compose_accepts_the_file() -> None:
    """The Compose Specification's JSON schema, the one `docker compose config` checks a file
    against, as check-jsonschema ships it (its builtin vendor.compose-spec; no network). A
    misspelt or misplaced key, or a value of the wrong type, fails here as it would fail
    `docker compose up`. ``${VAR:-default}`` is left as written: the schema accepts it in every
    field (its typed fields take strings for that reason)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(ROOT / "docker-compose.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_services_start_the_procfile_processes() -> None:
    """`make run` starts the Procfile; docker compose starts the same processes. The worker and
    beat run the very same command. The web process cannot: the Procfile's is Django's
    development server on the loopback, compose's is gunicorn, which must be the image's own
    CMD so that a bare `docker run` serves the same way. compose's migrate has no Procfile line
    (`make run` migrates before the Procfile starts)."""
    assert set(procfile()) <= set(compose()["services"]), "a Procfile process has no service"
    for name in ("worker", "beat"):
        assert argv(service(name)["command"]) == shlex.split(procfile()[name]), name
    assert argv(service("web")["command"]) == image_cmd()


def test_env_example_only_names_variables_settings_reads() -> None:
    """A variable that dialoog/settings.py never reads is a setting an operator changes in .env
    to no effect."""
    settings_source = (ROOT / "dialoog" / "settings.py").read_text(encoding="utf-8")
    unread = [
        name
        for name in env_example()
        if not re.search(
            r"(?:env_\w+\(\s*|os\.environ\.get\(\s*|os\.environ\[\s*|os\.getenv\(\s*)"
            rf"[\"']{re.escape(name)}[\"']",
            settings_source,
        )
    ]
    assert not unread, f".env.example names variables settings.py never reads: {unread}"


def test_env_example_reaches_the_compose_database_and_broker() -> None:
    """`cp .env.example .env && docker compose up` connects: DATABASE_URL names the postgres
    service with the user, password and database it creates (the password as compose resolves
    ``${POSTGRES_PASSWORD:-dialoog}`` when it is unset), REDIS_URL names the redis service."""
    database = dj_database_url.parse(env_example()["DATABASE_URL"])
    postgres = {
        key: re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", str(value))
        for key, value in service("postgres")["environment"].items()
    }
    assert (database["HOST"], int(database["PORT"] or 5432)) == ("postgres", 5432)
    assert (database["USER"], database["PASSWORD"], database["NAME"]) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )
    broker = urlsplit(env_example()["REDIS_URL"])
    assert (broker.scheme, broker.hostname, broker.port or 6379) == ("redis", "redis", 6379)
    assert {"postgres", "redis"} <= set(compose()["services"])
