"""Nudges through real Celery workers on Redis, against the test database: a scan sends each
e-mail once, also with two scans at the same time; a worker killed in the middle of a send
leaves each e-mail sent exactly once after a restart; and with the broker down a teacher's
submit still succeeds and the reminder goes out once the broker is back."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from nudges.models import Nudge, Rule
from nudges.rules import scan
from nudges.tasks import deliver_nudge, scan_nudges
from surveys.models import Invitation
from surveys.services import round_open

from .conftest import need
from .nudge_helpers import broker, build_school
from .survey_helpers import answer_everything, default_template, fresh_token, restore_catalogue
from .test_celery_worker import ROOT, _database_url

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _services() -> None:
    need(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: no Redis for the worker")
    need(connection.vendor == "postgresql", "the worker needs PostgreSQL (DATABASE_URL)")


class Workers:
    """Starts ``celery worker`` processes on one private queue; stops them all at the end."""

    def __init__(self, tmp_path: Path, broker: str) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.mail_dir = tmp_path / "mail"
        self.broker = broker
        self.processes: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []
        self.tmp_path = tmp_path

    def start(self, **env: str) -> subprocess.Popen[str]:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.broker,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "tests.mail_backends.SlowFileBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            **env,
        }
        process = subprocess.Popen(
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
                self.queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{self.queue}-{len(self.processes)}@%h",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def mails(self) -> list[Path]:
        return sorted(self.mail_dir.iterdir()) if self.mail_dir.exists() else []

    def output(self) -> str:
        return "\n".join(log.read_text()[-3000:] for log in self.logs if log.exists())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    _services()
    pool = Workers(tmp_path, os.environ["REDIS_URL"])
    try:
        yield pool
    finally:
        pool.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _due_now() -> None:
    """The scan ran outside school hours perhaps (07:30-18:00 on a school day): make its
    e-mails due now, as if it were a Tuesday morning."""
    Nudge.objects.update(due_at=timezone.now() - timedelta(minutes=1))


def test_two_scans_at_the_same_time_send_each_email_once(workers: Workers) -> None:
    school, leader, _ = build_school("OBS De Twee Scans")
    scan(now=timezone.now())
    _due_now()
    expected = Nudge.objects.count()
    assert expected == 3  # R1, R5 practice, reflection
    workers.start()
    workers.start()
    # Two scans at once, as two beat processes would queue them; each sweeps and queues
    # every due e-mail, so each e-mail is queued twice and claimed once.
    scan_nudges.apply_async(queue=workers.queue)
    scan_nudges.apply_async(queue=workers.queue)
    assert wait_for(lambda: len(workers.mails()) >= expected), workers.output()
    time.sleep(3)  # the second round of deliveries is consumed (and refused by the claim)
    assert len(workers.mails()) == expected, workers.output()
    assert set(Nudge.objects.values_list("delivery", flat=True)) == {Nudge.Delivery.SENT}
    assert Nudge.objects.filter(school=school).count() == expected, "no duplicates"
    recipients = {p.read_text().count(leader.email) > 0 for p in workers.mails()}
    assert recipients == {True}


def test_a_worker_killed_mid_send_leaves_the_email_sent_exactly_once(workers: Workers) -> None:
    school, leader, _ = build_school("OBS Het Ongeluk")
    nudge = Nudge.objects.create(
        rule=Rule.R1_KEEP_GOING,
        school=school,
        recipient=leader,
        period="2026-11",
        due_at=timezone.now() - timedelta(minutes=1),
        link=f"/s/{school.slug}/plan/new/",
    )
    doomed = workers.start(SLOW_MAIL_SECONDS="60")
    deliver_nudge.apply_async(args=(nudge.pk,), queue=workers.queue)
    assert wait_for(lambda: Nudge.objects.get(pk=nudge.pk).delivery == Nudge.Delivery.CLAIMED), (
        workers.output()
    )
    time.sleep(0.5)  # inside the slow send now
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert not workers.mails()
    assert Nudge.objects.get(pk=nudge.pk).delivery == Nudge.Delivery.CLAIMED
    # A restarted worker. The dead worker's claim is stale after NUDGE_CLAIM_TIMEOUT; the
    # next beat's sweep queues it again (the broker would redeliver the unacknowledged
    # message only after its visibility timeout of an hour).
    workers.start(NUDGE_CLAIM_TIMEOUT="2")
    time.sleep(2.5)
    scan_nudges.apply_async(queue=workers.queue)
    scan_nudges.apply_async(queue=workers.queue)
    assert wait_for(lambda: len(workers.mails()) >= 1), workers.output()
    time.sleep(3)
    mails = workers.mails()
    sent_once = [m for m in mails if "Houd het gesprek gaande" in m.read_text()]  # Dutch by default
    assert len(sent_once) == 1, workers.output()
    assert Nudge.objects.get(pk=nudge.pk).delivery == Nudge.Delivery.SENT


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A private redis-server that the test may stop and start (never the shared one)."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = _free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self._answers, 10), "own redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def test_with_the_broker_down_a_submit_succeeds_and_the_reminder_follows(
    tmp_path: Path, workers: Workers
) -> None:
    need(Path(REDIS_SERVER).exists(), "redis-server is not installed")
    restore_catalogue()
    own = OwnRedis(tmp_path)
    own.start()
    workers.broker = own.url
    try:
        with broker(own.url):
            school, _, (quick, slow) = build_school("OBS Stroomuitval", teachers=2)
            now = timezone.now()
            # Open for eight days, six to go: halfway has passed, so a reminder is due.
            round_ = round_open(
                school=school,
                team=None,
                template=default_template(),
                opens_at=now - timedelta(days=8),
                closes_at=now + timedelta(days=6),
                threshold=3,
                open_threshold=3,
                created_by=None,
                now=now,
            )
            own.stop()  # the broker goes down

            invitation = Invitation.objects.get(round=round_, user=quick)
            teacher = Client()
            teacher.get(f"/i/{fresh_token(invitation)}/")
            answer_everything(teacher, round_)
            started = time.monotonic()
            response = teacher.post("/vragenlijst/verzenden/")
            assert response.status_code == 200
            assert time.monotonic() - started < 10
            assert Invitation.objects.get(pk=invitation.pk).done

            # The beat's scan runs against the database while the broker is down: the
            # reminder waits there as a pending row.
            scan(now=timezone.now())
            _due_now()
            reminder = Nudge.objects.get(rule=Rule.RESPONDENTS)
            assert reminder.recipient == slow
            assert reminder.delivery == Nudge.Delivery.PENDING

            own.start()  # the broker is back
            workers.start()
            scan_nudges.apply_async(queue=workers.queue)
            assert wait_for(lambda: len(workers.mails()) >= 4), workers.output()
            time.sleep(2)
    finally:
        own.stop()
    mails = [m.read_text() for m in workers.mails()]
    # The leader's own nudges (R1, practice, reflection) went out too; the teachers got
    # exactly one reminder, only the one who had not finished.
    assert sum(f"To: {slow.email}" in m for m in mails) == 1, workers.output()
    assert not any(f"To: {quick.email}" in m for m in mails)
    assert Nudge.objects.get(pk=reminder.pk).delivery == Nudge.Delivery.SENT
