"""One way to build an e-mail: a subject, a text and an HTML body rendered from templates
``<prefix>_subject.txt``, ``<prefix>.txt`` and ``<prefix>.html`` in the reader's language."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def templated_email(
    prefix: str, context: dict[str, Any], *, to: str, language: str
) -> EmailMultiAlternatives:
    with translation.override(language):
        subject = render_to_string(f"{prefix}_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string(f"{prefix}.txt", context), to=[to]
        )
        message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message
