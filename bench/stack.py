"""Run dialoog the way production runs it, on loopback: gunicorn with the repository's
gunicorn.conf.py and the Dockerfile's worker count, plus a Celery worker, all with DEBUG off.
Used by the benchmarks (``bench/run.py``) and the load test (``tests/test_load.py``).

Plain HTTP on loopback stands in for a TLS-terminating proxy, so the HTTPS redirect and the
Secure flag on cookies are switched off here (a load generator would not send a Secure cookie
over http); everything else is the production configuration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The same number the Dockerfile starts gunicorn with.
WEB_WORKERS = 3
SECRET_KEY = "bench-and-load-only-not-a-production-secret-0123456789abcdefghij"
# A fixed key, so a data set sealed in one run opens in the next (bench and load test only).
BALLOT_KEY = "YmVuY2gtYW5kLWxvYWQtb25seS1iYWxsb3Qta2V5ISE="


# A Celery worker of this project, as the Procfile starts it; the options follow.
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "dialoog", "worker"]


def production_env(
    *, database_url: str, redis_url: str, settings: str = "dialoog.settings", **extra: str
) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "BALLOT_KEYS": BALLOT_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


@dataclass
class Stack:
    base_url: str
    web: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes] | None
    logs: dict[str, Path] = field(default_factory=dict)

    def web_worker_pids(self) -> list[int]:
        return _children(self.web.pid)

    def worker_pids(self) -> list[int]:
        """The Celery main process and its pool processes."""
        if self.worker is None:
            return []
        return [self.worker.pid, *_children(self.worker.pid)]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs.values() if p.exists())


def rss_kib(pid: int) -> int:
    """Resident memory of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait_healthy(
    url: str, process: subprocess.Popen[bytes], path: str = "/healthz", seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}{path} did not answer 200 within {seconds:.0f}s")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def running(
    env: dict[str, str],
    *,
    port: int,
    log_dir: Path,
    worker: bool = True,
    access_log: bool = False,
    app: str = "dialoog.wsgi:application",
    workers: int = WEB_WORKERS,
    python: str = sys.executable,
    config: Path | None = None,
    health: str = "/healthz",
) -> Iterator[Stack]:
    """gunicorn (and a Celery worker) until the block ends; both are stopped by their pid.
    Assumes migrate and collectstatic have run against ``env``'s database. The benchmarks
    also serve the stock yardstick and the peer with it (``app``, ``python``), all with the
    same ``config`` and number of ``workers``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    logs = {"web": log_dir / "gunicorn.log"}
    if worker:
        logs["worker"] = log_dir / "celery.log"
    command = [
        python,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    if config is not None:
        command += ["--config", str(config)]
    if access_log:
        command += ["--access-logfile", "-"]
    web_log = logs["web"].open("wb")
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT)
    celery = None
    try:
        if worker:
            worker_log = logs["worker"].open("wb")
            celery = subprocess.Popen(
                [
                    *CELERY_WORKER,
                    "--loglevel=WARNING",
                    "--concurrency=1",
                    "--pool=prefork",
                    "--without-mingle",
                    "--without-gossip",
                ],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        _wait_healthy(base_url, web, health)
        yield Stack(base_url=base_url, web=web, worker=celery, logs=logs)
    finally:
        _stop(web)
        _stop(celery)
