"""The welcome e-mail goes through a real Celery worker process on Redis, against the test
database, and is sent once even when the task is delivered twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from dialoog.models import Membership
from dialoog.tasks import send_welcome_email

from .conftest import need
from .factories import MembershipFactory, SchoolFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_welcome_email_once(tmp_path: Path) -> None:
    need(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: no Redis for the worker")
    need(connection.vendor == "postgresql", "the worker needs PostgreSQL (DATABASE_URL)")

    school = SchoolFactory.create(name="OBS Het Anker")
    teacher = UserFactory.create(
        email="worker-test@anker.test", full_name="Wim Werker", language="en"
    )
    membership = MembershipFactory.create(user=teacher, school=school)

    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "tests.mail_backends.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dialoog",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Delivered twice, as a retry or a second beat would: the claim lets one through.
        send_welcome_email.apply_async(args=(membership.pk,), queue=queue)
        send_welcome_email.apply_async(args=(membership.pk,), queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if mail_dir.exists() and any(mail_dir.iterdir()):
                break
            if worker.poll() is not None:
                break
            time.sleep(0.2)
        # Give the second delivery time to be consumed (and refused by the claim).
        time.sleep(2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    files = list(mail_dir.iterdir()) if mail_dir.exists() else []
    assert len(files) == 1, output[-3000:]
    message = files[0].read_text()
    assert "worker-test@anker.test" in message
    assert "Welcome to dialoog at OBS Het Anker" in message
    assert output.count("succeeded") == 2, output[-3000:]
    assert Membership.objects.get(pk=membership.pk).invited_at is not None
