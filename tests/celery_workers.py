"""Real ``celery worker`` processes for the worker tests (test_celery_worker.py,
test_nudges_worker.py): on a private queue of the configured broker (Redis, or the filesystem
transport without REDIS_URL), against the test database, writing their
e-mails to files. A test waits for what the workers have done (their log says which tasks
finished and what they returned), never for a fixed time."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.stack import CELERY_WORKER

from .conftest import database_url
from .waiting import TIMEOUT, wait_for

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


class Workers:
    """Starts ``celery worker`` processes on one private queue; stops them all at the end."""

    def __init__(self, tmp_path: Path, broker: str) -> None:
        self.queue = f"test-{uuid.uuid4().hex[:8]}"
        self.mail_dir = tmp_path / "mail"
        self.broker = broker
        self.processes: list[subprocess.Popen[str]] = []
        self.killed: set[int] = set()  # pids the test killed on purpose
        self.logs: list[Path] = []
        self.tmp_path = tmp_path

    def start(self, **env: str) -> subprocess.Popen[str]:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.broker,
            "CELERY_QUEUE": self.queue,
            "EMAIL_BACKEND": "tests.mail_backends.SlowFileBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            **env,
        }
        process = subprocess.Popen(
            [
                *CELERY_WORKER,
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

    def kill(self, process: subprocess.Popen[str]) -> None:
        """SIGKILL, as a machine that loses power would: no clean-up, no acknowledgement."""
        self.killed.add(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def mails(self) -> list[Path]:
        return sorted(self.mail_dir.iterdir()) if self.mail_dir.exists() else []

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs if log.exists())

    def output(self) -> str:
        return "\n".join(
            log.read_text(errors="replace")[-3000:] for log in self.logs if log.exists()
        )

    def results(self, task: str) -> list[str]:
        """What each finished run of ``task`` returned, as the workers logged it (a run that
        raised, or was killed, is not among them)."""
        pattern = re.compile(rf"Task {re.escape(task)}\[[\w-]+\] succeeded in \S+s: (.*)$", re.M)
        return pattern.findall(self.log_text())

    def wait_for(
        self, condition: Callable[[], T | None], message: str, timeout: float = TIMEOUT
    ) -> T:
        """``condition``'s first truthy value. Fails at once when a worker the test did not
        kill has exited, and with the workers' log when ``message``, the state awaited,
        never comes."""

        def alive_and_condition() -> T | None:
            for process in self.processes:
                if process.pid not in self.killed and process.poll() is not None:
                    raise AssertionError(
                        f"a worker exited with {process.returncode} while the test waited "
                        f"for: {message}\n--- worker log ---\n{self.output()}"
                    )
            return condition()

        return wait_for(
            alive_and_condition,
            timeout=timeout,
            message=lambda: f"{message}\n--- worker log ---\n{self.output()}",
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
