"""What the retention period (schools/retention.py) deletes of a questionnaire: the raw answers
of rounds closed longer ago than the school's period (``Response``, ``Answer``, ``OpenAnswer``,
any ``Draft`` left and the sealed ``Ballot``s of a round that never reached its threshold),
after storing the round's tallies per statement and value (``RoundTally``) and its number of
respondents, so that ``surveys.anonymity`` draws the same released results, trend and signals
from them. A round below its threshold was never shown and keeps nothing. Open answers are not
kept in any form. What stays: the round, its invitations (the response rate), the leader's own
view (it is the leader's, and makes the gap) and decisions on suggestions.

Also here: counting a closed round (``tally_closed``), which opens its ballot box.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection, models, transaction
from django.db.models import Case, Count, Value, When
from django.db.models.functions import Coalesce

from schools.retention import Scope, claim, delete_rows
from surveys.anonymity import is_releasable
from surveys.ballots import open_box
from surveys.models import DONT_KNOW, Answer, Ballot, Draft, OpenAnswer, Response, Round, RoundTally


def _store_tallies(round_ids: Sequence[int]) -> None:
    """``INSERT … SELECT`` the tallies of these rounds: counted in the database, so no answer
    travels to Python on its way to being deleted."""
    grouped = (
        Answer.objects.filter(response__round_id__in=round_ids)
        .values("response__round_id", "item_id")
        .annotate(
            tally_value=Coalesce(
                "value", Value(DONT_KNOW), output_field=models.PositiveSmallIntegerField()
            ),
            n=Count("item"),
        )
        .order_by()
    )
    select, params = grouped.query.sql_with_params()
    meta = RoundTally._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(column[name]) for name in ("round", "item", "value", "count")
    )
    table = connection.ops.quote_name(meta.db_table)
    # Table and column names come from the model; every value travels as a parameter.
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def _released(thresholds: dict[int, int]) -> dict[int, int]:
    """Of these rounds (id: threshold), the ones whose results were released, with their
    number of respondents."""
    counts = Response.objects.per_round(thresholds)
    return {pk: counts[pk] for pk, t in thresholds.items() if is_releasable(counts.get(pk, 0), t)}


def purge_rounds(scope: Scope) -> int:
    """Eight statements at most, however many rounds are due."""
    due = scope.due("school", "closes_at")
    with transaction.atomic():
        due_rounds = Round.objects.filter(due, purged_at__isnull=True)
        thresholds = dict(claim(due_rounds, "threshold"))
        claimed = list(thresholds)
        if not claimed:
            return 0
        released = _released(thresholds)
        # A round counted soon after closing (tally_closed) has its tallies already.
        untallied = set(
            Round.objects.filter(pk__in=list(released), tallied_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if untallied:
            _store_tallies(sorted(untallied))
        Round.objects.filter(pk__in=claimed).update(
            purged_at=scope.now,
            purged_respondents=Case(
                *(When(pk=pk, then=Value(n)) for pk, n in released.items()),
                default=None,
                output_field=models.PositiveIntegerField(null=True),
            ),
        )
        delete_rows(Answer.objects.filter(response__round_id__in=claimed))
        delete_rows(Response.objects.filter(round_id__in=claimed))
        delete_rows(OpenAnswer.objects.filter(round_id__in=claimed))
        delete_rows(Draft.objects.filter(invitation__round_id__in=claimed))
        # Ballots of a round that never reached its threshold stayed sealed; they go too.
        delete_rows(Ballot.objects.filter(round_id__in=claimed))
        return len(claimed)


def tally_closed(*, now: datetime, round_ids: Sequence[int] | None = None) -> int:
    """Count every round that has closed and was not counted yet (or the given ones): its
    ballot box is opened (``surveys.ballots.open_box``: only at the threshold, shuffled), a
    released round's answers go into its tallies, and the round is marked counted
    (``tallied_at``), released or not, so it is looked at once. Returns the number of rounds
    marked. Idempotent, and safe beside a second run (the last step claims with SKIP LOCKED,
    and a box still being opened by another run is left to that run).

    A counted round takes no ballots any more (``Round.accepts_ballots``), and one whose box
    was opened cannot be opened again (``ExtendForm``), so tallies never go stale. A round
    that was not released may be reopened; it has no tallies, loses its mark, and its sealed
    ballots wait for the next close."""
    due = Round.objects.filter(
        closes_at__lte=now, tallied_at__isnull=True, purged_at__isnull=True
    ).select_related("version")
    if round_ids is not None:
        due = due.filter(pk__in=round_ids)
    counted = 0
    for round_ in due:
        open_box(round_, now)
        counted += _tally(round_.pk, now)
    return counted


def _tally(round_id: int, now: datetime) -> int:
    with transaction.atomic():
        claimed = claim(
            Round.objects.filter(pk=round_id, tallied_at__isnull=True, purged_at__isnull=True),
            "threshold",
            "box_opened_at",
        )
        if not claimed:
            return 0
        ((_pk, threshold, box_opened_at),) = claimed
        waiting = Ballot.objects.filter(round_id=round_id).count()
        if waiting and (box_opened_at is not None or is_releasable(waiting, threshold)):
            # Another run is still opening the box, or a late ballot made it reach the
            # threshold after this run looked: the next run opens and counts it.
            return 0
        if _released({round_id: threshold}):
            _store_tallies([round_id])
        return Round.objects.filter(pk=round_id).update(tallied_at=now)
