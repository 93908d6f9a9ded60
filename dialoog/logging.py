"""Log filters. Single-use links carry secrets in their path or query; they must never reach
a log line, whichever component writes it."""

from __future__ import annotations

import logging
import re

# /i/<token>/ style paths and ?token=... / ?key=... query values.
_PATTERNS = [
    re.compile(r"(/(?:i|j|oefen|join|feed|ical)/)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"((?:token|key|code|secret)=)[^&\s\"']+", re.IGNORECASE),
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
