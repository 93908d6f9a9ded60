"""Health check, settings, seed data and the dashboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from dialoog import settings as project_settings
from dialoog.celery import app as celery_app
from schools.models import Board, Membership, School, Team, User

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_database_and_broker(client: Client, db: None) -> None:
    # Redis, or the filesystem broker without REDIS_URL: either is checked the same way.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_broker_is_down(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 9 of loopback: a real, refused connection.
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "broker_transport_options")}
    conf.update(broker_url="redis://127.0.0.1:9/0", broker_transport_options={})
    try:
        response = client.get("/healthz")
    finally:
        conf.update(saved)
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_down(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    def broken_cursor(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.parametrize(
    ("helper", "value"),
    [("env_bool", "perhaps"), ("env_int", "twelve"), ("env_int", "1")],
)
def test_settings_helpers_fail_loudly_on_bad_values(
    monkeypatch: pytest.MonkeyPatch, helper: str, value: str
) -> None:
    monkeypatch.setenv("SOME_SETTING", value)
    with pytest.raises(ImproperlyConfigured, match="SOME_SETTING"):
        if helper == "env_int":
            project_settings.env_int("SOME_SETTING", 5, minimum=3)
        else:
            project_settings.env_bool("SOME_SETTING")


def _check_in_production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "BALLOT_KEYS")
    }
    clean.update({"DEBUG": "0", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key_allowed_hosts_or_ballot_keys() -> None:
    key = Fernet.generate_key().decode()
    no_secret = _check_in_production(ALLOWED_HOSTS="dialoog.example", BALLOT_KEYS=key)
    assert no_secret.returncode != 0 and "SECRET_KEY must be set" in no_secret.stderr
    no_hosts = _check_in_production(SECRET_KEY="x" * 50, BALLOT_KEYS=key)
    assert no_hosts.returncode != 0 and "ALLOWED_HOSTS must be set" in no_hosts.stderr
    no_key = _check_in_production(SECRET_KEY="x" * 50, ALLOWED_HOSTS="dialoog.example")
    assert no_key.returncode != 0 and "BALLOT_KEYS must be set" in no_key.stderr
    bad_key = _check_in_production(
        SECRET_KEY="x" * 50, ALLOWED_HOSTS="dialoog.example", BALLOT_KEYS="change-me"
    )
    assert bad_key.returncode != 0 and "BALLOT_KEYS holds a value" in bad_key.stderr
    ok = _check_in_production(
        SECRET_KEY="x" * 50, ALLOWED_HOSTS="dialoog.example", BALLOT_KEYS=f"{key},{key}"
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.django_db
def test_seed_demo_builds_the_demo_school_and_is_idempotent() -> None:
    call_command("seed_demo", quiet=True)
    call_command("seed_demo", quiet=True)
    school = School.objects.get(slug="de-regenboog")
    assert school.teachers().count() == 12
    assert Membership.objects.filter(school=school, role="leader").count() == 1
    assert Team.objects.filter(school=school).count() == 2
    assert Board.objects.count() == 2
    assert User.objects.get(email="leider@regenboog.test").check_password("dialoog-demo")
    assert User.objects.filter(is_staff=True).count() == 1
    from surveys.models import Answer, Response, Round

    rounds = list(Round.objects.filter(school=school).order_by("opens_at"))
    assert len(rounds) == 3
    round_ = rounds[-1]
    assert all(r.is_closed(timezone.now()) for r in rounds)
    assert Response.objects.filter(round=round_).count() == 12
    assert (
        Answer.objects.filter(response__round=round_).count() == 12 * round_.version.items.count()
    )
    assert round_.open_answers.exists() and round_.leader_done
    assert not round_.invitations.filter(done=False).exists()
    assert round_.interviews.count() == 5
    assert round_.interviews.filter(notes__wants_help=True).count() == 1
    [session] = round_.focus_sessions.all()
    assert session.closed_at is not None
    assert session.checkins.count() == 12 and session.agreements.count() == 3
    from planning.models import Activity

    assert Activity.objects.filter(school=school).count() >= 9


def test_the_dashboard_shows_the_cycle_with_each_steps_state(
    client: Client, leader: User, teacher: User, school: School
) -> None:
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/").content.decode()
    for step in ("team", "round", "results", "interviews", "focus", "plan", "nudges"):
        assert f'data-step="{step}"' in page
    assert "1 leerkracht" in page
    assert "Nog niet gestart" in page


def test_the_dashboard_asks_few_queries(
    client: Client, leader: User, school: School, django_assert_max_num_queries: Any
) -> None:
    client.force_login(leader)
    # The session, the person, the tenancy check, the counts, the latest report and the
    # person's open nudges (which also give the navigation its count).
    with django_assert_max_num_queries(15):
        assert client.get(f"/s/{school.slug}/").status_code == 200


def test_the_admin_lists_every_model(client: Client, db: None) -> None:
    from django.apps import apps
    from django.contrib import admin

    staff = User.objects.create_superuser("staff@dialoog.test", "a long admin passphrase")
    client.force_login(staff)
    # Raw answers and interview notes: only the leader and the teacher concerned read them.
    private = {
        "Response",
        "Answer",
        "OpenAnswer",
        "Draft",
        "Ballot",
        "LeaderAnswer",
        "Interview",
        "InterviewNote",
        "CheckIn",
        "Reaction",
        "Vote",
        "RoundTally",  # what is left of a purged round's answers: read through anonymity only
        "TopicVote",  # who voted for which topic stays between the team members
        "StepInput",
        "Reflection",
        "Conversation",
    }
    for app_label in settings.PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__ in private or model._meta.abstract:
                # Raw answers are never browsable in the back office.
                assert not admin.site.is_registered(model), model
                continue
            if model.__name__ in (
                "TemplateItem",
                "TemplateOpenQuestion",
                "Item",
                "OpenQuestion",
                "FocusPhase",
                "FormatStep",
            ):
                continue  # edited and shown inline on their template or version
            assert admin.site.is_registered(model), model
            url = f"/admin/{app_label}/{model._meta.model_name}/"
            assert client.get(url).status_code == 200, url
            assert client.get(url, {"q": "a"}).status_code == 200, url


def test_no_page_loads_anything_from_another_host(client: Client, leader: User) -> None:
    import re

    client.force_login(leader)
    for url in ("/accounts/login/", "/model/", "/model/themes/collectief-leren/"):
        page = client.get(url).content.decode()
        for src in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert not src.startswith(("http://", "https://", "//")), (url, src)


def test_tokens_never_reach_a_log_line() -> None:
    from dialoog.logging import redact

    line = (
        '"GET /accounts/login/code/confirm/?code=ABC123 HTTP/1.1" /i/abcdefghijkl/ key=zz '
        "/j/qrtokenqrtoken/ /oefen/practicetoken1/"
    )
    cleaned = redact(line)
    for secret in ("ABC123", "abcdefghijkl", "zz", "qrtokenqrtoken", "practicetoken1"):
        assert secret not in cleaned


def test_static_urls_come_from_the_manifest_and_are_worked_out_once(tmp_path: Path) -> None:
    import json

    from dialoog.storage import StaticStorage

    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/dialoog.css": "css/dialoog.0123abcd.css"}})
    )
    storage = StaticStorage(location=str(tmp_path), base_url="/static/")
    assert storage.url("css/dialoog.css") == "/static/css/dialoog.0123abcd.css"
    # Once known, the manifest is not consulted again in this process.
    storage.hashed_files.clear()
    assert storage.url("css/dialoog.css") == "/static/css/dialoog.0123abcd.css"
    # A name the manifest does not know is refused, as by Django's own manifest storage.
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/missing.css")
