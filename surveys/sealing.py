"""Sealing what a teacher answers: encrypted with a key the database does not hold
(``settings.BALLOT_KEYS``) and padded to one fixed length per questionnaire version. Used for
drafts while a teacher answers and for ballots once sent (surveys/ballots.py says why).

Fernet from ``cryptography`` (AES in CBC mode with an HMAC), its time field fixed at zero: a
token would otherwise say, readable without the key, when it was sealed. Several keys may be
given: the first seals, every one opens (``MultiFernet``), which makes rotation possible.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings

if TYPE_CHECKING:
    from surveys.models import Item, OpenQuestion

# The longest open answer a teacher can type (the textarea's maxlength says the same).
OPEN_ANSWER_MAX = 4000


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.BALLOT_KEYS))


def seal(content: Mapping[str, Any], size: int) -> str:
    """``content`` as JSON, padded with spaces to exactly ``size`` bytes, encrypted. A token's
    time is zero: Fernet would otherwise write when it was sealed, readable without the key."""
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    if len(raw) > size:
        raise ValueError(f"sealed content of {len(raw)} bytes exceeds its size of {size}")
    return _keys().encrypt_at_time(raw + b" " * (size - len(raw)), 0).decode()


def unseal(token: str) -> Any:
    # No ttl: the time in the token is zero on purpose. JSON ignores the padding.
    return json.loads(_keys().decrypt(token.encode()))


def reseal(token: str) -> str:
    """The same content under the first key (for key rotation); the time stays zero."""
    return _keys().rotate(token.encode()).decode()


def clean_text(text: str) -> str:
    """An open answer as a draft keeps it: without control characters (a NUL cannot be
    stored, the others are invisible) and at most ``OPEN_ANSWER_MAX`` characters."""
    kept = "".join(
        char
        for char in text.replace("\r\n", "\n")
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )
    return kept[:OPEN_ANSWER_MAX]


@dataclass(frozen=True)
class Sizes:
    """The fixed lengths of a version's sealed scores and texts: the longest JSON they can
    take, so every draft and ballot of the version is exactly as long as every other."""

    scores: int
    texts: int

    @classmethod
    def of(cls, items: Iterable[Item], questions: Iterable[OpenQuestion]) -> Sizes:
        # A score is one digit: "<id>":5, plus the braces.
        scores = 2 + sum(len(str(item.pk)) + 5 for item in items)
        # "<id>":"<text>", where a character takes at most 4 bytes in UTF-8 and no escape is
        # longer once control characters are gone (clean_text): '"' and '\\' take 2, a
        # newline 2.
        texts = 2 + sum(len(str(q.pk)) + 6 + 4 * OPEN_ANSWER_MAX for q in questions)
        return cls(scores=scores, texts=texts)

    @property
    def ballot(self) -> int:
        return len('{"scores":,"texts":}') + self.scores + self.texts


@dataclass
class Answers:
    """What one teacher has answered so far: scores by statement id (0 for "don't know") and
    open answers by question id, both as text keys."""

    scores: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def missing(self, items: Iterable[Item]) -> list[Item]:
        return [item for item in items if str(item.pk) not in self.scores]

    def kept_texts(self, questions: Mapping[str, OpenQuestion]) -> Iterator[tuple[str, str]]:
        """The open answers that are stored: to a question of the version, and not empty."""
        for key, given in self.texts.items():
            if key in questions and (text := clean_text(str(given)).strip()):
                yield key, text


def seal_ballot(answers: Answers, sizes: Sizes) -> str:
    return seal({"scores": answers.scores, "texts": answers.texts}, sizes.ballot)


def unseal_ballot(token: str) -> Answers:
    content = unseal(token)
    return Answers(scores=content["scores"], texts=content["texts"])
