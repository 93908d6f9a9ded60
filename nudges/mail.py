"""The nudge e-mails: single and weekly digest, HTML and text in the recipient's language,
each with a signed one-click unsubscribe per rule (RFC 8058 List-Unsubscribe headers)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from schools.emails import templated_email
from schools.models import User

from .content import ACTION, TEXT
from .models import Nudge, Rule

SALT = "nudges.unsubscribe"


def unsubscribe_token(user_id: int, rule: str) -> str:
    return signing.dumps({"u": user_id, "r": rule}, salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, rule) of a valid token, or None. Tokens do not expire: an old e-mail's link
    must keep working."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("r") not in Rule.values:
        return None
    user_id = data.get("u")
    return (user_id, data["r"]) if isinstance(user_id, int) else None


def unsubscribe_url(user_id: int, rule: str) -> str:
    return settings.SITE_URL + reverse(
        "nudges_mail:unsubscribe", kwargs={"token": unsubscribe_token(user_id, rule)}
    )


def _with_unsubscribe(message: EmailMultiAlternatives, url: str) -> EmailMultiAlternatives:
    message.extra_headers["List-Unsubscribe"] = f"<{url}>"
    message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def single(nudge: Nudge) -> EmailMultiAlternatives:
    user = nudge.recipient
    url = unsubscribe_url(user.pk, nudge.rule)
    message = templated_email(
        "nudges/email/nudge",
        {
            "user": user,
            "school": nudge.school,
            # Lazy, so it is translated in the recipient's language when the e-mail is rendered.
            "title": Rule(nudge.rule).label,
            "rule": nudge.rule,
            "text": TEXT[nudge.rule],
            "action": ACTION[nudge.rule],
            "link": settings.SITE_URL + nudge.link,
            "recommendation": nudge.recommendation,
            "unsubscribe_url": url,
        },
        to=user.email,
        language=user.language,
    )
    return _with_unsubscribe(message, url)


def digest(user: User, nudges: Sequence[Nudge]) -> EmailMultiAlternatives:
    rows = [
        {
            "nudge": n,
            "text": TEXT[n.rule],
            "action": ACTION[n.rule],
            "link": settings.SITE_URL + n.link,
            "unsubscribe_url": unsubscribe_url(user.pk, n.rule),
        }
        for n in nudges
    ]
    message = templated_email(
        "nudges/email/digest",
        {"user": user, "rows": rows, "preferences_url": settings.SITE_URL + reverse("profile")},
        to=user.email,
        language=user.language,
    )
    return message
