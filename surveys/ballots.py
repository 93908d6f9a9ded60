"""The sealed ballot box: what a teacher answers is unreadable until it is counted, and then
it cannot be traced back.

While a teacher answers, the answers are tied to a person (the draft belongs to an invitation);
once sent they are a ballot in the round's box, and the claim that sent it was one transaction
with the invitation, so both rows share PostgreSQL's transaction id and neighbouring places on
disk. Neither may give an answer away, so:

1. **Sealed.** Drafts and ballots are encrypted with a key the database does not hold
   (``settings.BALLOT_KEYS``; Fernet from ``cryptography``, its time field fixed at zero so no
   token says when it was made) and padded to one fixed length per questionnaire version, so
   not even the length of an open answer shows (it would match the opened open answer).
2. **Opened once, shuffled, after closing.** A closed round's box is opened only when it holds
   at least the round's threshold of ballots (below it nothing could be shown anyway, and the
   ballots stay sealed, so the round can still be extended). Opening first marks the box open
   under the round's row lock, which every claim also takes: no ballot can enter afterwards. The
   ballots are then taken in an order drawn from the operating system's randomness, decrypted
   and written as responses with random keys, their answers and, shuffled separately, the open
   answers, in one transaction per batch; each batch deletes its ballots. So the transaction
   id, the physical order, the keys and any sequence of what is stored follow that draw, not
   the order of sending, and nothing points back at a ballot, let alone an invitation.
3. **Space reclaimed.** The ballot table is vacuumed after a box is emptied.

Results appear only after closing anyway (``surveys.anonymity``), so opening at close costs
the leader nothing and leaves the strongest mix: every response of a round in one shuffled
set. Opening earlier, whenever the threshold of ballots waits, would write the early senders
in a batch of their own.

Key rotation: put a new key first in ``BALLOT_KEYS`` (the old one after it), run
``manage.py reseal_ballots``, then drop the old key (docs/privacy.md).
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from surveys.anonymity import is_releasable
from surveys.models import (
    Answer,
    Ballot,
    Item,
    OpenAnswer,
    OpenQuestion,
    Response,
    Round,
    frozen_content,
    stored_value,
)
from surveys.sealing import unseal_ballot

# Ballots opened per transaction: a whole school's round fits in one.
BATCH = 500

# One generator for the process, fed by os.urandom: it cannot be seeded, so no test, debugger
# or log can replay the order in which ballots were opened.
_shuffler = random.SystemRandom()


def box_ready_to_open(round_: Round, now: datetime) -> bool:
    """Say whether the ballots of a closed round are to be opened, and if so mark its box
    opened: under the round's row lock (a claim waits for it, and refuses once the box is
    open), the box opens when at least the threshold of ballots waits. Below that it stays
    shut (``retention._tally`` marks the round counted and not released; it can still be
    extended, and its ballots wait for the next close). Also True for a box that a stopped
    run began to open."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().filter(pk=round_.pk).first()
        if locked is None or not locked.is_closed(now) or locked.is_purged:
            return False
        if locked.box_opened_at is not None:
            return locked.ballots.exists()
        if locked.tallied_at is not None or not is_releasable(
            locked.ballots.count(), locked.threshold
        ):
            return False
        Round.objects.filter(pk=locked.pk).update(box_opened_at=now)
        round_.box_opened_at = now
        return True


def open_box(round_: Round, now: datetime) -> int:
    """Open the box of ``round_`` if it is due (``box_ready_to_open``), in batches of
    ``BATCH`` in a random order, one transaction each; returns the number of ballots opened.
    Idempotent, and safe beside a second run: each batch takes only ballots nobody else holds.
    """
    if not box_ready_to_open(round_, now):
        return 0
    ids = list(round_.ballots.values_list("pk", flat=True))
    _shuffler.shuffle(ids)
    version = round_.version
    items, questions = frozen_content(version.pk, version.fingerprint)
    opened = 0
    for start in range(0, len(ids), BATCH):
        opened += _open_batch(round_, ids[start : start + BATCH], items, questions)
    if opened and not connection.in_atomic_block:
        # The deleted ballots' space is made free at once rather than when autovacuum comes
        # by. (Inside a transaction, as in most tests, VACUUM cannot run.)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(Ballot._meta.db_table)}")
    return opened


def _open_batch(
    round_: Round, ids: list[Any], items: list[Item], questions: dict[str, OpenQuestion]
) -> int:
    with transaction.atomic():
        ballots = list(
            Ballot.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, round=round_)
            .only("pk", "sealed")
        )
        _shuffler.shuffle(ballots)
        responses: list[Response] = []
        answers: list[Answer] = []
        texts: list[OpenAnswer] = []
        for ballot in ballots:
            given = unseal_ballot(ballot.sealed)
            response = Response(round=round_)
            responses.append(response)
            answers.extend(
                Answer(response=response, item=item, value=stored_value(given.scores[str(item.pk)]))
                for item in items
            )
            texts.extend(
                OpenAnswer(round=round_, question=questions[key], text=text)
                for key, text in given.kept_texts(questions)
            )
        # Open answers belong to no response: their order is drawn on its own.
        _shuffler.shuffle(texts)
        Response.objects.bulk_create(responses)
        Answer.objects.bulk_create(answers)
        OpenAnswer.objects.bulk_create(texts)
        Ballot.objects.filter(pk__in=[ballot.pk for ballot in ballots]).delete()
    return len(ballots)
