"""Benchmark: one nudge scan over 7,000 constructed schools. Prints the time it takes and the
number of queries (which must not grow with the number of schools). Not run by pytest; run
with ``python bench/nudge_scan.py [schools]`` against a database that has been migrated.
Everything it builds is rolled back."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dialoog.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from nudges.bench import build_schools  # noqa: E402
from nudges.rules import scan  # noqa: E402


def main(schools: int) -> None:
    with transaction.atomic():
        started = time.perf_counter()
        build_schools(schools, prefix=f"bench-{int(time.time())}")
        built = time.perf_counter() - started
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = scan(now=timezone.now())
            took = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"built {schools} schools in {built:.2f}s")
    print(
        f"nudge scan: {took:.3f}s, {len(queries.captured_queries)} queries, "
        f"{result.created} nudges created"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7000)
