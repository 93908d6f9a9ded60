"""The gunicorn configuration every server in a benchmark run starts with (dialoog, the
stock yardstick and the peer alike): gunicorn's defaults (sync workers, no access log), the
worker count on the command line, plus, when BENCH_TIMINGS names a directory, the server time
of each request written to one file per worker. The time runs from gunicorn handing the request
to the application until the response has been written, so it holds everything the server does
for that request (the database's work included) and nothing the client does.

Given with ``-c`` so that it replaces the repository's gunicorn.conf.py (whose log filter
imports dialoog, which the stock and peer projects do not have; with no access log it changes
nothing in a measurement)."""

from __future__ import annotations

import os
import time
from typing import Any

_DIRECTORY = os.environ.get("BENCH_TIMINGS")
_started: dict[int, float] = {}


def pre_request(worker: Any, req: Any) -> None:
    if _DIRECTORY:
        _started[id(req)] = time.perf_counter()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if not _DIRECTORY:
        return
    took = time.perf_counter() - _started.pop(id(req), time.perf_counter())
    # Static files are left out: a phone fetches them once and keeps them (they carry a
    # year's max-age), and neither yardstick serves its own.
    if req.path.startswith("/static/"):
        return
    with open(os.path.join(_DIRECTORY, f"{os.getpid()}.tsv"), "a") as out:
        out.write(f"{took:.6f}\t{resp.status_code}\t{req.method}\t{req.path}\n")
