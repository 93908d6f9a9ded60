"""What the app says to a browser's cache, and how it reads what a browser sends outside a
form field: numbers in URLs, hidden fields and query strings, and raw text."""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)

# Every primary key is a bigint (BigAutoField); no id in a URL, form or query string is larger.
ID_MAX = 2**63 - 1


def no_store(response: R) -> R:
    """Personal or team-sensitive pages (results, interview notes, the focus group) are never
    kept by a browser cache or a proxy."""
    response["Cache-Control"] = "no-store"
    return response


def whole_number(raw: object, *, low: int = 0, high: int = ID_MAX) -> int | None:
    """A number from a URL, a form or a query string: ASCII digits only, from ``low`` to
    ``high``; ``None`` for anything else.

    Python's ``int()`` also takes " 7", "+7", "1_000" and digits of other scripts ("٣"), and
    ``str.isdigit()`` even passes "²", which ``int()`` then refuses with an exception. Neither
    a browser's number field nor a link of ours sends any of those, and a number beyond the
    column's range would reach the database as an error; so everything is read here, once.
    """
    text = raw if isinstance(raw, str) else ""
    # 19 digits hold every bigint; the length test comes first so that a 5,000-digit string
    # is never converted.
    if not 0 < len(text) <= 19 or not text.isascii() or not text.isdecimal():
        return None
    number = int(text)
    return number if low <= number <= high else None


def stored_text(raw: str) -> str:
    """Text read straight from a request (not through a form field, whose validator refuses
    it), without NUL bytes: PostgreSQL holds none in text or jsonb and would fail the request.
    No keyboard types one."""
    return raw.replace("\x00", "")


class NumberConverter:
    """``<number:pk>`` in a URL pattern: a whole number a bigint column holds. A path with a
    longer or larger number matches no pattern and is answered with 404 before any view runs;
    Django's own ``<int:…>`` takes any number of digits. Registered by ``DialoogConfig``."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise ValueError(value)  # the resolver reads this as "no match"
        return number

    def to_url(self, value: int | str) -> str:
        return str(value)
