"""The production shape of dialoog on this machine, for tests/test_production_stack.py.

1. A fresh PostgreSQL database of its own (named after the one in DATABASE_URL, plus
   ``_prodstack``) and a Redis database of its own (``PRODUCTION_STACK_REDIS_DB``, default 7)
   with a queue name of its own, so it never touches the pytest test database or a
   developer's data. Redis is not flushed: another run on the same machine may be using it;
   this run's queue keys are deleted at the end.
2. Production settings: DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, and every
   security setting left at its production default (secure cookies, HTTPS redirect, HSTS).
   Only the e-mail goes to files (Django's file backend), so the test reads what the worker
   sent; and the static files go to a temporary STATIC_ROOT.
3. ``migrate``, ``collectstatic`` (the manifest storage of production) and ``seed_demo``.
4. gunicorn, a Celery worker and Celery beat, started with the very commands of
   docker-compose.yml. Two things differ, both for the loopback: gunicorn binds 127.0.0.1 on a
   free port of 8400-8499 instead of 0.0.0.0:8000, and it speaks TLS itself with a throwaway
   certificate, where production has a TLS-terminating proxy in front. So the browser really
   talks HTTPS, the Secure cookies are sent back, and no production setting is switched off.
5. ``stop()`` ends the three processes by their pid; ``problems()`` lists a process that
   exited early, did not stop in time, or printed a traceback."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import ipaddress
import os
import random
import re
import secrets
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import redis
from cryptography.fernet import Fernet

from .scratch_database import ScratchDatabase
from .test_compose import service
from .waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8400, 8500)
ROLES = ("worker", "beat", "web")
TRACEBACK = "Traceback (most recent call last)"
# A line logged at ERROR or CRITICAL, in gunicorn's format ("[pid] ERROR message") or in
# Celery's ("[time: ERROR/MainProcess] message").
ERROR = re.compile(r"(\] |: )(ERROR|CRITICAL)[ /]")
# The file backend ends every message with a line of 79 dashes.
MAIL_SEPARATOR = "\n" + "-" * 79 + "\n"


def free_port() -> int:
    # In random order, so two runs starting together rarely probe the same port first.
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def self_signed_certificate(folder: Path) -> tuple[Path, Path, str]:
    """A certificate for 127.0.0.1, valid for a day: gunicorn serves TLS with it, the health
    check below verifies it, and Chromium accepts it by the hash of its public key (the
    third value, for --ignore-certificate-errors-spki-list)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cert, key_file, base64.b64encode(hashlib.sha256(spki).digest()).decode()


def compose_command(role: str) -> list[str]:
    command = service(role)["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def web_command(bind: str, cert: Path, key: Path, control_socket: Path) -> list[str]:
    """docker-compose.yml's gunicorn command on the loopback and over TLS; its own control
    socket, so two runs on one machine do not share gunicorn's default one in $HOME."""
    command = compose_command("web")
    command[command.index("--bind") + 1] = bind
    return [
        *command,
        f"--certfile={cert}",
        f"--keyfile={key}",
        f"--control-socket={control_socket}",
    ]


class Stack:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.mail_dir = folder / "mail"
        self.port = free_port()
        self.base_url = f"https://127.0.0.1:{self.port}"
        self.db = ScratchDatabase(os.environ["DATABASE_URL"], "_prodstack")
        self.database = self.db.name
        # Redis when the tests have it (its own db); otherwise, as on a fresh machine, the
        # filesystem broker and the file cache, under this run's own queue name.
        self.redis_url = ""
        if os.environ.get("REDIS_URL"):
            broker = redis.Redis.from_url(os.environ["REDIS_URL"]).connection_pool
            where = broker.connection_kwargs
            self.redis_url = (
                f"redis://{where.get('host', '127.0.0.1')}:{where.get('port', 6379)}/"
                f"{int(os.environ.get('PRODUCTION_STACK_REDIS_DB', '7'))}"
            )
        self.cert, self.key, self.spki = self_signed_certificate(folder)
        self.env = self._environment()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = {role: folder / f"{role}.log" for role in ROLES}
        self.early_exits: dict[str, int] = {}
        self.killed: list[str] = []

    def _environment(self) -> dict[str, str]:
        inherited = {
            k: v
            for k, v in os.environ.items()
            # Set by the test run itself (pytest-django, Playwright, `make test`), not by a
            # production environment.
            if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SITE_URL", "PYTEST_ARGS"}
            and not k.startswith("PYTEST_")
        }
        return {
            **inherited,
            # The console scripts (gunicorn, celery) of the interpreter running the tests.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "dialoog.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "BALLOT_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.base_url,
            "DATABASE_URL": self.db.url,
            "REDIS_URL": self.redis_url,
            # A queue of this run's own: a worker of another run on the same Redis never
            # takes these tasks.
            "CELERY_QUEUE": f"prodstack-{secrets.token_hex(4)}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "STATIC_ROOT": str(self.folder / "static"),
        }

    # --- Life cycle ---------------------------------------------------------------------------

    def create(self) -> None:
        """The database and the static files, side by side (they share nothing)."""
        self.db.create()
        self.manage_together(
            ("migrate", "--noinput", "--verbosity", "0"),
            ("collectstatic", "--noinput", "--verbosity", "0"),
        )

    def start(self, timeout: float = 90) -> None:
        """The three processes, and the demo school while they boot (it queues no task)."""
        commands = {
            "worker": compose_command("worker"),
            "beat": compose_command("beat"),
            "web": web_command(
                f"127.0.0.1:{self.port}", self.cert, self.key, self.folder / "gunicorn.ctl"
            ),
        }
        for role, command in commands.items():
            with self.logs[role].open("wb") as log:
                self.processes[role] = subprocess.Popen(
                    command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
                )
        self.manage_together(("seed_demo", "--quiet"))
        self.wait_for(self._healthy, timeout, "/healthz to answer 200")
        self.wait_for(lambda: " ready." in self.log("worker"), timeout, "the worker to be ready")

    def _healthy(self) -> bool:
        context = ssl.create_default_context(cafile=str(self.cert))
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own https URL
                f"{self.base_url}/healthz", timeout=5, context=context
            ) as response:
                return response.status == 200
        except OSError:
            return False

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, as `docker compose stop` sends; SIGKILL only for one that does not stop."""
        for role, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            elif role not in self.early_exits:
                self.early_exits[role] = process.returncode
        for role, process in self.processes.items():
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                self.killed.append(role)
        self.processes = {}

    def destroy(self) -> None:
        self.stop()
        if self.redis_url:
            broker = redis.Redis.from_url(self.redis_url)
            for key in broker.scan_iter(match=f"*{self.env['CELERY_QUEUE']}*"):
                broker.delete(key)
        self.db.drop()

    # --- Checks ---------------------------------------------------------------------------------

    def alive(self) -> None:
        """Raise if a process has exited: it must run until the test stops it."""
        for role, process in self.processes.items():
            if process.poll() is not None:
                self.early_exits.setdefault(role, process.returncode)
                raise AssertionError(
                    f"{role} exited early with {process.returncode}:\n{self.log(role)[-3000:]}"
                )

    def problems(self) -> list[str]:
        found = [f"{role} exited early with {code}" for role, code in self.early_exits.items()]
        found += [f"{role} did not stop on SIGTERM and was killed" for role in self.killed]
        for role in ROLES:
            text = self.log(role)
            if TRACEBACK in text:
                start = text.index(TRACEBACK)
                found.append(f"{role} printed a traceback:\n{text[start : start + 3000]}")
            found += [f"{role}: {line}" for line in text.splitlines() if ERROR.search(line)]
        return found

    def log(self, role: str) -> str:
        path = self.logs[role]
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, condition: Callable[[], Any], timeout: float, what: str) -> Any:
        """``condition``'s first truthy value; fails at once when a process exited early, and
        names ``what`` (the state awaited) when it never comes."""

        def alive_and() -> Any:
            self.alive()
            return condition()

        return wait_for(alive_and, timeout=timeout, message=what, interval=0.25)

    # --- Tools ----------------------------------------------------------------------------------

    def manage(self, *args: str) -> str:
        return self.manage_together(args)[0]

    def manage_together(self, *commands: tuple[str, ...]) -> list[str]:
        """Run manage.py commands at the same time; each must succeed. Their output."""
        running = [
            subprocess.Popen(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for args in commands
        ]
        outputs = []
        for args, process in zip(commands, running, strict=True):
            output, _ = process.communicate(timeout=300)
            assert process.returncode == 0, f"manage.py {args[0]} failed:\n{output}"
            outputs.append(output)
        return outputs

    def query(self, statement: str, *params: object) -> list[tuple[Any, ...]]:
        """Read (or nudge) the stack's database directly, for what no page shows."""
        with psycopg.connect(self.db.conninfo(), autocommit=True) as conn:
            cursor = conn.execute(statement.encode(), params)
            return cursor.fetchall() if cursor.description else []

    def mails(self) -> list[EmailMessage]:
        """Every e-mail the processes have written so far (complete ones only)."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")) if self.mail_dir.exists() else []:
            raw = path.read_text(errors="replace")
            for chunk in raw.split(MAIL_SEPARATOR)[:-1]:
                message = email.message_from_string(chunk, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                messages.append(message)
        return messages

    def mails_to(
        self, address: str, pattern: re.Pattern[str]
    ) -> list[tuple[EmailMessage, re.Match[str]]]:
        """Each e-mail to ``address`` whose plain-text body matches ``pattern``, with the
        match."""
        found = []
        for message in self.mails():
            if address not in str(message["To"]):
                continue
            body = message.get_body(preferencelist=("plain",))
            if body is not None and (match := pattern.search(str(body.get_content()))):
                found.append((message, match))
        return found

    def wait_for_mail(self, address: str, pattern: re.Pattern[str], timeout: float = 60) -> str:
        """The first match of ``pattern`` in an e-mail to ``address``, once one arrives."""
        matches = self.wait_for(
            lambda: self.mails_to(address, pattern),
            timeout,
            f"an e-mail to {address} matching {pattern.pattern!r}",
        )
        return str(matches[0][1].group(0))
