"""Log filters. Single-use links carry secrets in their path or query; they must never reach
a log line, whichever component writes it."""

from __future__ import annotations

import logging
import re

# /i/<token>/ style paths and ?token=... / ?key=... query values; a sign-in's callback
# (/accounts/oidc/<provider>/login/callback/?code=...&state=...) and what the provider sends
# back: access_token=, id_token=, client_secret=, session_state=, in a query, a form or JSON,
# and an Authorization header.
_PATTERNS = [
    re.compile(r"(/(?:i|j|oefen|join|feed|ical)/)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"((?:token|key|code|secret|state)=)[^&\s\"']+", re.IGNORECASE),
    # The same inside an address that is itself a parameter (?next=...%3Fcode%3D...%26...).
    re.compile(r"((?:token|key|code|secret|state)%(?:25)?3D)(?:(?!%(?:25)?26)[^&\s\"'])+", re.I),
    re.compile(r"(\"\w*(?:token|code|secret|state)\"\s*:\s*\")[^\"]*", re.IGNORECASE),
    re.compile(r"((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=\-]+"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1[redacted]", text)
    return text


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
