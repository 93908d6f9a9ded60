"""The test identity provider (tests/oidc_provider) as a running process, and the board
configuration that points dialoog at it. Used by the sign-in tests (test_sso*.py)."""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import requests
from allauth.socialaccount.models import SocialApp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from schools.models import Board, SignInProvider

from .production_stack import free_port
from .scratch_database import ScratchDatabase
from .waiting import wait_for

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "dialoog-test-client"
PROVIDER_ID = "schoolaccount"
# The people the provider knows: (username, e-mail, verified).
PEOPLE = {
    "teacher": ("juf.anna", "leerkracht1@regenboog.test", True),
    "leader": ("meester.bert", "leider@regenboog.test", True),
    "outsider": ("onbekend", "onbekend@regenboog.test", True),
    "unverified": ("ongeverifieerd", "ongeverifieerd@regenboog.test", False),
    "other_board": ("ander.bestuur", "kees@kompas.test", True),
}
PASSWORD = "provider-password"


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


class IdentityProvider:
    """django-oauth-toolkit with OIDC in its own process, database ``<tests' database>_idp``
    on the tests' PostgreSQL server, listening on a free port of 127.0.0.1."""

    def __init__(self, folder: Path, database_url: str, redirect_uri: str) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server_url = f"{self.url}/o"
        self.db = ScratchDatabase(database_url, "_idp")
        self.database = self.db.name
        self.client_secret = secrets.token_urlsafe(32)
        self.log_path = folder / "idp.log"
        config = {
            "secret_key": secrets.token_urlsafe(40),
            "port": self.port,
            "database_url": database_url.rsplit("/", 1)[0] + f"/{self.database}",
            "rsa_private_key": _private_key(),
            "client": {
                "client_id": CLIENT_ID,
                "client_secret": self.client_secret,
                "name": "dialoog",
                "redirect_uris": [redirect_uri],
            },
            "users": [
                {"username": u, "email": e, "password": PASSWORD, "verified": v, "name": u}
                for u, e, v in PEOPLE.values()
            ],
        }
        self.config_path = folder / "idp.json"
        self.config_path.write_text(json.dumps(config))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.db.create()
        env = {**os.environ, "IDP_CONFIG": str(self.config_path), "PYTHONUNBUFFERED": "1"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.oidc_provider.serve"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(
            self._discovery_answers,
            message=lambda: f"the identity provider to answer\n{self.log()[-3000:]}",
        )

    def _discovery_answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the identity provider exited:\n{self.log()[-3000:]}")
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own loopback URL
                f"{self.server_url}/.well-known/openid-configuration", timeout=5
            ) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.db.drop()


def link_provider(
    server_url: str, client_secret: str, board: Board, *, trusts_mfa: bool = False
) -> SocialApp:
    """The back office's part: an OpenID Connect app with the provider's client id and
    secret, linked to ``board``."""
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=PROVIDER_ID,
        name="Schoolaccount",
        client_id=CLIENT_ID,
        secret=client_secret,
        settings={"server_url": server_url},
    )
    SignInProvider.objects.create(board=board, app=app, trusts_provider_mfa=trusts_mfa)
    return app


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def through_the_provider(authorize_url: str, username: str, *, allow: bool = True) -> str:
    """What a browser does at the provider: follow the authorize address to its login page,
    sign in, give consent (or cancel). Returns the address it sends the browser back to."""
    with requests.Session() as browser:
        page = browser.get(authorize_url, timeout=30)
        assert "/login/" in page.url, page.url
        form = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
        form.update(username=username, password=PASSWORD)
        signed_in = browser.post(page.url, data=form, allow_redirects=False, timeout=30)
        assert signed_in.status_code == 302, signed_in.text[:500]
        consent = browser.get(
            requests.compat.urljoin(page.url, signed_in.headers["Location"]),
            allow_redirects=False,
            timeout=30,
        )
        assert 'data-testid="idp-consent"' in consent.text, consent.text[:500]
        answer = {name: html.unescape(value) for name, value in _HIDDEN.findall(consent.text)}
        if allow:
            answer["allow"] = "Allow"
        back = browser.post(consent.url, data=answer, allow_redirects=False, timeout=30)
        assert back.status_code == 302, back.text[:500]
        return str(back.headers["Location"])
