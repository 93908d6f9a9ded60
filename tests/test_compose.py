"""The production shape (Dockerfile, docker-compose.yml, .env.example) stays in step with the
Procfile and with what dialoog/settings.py reads. Pure file checks: no Django, no database, no
Docker engine."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING_SERVICES = ("postgres", "redis", "web", "worker", "beat")
ONE_SHOT_SERVICES = ("migrate",)


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


@cache
def procfile() -> dict[str, str]:
    processes: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


@cache
def env_example() -> dict[str, str]:
    return dict(_env_example_entries())


def _env_example_entries() -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.removeprefix("export ").partition("=")
        assert sep, f".env.example line is not NAME=value: {line!r}"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        entries.append((name.strip(), value))
    return entries


def argv(command: str | list[str]) -> list[str]:
    """A compose or Dockerfile command as the argument list it runs."""
    return shlex.split(command) if isinstance(command, str) else [str(arg) for arg in command]


def resolve_compose_defaults(value: str) -> str:
    """``${NAME:-default}`` as compose resolves it when NAME is unset."""
    return re.sub(r"\$\{\w+(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


@cache
def dockerfile_stages() -> list[Stage]:
    """The Dockerfile's stages, each with its instructions (continuations joined, comments out)."""
    logical: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending.strip())

    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = [word for word in args.split() if not word.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(image=words[0], name=name))
        elif stages:
            stages[-1].instructions.append((keyword, args.strip()))
    assert stages, "Dockerfile has no FROM"
    return stages


def exec_form(args: str) -> list[str]:
    """A CMD/ENTRYPOINT/HEALTHCHECK CMD argument as a list, exec (JSON) or shell form."""
    args = args.strip()
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def dockerfile_cmd() -> list[str]:
    cmds = dockerfile_stages()[-1].args("CMD")
    assert cmds, "the final Dockerfile stage has no CMD"
    return exec_form(cmds[-1])


def dockerfile_healthcheck() -> list[str]:
    checks = dockerfile_stages()[-1].args("HEALTHCHECK")
    assert checks, "the final Dockerfile stage has no HEALTHCHECK"
    _, sep, command = checks[-1].partition("CMD ")
    assert sep, "HEALTHCHECK has no CMD"
    return exec_form(command)


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_defines_the_database_broker_and_app_services() -> None:
    assert set(compose()["services"]) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_postgres_and_redis_are_the_pinned_major_versions() -> None:
    assert service("postgres")["image"] == "postgres:15"
    assert service("redis")["image"] == "redis:7"


def test_postgres_keeps_its_data_in_a_named_volume() -> None:
    volumes = [str(v) for v in service("postgres").get("volumes", [])]
    data_volume = next((v for v in volumes if v.endswith(":/var/lib/postgresql/data")), None)
    assert data_volume, "postgres data directory is not on a volume"
    assert data_volume.split(":")[0] in (compose().get("volumes") or {})


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_one_image_built_from_this_repository(name: str) -> None:
    assert service(name).get("build") in (".", {"context": "."})
    assert service(name).get("image") == "dialoog:latest"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_read_their_settings_from_the_env_file(name: str) -> None:
    env_file = service(name).get("env_file")
    env_files = env_file if isinstance(env_file, list) else [env_file]
    paths = [f["path"] if isinstance(f, dict) else f for f in env_files]
    assert ".env" in paths


def test_worker_runs_the_same_command_as_the_procfile() -> None:
    assert argv(service("worker")["command"]) == shlex.split(procfile()["worker"])


def test_beat_runs_the_same_command_as_the_procfile() -> None:
    assert argv(service("beat")["command"]) == shlex.split(procfile()["beat"])


def test_web_serves_the_wsgi_app_with_gunicorn_on_port_8000() -> None:
    command = argv(service("web")["command"])
    assert command[0] == "gunicorn"
    assert "dialoog.wsgi:application" in command
    assert command[command.index("--bind") + 1] == "0.0.0.0:8000"
    assert any(str(port).endswith("8000:8000") for port in service("web").get("ports", []))


def test_migrate_is_a_one_shot_migrate_job() -> None:
    migrate = service("migrate")
    assert argv(migrate["command"]) == ["python", "manage.py", "migrate", "--noinput"]
    assert str(migrate.get("restart", "no")) in {"no", "False", "false"}


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_start_after_healthy_backends_and_finished_migrations(name: str) -> None:
    depends_on = service(name)["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_waits_for_a_healthy_database() -> None:
    assert service("migrate")["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", LONG_RUNNING_SERVICES)
def test_every_long_running_service_has_a_healthcheck(name: str) -> None:
    healthcheck = service(name).get("healthcheck") or {}
    assert not healthcheck.get("disable"), f"{name} has its healthcheck disabled"
    test = healthcheck.get("test")
    assert test and test not in (["NONE"], "NONE"), f"{name} has no healthcheck"


def test_every_service_except_the_one_shot_jobs_is_health_checked() -> None:
    unchecked = {
        name
        for name, spec in compose()["services"].items()
        if name not in ONE_SHOT_SERVICES
        and (not (spec.get("healthcheck") or {}).get("test") or spec["healthcheck"].get("disable"))
    }
    assert not unchecked, f"services without a healthcheck: {sorted(unchecked)}"


def test_web_healthcheck_probes_healthz_like_the_image_does() -> None:
    test = service("web")["healthcheck"]["test"]
    assert test[0] == "CMD"
    assert test[1:] == dockerfile_healthcheck()
    assert any("/healthz" in arg for arg in test)


def test_worker_healthcheck_pings_its_own_celery_node() -> None:
    check = " ".join(argv(service("worker")["healthcheck"]["test"]))
    assert "celery -A dialoog inspect ping" in check
    assert "celery@" in check


# --- .env.example ---------------------------------------------------------------------------------


def test_env_example_database_url_points_at_the_postgres_service() -> None:
    url = env_example()["DATABASE_URL"]
    config = dj_database_url.parse(url)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] in compose()["services"]
    assert config["HOST"] == "postgres"
    assert int(config["PORT"]) == 5432


def test_env_example_database_credentials_match_the_postgres_service() -> None:
    config = dj_database_url.parse(env_example()["DATABASE_URL"])
    environment = {
        key: resolve_compose_defaults(str(value))
        for key, value in service("postgres")["environment"].items()
    }
    assert config["USER"] == environment["POSTGRES_USER"]
    assert config["PASSWORD"] == environment["POSTGRES_PASSWORD"]
    assert config["NAME"] == environment["POSTGRES_DB"]


def test_env_example_redis_url_points_at_the_redis_service() -> None:
    url = urlsplit(env_example()["REDIS_URL"])
    assert url.scheme == "redis"
    assert url.hostname in compose()["services"]
    assert url.hostname == "redis"
    assert (url.port or 6379) == 6379


def test_env_example_only_names_variables_settings_reads() -> None:
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


def test_env_example_names_each_variable_once() -> None:
    names = [name for name, _ in _env_example_entries()]
    assert len(names) == len(set(names)), "a variable appears twice in .env.example"


def test_env_example_explains_every_variable_in_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    uncommented = [
        line.partition("=")[0]
        for index, line in enumerate(lines)
        if line.strip()
        and not line.lstrip().startswith("#")
        and (index == 0 or not lines[index - 1].lstrip().startswith("#"))
    ]
    assert not uncommented, f"variables without a comment above them: {uncommented}"


def test_env_example_covers_the_production_settings() -> None:
    expected = {
        "DEBUG",
        "SECRET_KEY",
        "BALLOT_KEYS",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SITE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LOG_LEVEL",
        "CELERY_QUEUE",
        "ANONYMITY_THRESHOLD_DEFAULT",
    }
    missing = expected - set(env_example())
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_is_production_like_with_a_placeholder_secret() -> None:
    env = env_example()
    assert env["DEBUG"].lower() in {"0", "false", "no", "off"}
    assert "change" in env["SECRET_KEY"].lower()
    assert env["ALLOWED_HOSTS"].strip()
    assert env["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


# --- Dockerfile -----------------------------------------------------------------------------------


def test_dockerfile_builds_the_front_end_in_a_node_first_stage() -> None:
    first = dockerfile_stages()[0]
    assert first.image.startswith("node:")
    runs = " && ".join(first.args("RUN"))
    assert "npm ci" in runs
    assert "npm run build" in runs


def test_dockerfile_final_stage_is_python_without_node_or_npm() -> None:
    final = dockerfile_stages()[-1]
    assert final.image == "python:3.11-slim"
    commands = [
        args for keyword, args in final.instructions if keyword in {"RUN", "CMD", "ENTRYPOINT"}
    ] + final.args("HEALTHCHECK")
    offending = [c for c in commands if re.search(r"(?<![\w./-])(?:node|npm|npx)(?![\w-])", c)]
    assert not offending, f"the final stage runs Node tooling: {offending}"


def test_dockerfile_final_stage_takes_the_built_vendor_assets_from_the_node_stage() -> None:
    first, final = dockerfile_stages()[0], dockerfile_stages()[-1]
    copies = final.args("COPY")
    sources = {f"--from={first.name}", "--from=0"}
    assert any(copy.split()[0] in sources and "static/vendor" in copy for copy in copies), (
        "static/vendor is not copied from the node stage"
    )


def test_dockerfile_installs_only_the_runtime_lock() -> None:
    runs = " && ".join(dockerfile_stages()[-1].args("RUN"))
    assert re.search(r"pip install .*-r requirements\.lock", runs)
    assert "requirements-dev.lock" not in runs


def test_dockerfile_collects_static_files_at_build_time_with_debug_off() -> None:
    runs = dockerfile_stages()[-1].args("RUN")
    collect = next((run for run in runs if "collectstatic" in run), None)
    assert collect, "collectstatic does not run at build time"
    assert "--noinput" in collect
    assert re.search(r"\bDEBUG=0\b", collect)
    assert "SECRET_KEY=" in collect
    assert "ALLOWED_HOSTS=" in collect


def test_image_runs_as_a_non_root_user() -> None:
    users = dockerfile_stages()[-1].args("USER")
    assert users, "the final stage has no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_image_exposes_port_8000() -> None:
    exposed = " ".join(dockerfile_stages()[-1].args("EXPOSE")).split()
    assert "8000" in exposed or "8000/tcp" in exposed


def test_image_healthcheck_uses_python_urllib_against_healthz() -> None:
    check = dockerfile_healthcheck()
    assert check[0] == "python"
    script = " ".join(check)
    assert "urllib" in script
    assert "/healthz" in script
    assert "curl" not in script


def test_dockerfile_cmd_matches_the_compose_web_command() -> None:
    assert dockerfile_cmd() == argv(service("web")["command"])
    assert dockerfile_cmd() == [
        "gunicorn",
        "dialoog.wsgi:application",
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
        "--access-logfile",
        "-",
    ]


def test_dockerignore_keeps_secrets_and_host_artefacts_out_of_the_image() -> None:
    ignored = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "node_modules", "static/vendor", "staticfiles"} <= ignored
