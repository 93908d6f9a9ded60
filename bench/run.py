"""``make bench``: what the product promises about speed and size, measured against gunicorn
with the production settings on PostgreSQL, each figure beside a bare Django view served by the
same server in the same run, printed as a ratio with its target.

    python bench/run.py [--seconds 10] [--write]

Needs wrk (Debian package ``wrk``) and DATABASE_URL pointing at a PostgreSQL database the
benchmark may fill (the national data set stays there between runs: 7 million answers,
about 1.3 GB, built once in about three minutes). ``--write`` rewrites bench/RESULTS.md.
Exits 1 when a target is missed."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Figure
from bench.stack import (
    ROOT,
    WEB_WORKERS,
    manage,
    production_env,
    rss_kib,
    running,
)

PORT = int(os.environ.get("BENCH_PORT", "8765"))
WRK_THREADS = 2
WRK_CONNECTIONS = 8
SUBMITTERS = 15000  # three runs (a warm-up and two measured) of at most 5,000 submits each
CSRF = "benchcsrfbenchcsrfbenchcsrfbench"  # 32 characters: an unmasked CSRF secret


@dataclass(frozen=True)
class Wrk:
    requests: int
    seconds: float
    errors: int
    status_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, *, seconds: float, connections: int = WRK_CONNECTIONS, **env: str) -> Wrk:
    threads = min(WRK_THREADS, connections)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{round(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "wrk" / "bench.lua"),
            url,
        ],
        env={**os.environ, "BENCH_THREADS": str(threads), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("{"))
    data = json.loads(line)
    return Wrk(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=data["errors"],
        status_errors=data["status_errors"],
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )


Env = dict[str, str] | Callable[[], dict[str, str]]


def paired(
    bare: tuple[str, Env],
    ours: tuple[str, Env],
    *,
    seconds: float,
    connections: int = WRK_CONNECTIONS,
    rounds: int = 2,
) -> tuple[list[Wrk], list[Wrk]]:
    """Bare and ours alternately, so that a slow moment of the machine hits both. An
    environment may be a function, called before each run (fresh sessions for submits)."""

    def run(target: tuple[str, Env], duration: float) -> Wrk:
        url, env = target
        return wrk(
            url, seconds=duration, connections=connections, **(env() if callable(env) else env)
        )

    run(bare, 2)  # warm up
    run(ours, 2)
    bares, ourses = [], []
    for _ in range(rounds):
        bares.append(run(bare, seconds))
        ourses.append(run(ours, seconds))
    return bares, ourses


class SessionSlices:
    """Hands each wrk run its own file of session keys: a submitted session cannot submit
    again, so no two runs may share one."""

    def __init__(self, keys: list[str], directory: Path, per_run: int) -> None:
        self.keys, self.directory, self.per_run, self.used = keys, directory, per_run, 0

    def __call__(self) -> dict[str, str]:
        chunk = self.keys[self.used : self.used + self.per_run]
        self.used += self.per_run
        path = self.directory / f"sessions-{self.used}.txt"
        path.write_text("\n".join(chunk) + "\n")
        return {"BENCH_SESSIONS": str(path), "BENCH_CSRF": CSRF}


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"] or "")
        elif tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon"):
            self.urls.append(a["href"] or "")
        elif tag == "img" and a.get("src") and not (a.get("src") or "").startswith("data:"):
            self.urls.append(a["src"] or "")


def page_weight(base: str, path: str, cookie: str) -> tuple[int, int, int]:
    """The first load of a page: its HTML compressed as a proxy would send it (gzip -6; the
    app does not compress HTML itself, because of BREACH), plus every stylesheet, script and
    image it references, as whitenoise sends them to a browser that accepts br and gzip.
    Returns (total bytes, HTML bytes, number of assets)."""
    status, _headers, html = fetch(base + path, {"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    parser = Assets()
    parser.feed(html.decode())
    total = html_size = len(gzip.compress(html, compresslevel=6))
    for url in dict.fromkeys(parser.urls):
        status, _headers, body = fetch(base + url, {"Accept-Encoding": "br, gzip"})
        if status != 200:
            raise RuntimeError(f"{url} answered {status}")
        total += len(body)
    return total, html_size, len(set(parser.urls))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--write", action="store_true", help="rewrite bench/RESULTS.md")
    options = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench: DATABASE_URL must point at a PostgreSQL database it may fill")
    if shutil.which("wrk") is None:
        sys.exit("bench: wrk is missing (apt-get install wrk)")
    env = production_env(
        database_url=database_url,
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5"),
        settings="bench.settings",
        CELERY_QUEUE="bench",
        DB_CONN_MAX_AGE="60",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bench import data, measure

    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_row "
            "(id bigserial PRIMARY KEY, made timestamptz NOT NULL DEFAULT now())"
        )
    run = f"bench-run-{int(time.time())}"
    data.forget_runs()
    answers = data.national()
    school = data.dashboard_school(f"{run}-school")
    # One more teacher than submit: that one reloads a step page of the questionnaire.
    *submit_keys, stepping_key = data.ready_to_submit(f"{run}-submit", SUBMITTERS + 1)
    leader_cookie = f"sessionid={data.logged_in(school.leader)}"
    phone_cookie = f"sessionid={data.phone_in(school.focus)}"
    with connection.cursor() as cursor:
        # Autovacuum would do this in production; the CI machine's PostgreSQL runs without it.
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f}s ({answers:,} national answers)")

    figures: list[Figure] = []
    s = options.seconds
    with tempfile.TemporaryDirectory() as tmp, running(env, port=PORT, log_dir=Path(tmp)) as stack:
        base = stack.base_url
        post = {"BENCH_METHOD": "POST", "BENCH_BODY": f"csrfmiddlewaretoken={CSRF}"}
        slices = SessionSlices(submit_keys, Path(tmp), per_run=SUBMITTERS // 3)

        # 1. A phone in the focus group polls while nothing changes: 304 Not Modified.
        status, headers, _ = fetch(f"{base}/doe-mee/sessie/live/", {"Cookie": phone_cookie})
        assert status == 200, status
        poll_headers = f"HX-Request: true|If-None-Match: {headers['ETag']}"
        status, _, _ = fetch(
            f"{base}/doe-mee/sessie/live/",
            {"Cookie": phone_cookie, "If-None-Match": headers["ETag"]},
        )
        assert status == 304, f"an unchanged poll answered {status}, not 304"
        bares, polls = paired(
            (f"{base}/bench/bare/", {}),
            (
                f"{base}/doe-mee/sessie/live/",
                {"BENCH_COOKIE": phone_cookie, "BENCH_HEADERS": poll_headers},
            ),
            seconds=s,
        )
        figures += throughput("focus-group poll, nothing changed (304)", bares, polls, 0.60)

        # 2. A teacher's phone loads a step of the questionnaire (one theme's statements).
        step = f"{base}/vragenlijst/t1/"
        status, _, _ = fetch(step, {"Cookie": f"sessionid={stepping_key}"})
        assert status == 200, f"the step page answered {status}"
        bares, steps = paired(
            (f"{base}/bench/bare/", {}),
            (step, {"BENCH_COOKIE": f"sessionid={stepping_key}"}),
            seconds=s,
        )
        figures += throughput("questionnaire step page (one theme)", bares, steps, 0.15)

        # 3. Submitting the 40-item questionnaire, one teacher after another: the claim and
        #    the sealed ballot, through the ORM in one transaction.
        bares, submits = paired(
            (f"{base}/bench/bare-insert/", {**post, "BENCH_COOKIE": f"csrftoken={CSRF}"}),
            (
                f"{base}/vragenlijst/verzenden/",
                lambda: {**post, **slices()},
            ),
            seconds=s,
        )
        figures += throughput("submit a 40-item questionnaire", bares, submits, 0.10)

        # 4. The dashboard of a school with six years of rounds, one request at a time.
        dashboard = f"{base}/s/{school.school.slug}/"
        status, _, _ = fetch(dashboard, {"Cookie": leader_cookie})
        assert status == 200, f"the dashboard answered {status}"
        bares, dashboards = paired(
            (f"{base}/bench/bare/", {}),
            (dashboard, {"BENCH_COOKIE": leader_cookie}),
            seconds=s,
            connections=1,
        )
        bare_p95 = mean(w.p95_ms for w in bares)
        ours_p95 = mean(w.p95_ms for w in dashboards)
        # Built on every visit since the page cache went (issue 17 sets the target for that).
        figures.append(
            Figure(
                "dashboard, 6 years of rounds, built on every visit: p95 latency",
                f"{ours_p95:.1f} ms vs bare {bare_p95:.1f} ms = {ours_p95 / bare_p95:.1f}x",
                "≤ 25x",
                ours_p95 / bare_p95 <= 25
                and not any(w.errors or w.status_errors for w in dashboards),
            )
        )
        total, html, assets = page_weight(base, f"/s/{school.school.slug}/", leader_cookie)
        figures.append(
            Figure(
                "dashboard first load, compressed",
                f"{total / 1024:.1f} KB (HTML {html / 1024:.1f} KB + {assets} assets)",
                "≤ 150 KB",
                total <= 150 * 1024,
            )
        )

        # 5. Memory after the run.
        web = [rss_kib(pid) for pid in stack.web_worker_pids()]
        celery = [rss_kib(pid) for pid in stack.worker_pids()]
        figures.append(
            Figure(
                "RSS of one web worker (gunicorn sync)",
                f"{max(web) / 1024:.0f} MB (largest of {len(web)}; all: "
                + ", ".join(f"{k / 1024:.0f}" for k in web)
                + " MB)",
            )
        )
        figures.append(
            Figure(
                "RSS of the Celery worker",
                f"{celery[0] / 1024:.0f} MB main + "
                + " + ".join(f"{k / 1024:.0f}" for k in celery[1:])
                + " MB pool",
            )
        )

    # Checked once the server has stopped, so no submit is still being committed.
    figures.insert(3, measure.check_submits(f"{run}-submit", data.ITEMS))
    # 6. The national aggregate against a plain sequential count, in this process.
    figures += measure.national_figures(timezone.now())
    # 7. The nudge scan over 7,000 schools (built and rolled back).
    figures.append(measure.nudge_scan_figure(7000))
    data.forget_runs()

    width = max(len(f.name) for f in figures)
    print()
    for f in figures:
        verdict = "" if f.met is None else ("met" if f.met else "MISSED")
        print(f"{f.name:<{width}}  {f.value}  {f.target}  {verdict}")
    if options.write:
        write_results(figures, options)
    return 0 if all(f.met is not False for f in figures) else 1


def throughput(name: str, bares: list[Wrk], ours: list[Wrk], target: float) -> list[Figure]:
    bare = mean(w.rps for w in bares)
    rps = mean(w.rps for w in ours)
    errors = sum(w.errors + w.status_errors for w in [*bares, *ours])
    ratio = rps / bare
    return [
        Figure(
            f"{name}: throughput",
            f"{rps:.0f}/s vs bare {bare:.0f}/s = {ratio:.0%}"
            + (f" ({errors} errors)" if errors else ""),
            f"≥ {target:.0%}",
            ratio >= target and errors == 0,
        )
    ]


NOTES = [
    "Notes:",
    "",
    "- Each ratio compares two wrk runs against the same server, alternated twice; bare and ",
    "  ours share the machine with wrk, PostgreSQL and Redis, so the ratios are steadier than",
    "  the absolute figures.",
    "- The national aggregate reads the rounds' tallies, which the beat writes about a minute",
    "  after a round closes (timed in the row below it); the sequential count reads every",
    "  answer.",
    "- The dashboard is built on every visit (there is no page cache any more).",
    "- A submit claims the invitation and drops a sealed ballot into the round's box, through",
    "  the ORM in one transaction; the row below it opens the box afterwards and checks every",
    "  ballot became one response of 40 answers.",
    "- The dashboard's HTML is counted gzipped, as a proxy sends it (the app does not compress",
    "  HTML itself); its assets as WhiteNoise sends them to a browser that accepts br.",
    "- The data is analysed before measuring, as autovacuum does in production (the CI",
    "  machine's PostgreSQL runs without autovacuum).",
    "- The machine is shared: a ratio moves by a few points from one run to the next, so a",
    "  figure close to its target can land on either side of it.",
    '- What the figures rest on: docs/architecture.md, "Speed".',
]


def write_results(figures: list[Figure], options: argparse.Namespace) -> None:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    postgres = subprocess.run(
        ["psql", os.environ["DATABASE_URL"], "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[
        0
    ]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python bench/run.py --write`); do not edit by hand.",
        "What each figure means and how it is measured: the docstrings in bench/run.py and",
        "bench/data.py.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Command: `make bench` (`bench/run.py --seconds {options.seconds:g} --write`)",
        f"- Machine: {os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.platform()}",
        f"- Python {platform.python_version()}, PostgreSQL {postgres}, {wrk_version}",
        f"- Server: gunicorn, {WEB_WORKERS} sync workers (as in the Dockerfile), DEBUG off, "
        "production settings; the load generator (wrk, "
        f"{WRK_THREADS} threads, {WRK_CONNECTIONS} connections) runs on the same machine.",
        "",
        "| Figure | Measured | Target | |",
        "|---|---|---|---|",
    ]
    for f in figures:
        verdict = "" if f.met is None else ("met" if f.met else "**missed**")
        lines.append(f"| {f.name} | {f.value} | {f.target} | {verdict} |")
    lines += ["", *NOTES]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
