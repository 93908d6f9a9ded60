"""The benchmark's teacher (bench/flow.py) answers the questionnaire the way the page's script
does; if the page changes (its form, its batching, Next through htmx) and the driver no longer
follows, `make bench` would measure something a phone does not do. This runs the driver
against the live server and checks what it did and what was stored."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bench import data, flow
from surveys.models import Ballot, Invitation
from surveys.views import SAVE_WITHIN_SECONDS


# The live server sees only committed rows; the catalogue of the data migrations is restored
# after the flush, as the browser tests that follow expect it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_benchmark_teacher_answers_as_the_page_does(live_server: Any) -> None:
    tokens = data.invited("bench-run-flow-test", 2)
    result = flow.our_questionnaire(live_server.url, tokens[0], random.Random(1))

    assert result.answered == data.ITEMS
    assert result.pages == [
        "/vragenlijst/t1/",
        "/vragenlijst/t2/",
        "/vragenlijst/t3/",
        "/vragenlijst/t4/",
        "/vragenlijst/t5/",
        "/vragenlijst/open/",
        "/vragenlijst/review/",
    ]
    # A tap waits at most SAVE_WITHIN_SECONDS: with a tap every TAP_SECONDS, a batch holds
    # a few taps, and each step's last taps go with Next.
    per_batch = int(SAVE_WITHIN_SECONDS // flow.TAP_SECONDS)
    assert 0 < result.saves <= data.ITEMS // per_batch
    # The link (and its redirect), one save per batch, Next per step, the submit.
    assert result.requests == 2 + result.saves + result.steps + 1
    assert Invitation.objects.filter(done=True).count() == 1
    assert Ballot.objects.count() == 1
