"""A school morning under load (bench/locustfile.py) against gunicorn with the production
settings on PostgreSQL (and Redis when the tests have it): 40 teachers answer, the leader
watches the dashboard, 30 phones of a focus group poll. Bounded in time, loopback only. No
request may fail, and every answer a teacher submitted is stored exactly once. Speed is not
asserted here (that is ``make bench``); correctness under concurrency is."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.models import Count
from django.utils import timezone

from bench.stack import manage, production_env, running
from focusgroups.models import FocusPhase, FocusSession
from schools.models import Membership
from surveys.models import Answer, Ballot, Invitation, Response
from surveys.services import round_open

from .celery_workers import ROOT
from .conftest import database_url
from .factories import MembershipFactory, SchoolFactory, UserFactory
from .production_stack import free_port
from .survey_helpers import close_and_count, default_template, fresh_token, restore_catalogue

TEACHERS = 40
PHONES = 30
PASSWORD = "ochtend-onder-druk-2026"


@pytest.mark.load
@pytest.mark.django_db(transaction=True)  # the server sees only committed rows
def test_a_school_morning_under_load_loses_nothing_and_fails_nothing(tmp_path: Path) -> None:
    restore_catalogue()
    school = SchoolFactory.create(name="OBS De Drukte")
    leader = UserFactory.create(email="leider@drukte.test", full_name="Lotte Leider")
    # The server runs with Django's own hashers, not the tests' fast one.
    leader.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    leader.save(update_fields=["password"])
    MembershipFactory.create(user=leader, school=school, role=Membership.Role.LEADER)
    for n in range(TEACHERS):
        MembershipFactory.create(
            user=UserFactory.create(email=f"leerkracht{n}@drukte.test"), school=school
        )
    now = timezone.now()
    earlier = round_open(
        school=school,
        team=None,
        template=default_template(),
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=40),
        threshold=5,
        open_threshold=5,
        created_by=leader,
        now=now - timedelta(days=61),  # planned before it opened: nothing is e-mailed now
    )
    focus = FocusSession.objects.create(
        round=earlier, created_by=leader, title="Focusgroep", paused=False
    )
    FocusPhase.objects.create(session=focus, order=1, kind="checkin", minutes=10)
    round_ = round_open(
        school=school,
        team=None,
        template=default_template(),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=14),
        threshold=5,
        open_threshold=5,
        created_by=leader,
        now=now - timedelta(days=1),
    )
    tokens = [fresh_token(invitation) for invitation in Invitation.objects.filter(round=round_)]
    assert len(tokens) == TEACHERS

    plan, result = tmp_path / "plan.json", tmp_path / "submitted.json"
    plan.write_text(
        json.dumps(
            {
                "tokens": tokens,
                "leader": {"email": leader.email, "password": PASSWORD},
                "school": school.slug,
                "round": round_.pk,
                "code": focus.code,
            }
        )
    )
    env = production_env(
        database_url=database_url(),
        # Redis when the tests have it; otherwise the file cache and filesystem broker.
        redis_url=os.environ.get("REDIS_URL", ""),
        # The server seals ballots that this process opens afterwards: the same key.
        BALLOT_KEYS=",".join(settings.BALLOT_KEYS),
        CELERY_QUEUE=f"load-{uuid.uuid4().hex[:8]}",
    )
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    with running(env, port=free_port(), log_dir=tmp_path / "logs", worker=False) as stack:
        load = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(TEACHERS + 1 + PHONES),
                "--spawn-rate",
                str(TEACHERS + 1 + PHONES),
                "--run-time",
                "40s",
                "--stop-timeout",
                "10",
                "--host",
                stack.base_url,
                "--csv",
                str(tmp_path / "load"),
                "--only-summary",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_PLAN": str(plan), "LOAD_RESULT": str(result)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        server_log = stack.log_text()
    output = load.stdout + load.stderr
    assert load.returncode == 0, output[-4000:]
    assert "Traceback" not in server_log, server_log[-4000:]

    rows = {row["Name"]: row for row in csv.DictReader((tmp_path / "load_stats.csv").open())}
    total = rows["Aggregated"]
    assert int(total["Failure Count"]) == 0, output[-4000:]
    # Every kind of request really happened, many times over for the polls.
    assert int(rows["/doe-mee/sessie/live/"]["Request Count"]) >= PHONES * 10
    assert int(rows["/s/[school]/"]["Request Count"]) >= 5
    assert int(rows["/vragenlijst/verzenden/"]["Request Count"]) == TEACHERS

    # Every answer a teacher sent is stored exactly once, and nothing else is: sealed in the
    # ballot box while the round is open, and as responses once it has closed and is counted.
    submitted = json.loads(result.read_text())
    assert len(submitted) == TEACHERS
    assert Invitation.objects.filter(round=round_, done=True).count() == TEACHERS
    assert Ballot.objects.filter(round=round_).count() == TEACHERS
    assert not Response.objects.filter(round=round_).exists()
    close_and_count(round_)
    assert not Ballot.objects.exists()
    assert Response.objects.filter(round=round_).count() == TEACHERS
    sent = Counter(
        (int(pk), value or None) for answers in submitted for pk, value in answers.items()
    )
    stored = Counter(
        {
            (row["item_id"], row["value"]): row["n"]
            for row in Answer.objects.filter(response__round=round_)
            .values("item_id", "value")
            .annotate(n=Count("item"))
        }
    )
    assert stored == sent
    assert sum(stored.values()) == TEACHERS * default_template().items.count()
