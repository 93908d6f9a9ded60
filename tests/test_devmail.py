"""E-mail on a developer's machine: kept in a folder, one line on the console, listed at
/dev/mail/ only in DEBUG with that backend; and the site's icon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept_mail(settings: Any, tmp_path: Path) -> Path:
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "dialoog.devmail.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    settings.SITE_URL = "http://127.0.0.1:8000"
    return tmp_path


def _send(body: str) -> None:
    message = EmailMultiAlternatives(
        "Vragenlijst", body, "dialoog <noreply@dialoog.invalid>", ["juf@school.test"]
    )
    message.attach_alternative(f"<p>{'x' * 400}</p>", "text/html")
    message.send()


def test_each_e_mail_is_one_line_on_the_console_with_its_link(
    kept_mail: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _send("Beste juf,\n\nUw link: http://127.0.0.1:8000/i/abc123/\n\nGroet")
    _send("Uw inlogcode:\n\nQ7K-P2M\n")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "e-mail to juf@school.test: Vragenlijst → http://127.0.0.1:8000/i/abc123/",
        "e-mail to juf@school.test: Vragenlijst → http://127.0.0.1:8000/dev/mail/",
    ]
    assert len(list(kept_mail.glob("*.eml"))) == 2


def test_the_sent_mail_page_lists_links_and_text_newest_first(
    kept_mail: Path, client: Client
) -> None:
    _send("Uw link: http://127.0.0.1:8000/i/first/")
    _send("Uw inlogcode:\n\nQ7K-P2M\n")
    page = client.get("/dev/mail/").content.decode()
    assert page.index("Q7K-P2M") < page.index('href="http://127.0.0.1:8000/i/first/"')
    assert "juf@school.test" in page


@pytest.mark.parametrize(
    ("debug", "backend"),
    [
        (False, "dialoog.devmail.EmailBackend"),
        (True, "django.core.mail.backends.smtp.EmailBackend"),
    ],
)
def test_the_sent_mail_page_exists_only_on_a_developers_machine(
    settings: Any, client: Client, debug: bool, backend: str
) -> None:
    settings.DEBUG = debug
    settings.EMAIL_BACKEND = backend
    assert client.get("/dev/mail/").status_code == 404


def test_pages_name_their_icon_and_the_old_address_leads_to_it(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    old = client.get("/favicon.ico")
    assert old.status_code == 301
    assert old["Location"].endswith(".svg")
