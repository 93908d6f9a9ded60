"""E-mail on a developer's machine (``make run``, DEBUG). Each message is kept as a file in
``EMAIL_FILE_PATH`` (var/mail) and announced on the console in one line (recipient, subject,
the first link into the app), so a newcomer does not dig through HTML for the personal link;
``/dev/mail/`` lists the kept messages with their links. Never in production: the settings
choose this backend only with DEBUG, and the page answers 404 without it."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from uuid import uuid4

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# How many kept messages the page lists, newest first.
SHOWN = 50


def _folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def links(text: str) -> list[str]:
    """The links into the app that a text holds, in order."""
    site = re.escape(settings.SITE_URL)
    return re.findall(site + r"/[^\s<>\"')]*", text)


def _text(message: ParsedMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            moment = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            (folder / f"{moment}-{uuid4().hex[:6]}.eml").write_bytes(message.message().as_bytes())
            found = links(str(message.body))
            # Without a link (a login code), the text is on the page that lists the e-mails.
            where = found[0] if found else settings.SITE_URL + reverse("dev_mail")
            line = f"e-mail to {', '.join(message.to)}: {message.subject} → {where}"
            print(line, file=sys.stdout, flush=True)
        return len(email_messages)


@dataclass(frozen=True)
class KeptMail:
    to: str
    subject: str
    sent: str
    text: str
    links: list[str]


def kept(limit: int = SHOWN) -> list[KeptMail]:
    """The kept messages, newest first."""
    folder = _folder()
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit] if folder.is_dir() else []
    found = []
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, ParsedMessage)
        text = _text(message)
        found.append(
            KeptMail(
                to=str(message["To"]),
                subject=str(message["Subject"]),
                sent=str(message["Date"]),
                text=text,
                links=links(text),
            )
        )
    return found


@never_cache
@require_GET
def mail_list(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG or settings.EMAIL_BACKEND != "dialoog.devmail.EmailBackend":
        raise Http404
    return render(request, "dialoog/dev_mail.html", {"messages_kept": kept()})
