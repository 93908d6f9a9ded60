"""``make bench``: what the product promises about speed and size, measured against gunicorn
with the production settings on PostgreSQL. Every ratio is against a yardstick served in the
same run by the same gunicorn configuration (bench/gunicorn_bench.py, two sync workers): the
stock Django project in bench/stock (its empty ``HttpResponse()`` view, its one-row insert) or,
for a teacher's whole questionnaire, the peer survey app (bench/peer). Each ratio is the median
of three interleaved rounds, printed with its range and its target.

    python bench/run.py [--seconds 10] [--write]

Needs wrk (Debian package ``wrk``), pip access to PyPI on the first run (the peer's own
environment, var/bench/peer-venv) and DATABASE_URL pointing at a PostgreSQL database the
benchmark may fill, beside which it makes ``<name>_stock`` and ``<name>_peer`` (the national
data set stays between runs: 7 million answers, about 1.3 GB, built once in about three
minutes). ``--write`` rewrites bench/RESULTS.md. Exits 1 when a target is missed."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Figure
from bench.stack import ROOT, manage, production_env, rss_kib, running

PORT = int(os.environ.get("BENCH_PORT", "8765"))
WRK_THREADS = 2
WRK_CONNECTIONS = 8
# Every server (dialoog, the stock yardstick, the peer) runs with the same gunicorn
# configuration and this many sync workers; a machine of two cores.
WORKERS = 2
ROUNDS = 3  # interleaved rounds per figure: median and range
FLOW_PER_ROUND = 10  # complete questionnaires per round, dialoog's and the peer's
SUBMITTERS = 16000  # four runs (a warm-up and three measured) of at most 4,000 submits each
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
    rounds: int = ROUNDS,
) -> tuple[list[Wrk], list[Wrk]]:
    """Stock and ours alternately, so that a slow moment of the machine hits both. An
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
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk measurement")
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
        CELERY_QUEUE="bench",
        DB_CONN_MAX_AGE="60",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from bench import data, measure, yardsticks

    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    stock = yardsticks.stock_env(env, yardsticks.database_beside(database_url, "stock"))
    yardsticks.prepare_stock(stock)
    peer_url = yardsticks.database_beside(database_url, "peer")
    peer_python = yardsticks.peer_python()
    peer = yardsticks.peer_env(env, peer_url)
    survey = yardsticks.prepare_peer(peer_python, peer)
    peer_before, _ = yardsticks.peer_stored(peer_url, survey)

    run = f"bench-run-{int(time.time())}"
    data.forget_runs()
    answers = data.national()
    school = data.dashboard_school(f"{run}-school")
    # One more teacher than submit: that one reloads a step page of the questionnaire.
    *submit_keys, stepping_key = data.ready_to_submit(f"{run}-submit", SUBMITTERS + 1)
    tokens = data.invited(f"{run}-flow", (ROUNDS + 1) * FLOW_PER_ROUND)
    # A browser sends back the CSRF cookie the first page set; without it every page would
    # make a new secret and set it again, as only a first visit does.
    leader_cookie = f"sessionid={data.logged_in(school.leader)}; csrftoken={CSRF}"
    phone_cookie = f"sessionid={data.phone_in(school.focus)}; csrftoken={CSRF}"
    with connection.cursor() as cursor:
        # Autovacuum would do this in production; the CI machine's PostgreSQL runs without it.
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f}s ({answers:,} national answers)")

    figures: list[Figure] = []
    s = options.seconds
    config = ROOT / "bench" / "gunicorn_bench.py"
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as servers:
        timings = {name: Path(tmp, f"timings-{name}") for name in ("ours", "peer")}
        for directory in timings.values():
            directory.mkdir()
        ours = servers.enter_context(
            running(
                {**env, "BENCH_TIMINGS": str(timings["ours"])},
                port=PORT,
                log_dir=Path(tmp, "ours"),
                workers=WORKERS,
                config=config,
            )
        )
        yard = servers.enter_context(
            running(
                stock,
                port=PORT + 1,
                log_dir=Path(tmp, "stock"),
                worker=False,
                app="bench.stock.wsgi:application",
                workers=WORKERS,
                config=config,
                health="/",
            )
        )
        rival = servers.enter_context(
            running(
                {**peer, "BENCH_TIMINGS": str(timings["peer"])},
                port=PORT + 2,
                log_dir=Path(tmp, "peer"),
                worker=False,
                app="bench.peer.wsgi:application",
                python=str(peer_python),
                workers=WORKERS,
                config=config,
                health=f"/survey/{survey}/",
            )
        )
        base, bare = ours.base_url, yard.base_url + "/"
        post = {"BENCH_METHOD": "POST", "BENCH_BODY": f"csrfmiddlewaretoken={CSRF}"}
        slices = SessionSlices(submit_keys, Path(tmp), per_run=SUBMITTERS // (ROUNDS + 1))

        # 1. One teacher's whole questionnaire, as a phone answers it, beside the peer's.
        flows = questionnaires(ours.base_url, rival.base_url, tokens, survey, timings)
        figures.append(flows.figure())

        # 2. A teacher's phone loads a step of the questionnaire (one theme's statements).
        step = f"{base}/vragenlijst/t1/"
        stepping_cookie = f"sessionid={stepping_key}; csrftoken={CSRF}"
        status, _, _ = fetch(step, {"Cookie": stepping_cookie})
        assert status == 200, f"the step page answered {status}"
        bares, steps = paired((bare, {}), (step, {"BENCH_COOKIE": stepping_cookie}), seconds=s)
        figures.append(throughput("questionnaire step page (one theme)", bares, steps, 0.15))

        # 3. A phone in the focus group polls while nothing changes: 304 Not Modified.
        status, headers, _ = fetch(f"{base}/doe-mee/sessie/live/", {"Cookie": phone_cookie})
        assert status == 200, status
        poll_headers = f"HX-Request: true|If-None-Match: {headers['ETag']}"
        status, _, _ = fetch(
            f"{base}/doe-mee/sessie/live/",
            {"Cookie": phone_cookie, "If-None-Match": headers["ETag"]},
        )
        assert status == 304, f"an unchanged poll answered {status}, not 304"
        bares, polls = paired(
            (bare, {}),
            (
                f"{base}/doe-mee/sessie/live/",
                {"BENCH_COOKIE": phone_cookie, "BENCH_HEADERS": poll_headers},
            ),
            seconds=s,
        )
        figures.append(throughput("focus-group poll, nothing changed (304)", bares, polls, 0.5))

        # 4. The dashboard of a school with six years of rounds, one request at a time.
        dashboard = f"{base}/s/{school.school.slug}/"
        status, _, _ = fetch(dashboard, {"Cookie": leader_cookie})
        assert status == 200, f"the dashboard answered {status}"
        bares, dashboards = paired(
            (bare, {}), (dashboard, {"BENCH_COOKIE": leader_cookie}), seconds=s, connections=1
        )
        ratios = Spread([o.p95_ms / b.p95_ms for b, o in zip(bares, dashboards, strict=True)])
        figures.append(
            Figure(
                "dashboard, 6 years of rounds, built on every visit: p95 latency",
                f"{median(o.p95_ms for o in dashboards):.1f} ms vs stock "
                f"{median(b.p95_ms for b in bares):.2f} ms = {ratios.times()}",
                "≤ 25x",
                ratios.median <= 25 and not errors(dashboards),
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

        # 5. Submitting a 40-item questionnaire alone, one teacher after another (the claim
        #    and the sealed ballot, in one transaction), beside the stock one-row insert. Part
        #    of the whole questionnaire above; shown for what the busiest write costs.
        bares, submits = paired(
            (bare + "insert/", {**post, "BENCH_COOKIE": f"csrftoken={CSRF}"}),
            (f"{base}/vragenlijst/verzenden/", lambda: {**post, **slices()}),
            seconds=s,
        )
        figures.append(
            throughput("submit a 40-item questionnaire, vs stock insert", bares, submits)
        )

        # 6. Memory after the run.
        web = [rss_kib(pid) for pid in ours.web_worker_pids()]
        celery = [rss_kib(pid) for pid in ours.worker_pids()]
        figures.append(
            Figure(
                "RSS of one web worker (gunicorn sync)",
                f"{max(web) / 1024:.0f} MiB (largest of {len(web)}; all: "
                + ", ".join(f"{k / 1024:.0f}" for k in web)
                + " MiB)",
                "≤ 100 MiB",
                max(web) <= 100 * 1024,
            )
        )
        figures.append(
            Figure(
                "RSS of the Celery worker",
                f"{celery[0] / 1024:.0f} MiB main + "
                + " + ".join(f"{k / 1024:.0f}" for k in celery[1:])
                + " MiB pool",
            )
        )

    # Checked once the servers have stopped, so no submit is still being committed.
    peer_after, peer_short = yardsticks.peer_stored(peer_url, survey)
    figures.insert(
        1,
        measure.check_stored(
            [f"{run}-submit", f"{run}-flow"],
            data.ITEMS,
            peer=(peer_after - peer_before, flows.peer_done, peer_short),
            flows=flows.ours_done,
        ),
    )
    # 7. The national aggregate against a plain count of the same answers, in this process.
    figures += measure.national_figures(timezone.now())
    # 8. The nudge scan over 7,000 schools (built and rolled back).
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


@dataclass(frozen=True)
class Spread:
    """The ratios of the interleaved rounds: their median and range."""

    values: list[float]

    @property
    def median(self) -> float:
        return median(self.values)

    def percent(self) -> str:
        return f"{self.median:.0%} (range {min(self.values):.0%} to {max(self.values):.0%})"

    def times(self) -> str:
        return f"{self.median:.2f}x (range {min(self.values):.2f} to {max(self.values):.2f})"


def errors(runs: list[Wrk]) -> int:
    return sum(w.errors + w.status_errors for w in runs)


def throughput(name: str, bares: list[Wrk], ours: list[Wrk], target: float | None = None) -> Figure:
    ratios = Spread([o.rps / b.rps for b, o in zip(bares, ours, strict=True)])
    wrong = errors([*bares, *ours])
    return Figure(
        f"{name}: throughput",
        f"{median(o.rps for o in ours):.0f}/s vs stock {median(b.rps for b in bares):.0f}/s = "
        + ratios.percent()
        + (f" ({wrong} errors)" if wrong else ""),
        "" if target is None else f"≥ {target:.0%}",
        None if target is None else ratios.median >= target and wrong == 0,
    )


@dataclass
class Questionnaires:
    ours_ms: list[float]
    peer_ms: list[float]
    requests: int
    saves: int
    ours_done: int
    peer_done: int

    def figure(self) -> Figure:
        ratios = Spread([o / p for o, p in zip(self.ours_ms, self.peer_ms, strict=True)])
        return Figure(
            "server time per complete questionnaire (40 statements), vs the peer's",
            f"{median(self.ours_ms):.1f} ms ({self.requests} requests, {self.saves} of them "
            f"batched saves) vs peer {median(self.peer_ms):.1f} ms = {ratios.times()}",
            "≤ 0.7x",
            ratios.median <= 0.7,
        )


def questionnaires(
    ours: str, peer: str, tokens: list[str], survey: int, timings: dict[str, Path]
) -> Questionnaires:
    """``FLOW_PER_ROUND`` teachers per round answer dialoog's questionnaire and the peer's,
    one after the other and alternately; each round adds up the server time of every request
    (bench/gunicorn_bench.py writes it) and divides by the questionnaires."""
    from bench import flow

    rng = random.Random(17)
    flow.our_questionnaire(ours, tokens.pop(), rng)  # warm up both
    flow.peer_questionnaire(peer, survey, rng)
    result = Questionnaires([], [], 0, 0, 1, 1)
    for _ in range(ROUNDS):
        for directory in timings.values():
            for old in directory.iterdir():
                old.unlink()
        sent = {"ours": 0, "peer": 0}
        for _ in range(FLOW_PER_ROUND):
            mine = flow.our_questionnaire(ours, tokens.pop(), rng)
            theirs = flow.peer_questionnaire(peer, survey, rng)
            sent["ours"] += mine.requests
            sent["peer"] += theirs.requests
            result.requests, result.saves = mine.requests, mine.saves
        result.ours_done += FLOW_PER_ROUND
        result.peer_done += FLOW_PER_ROUND
        spent = {name: server_time(timings[name], sent[name]) for name in timings}
        result.ours_ms.append(spent["ours"] * 1000 / FLOW_PER_ROUND)
        result.peer_ms.append(spent["peer"] * 1000 / FLOW_PER_ROUND)
    return result


def server_time(directory: Path, requests: int) -> float:
    """The seconds the server spent on ``requests`` requests, once gunicorn has written them
    all (it writes each line after the response went out)."""
    deadline = time.monotonic() + 30
    while True:
        lines = [line for f in directory.iterdir() for line in f.read_text().splitlines()]
        if len(lines) >= requests:
            return sum(float(line.split("\t")[0]) for line in lines)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{directory.name}: {len(lines)} of {requests} requests timed")
        time.sleep(0.05)


NOTES = [
    "Notes:",
    "",
    "- Each ratio is the median of three rounds, each of which runs the yardstick and dialoog",
    "  one after the other, so a slow moment of the shared machine hits both; the range is",
    "  the lowest and highest of the three.",
    "- The whole questionnaire: bench/flow.py answers it as the page's script does (a tap every",
    "  5 seconds, taps sent in batches, Next through htmx), one teacher at a time, beside the",
    "  peer's one page and one post; the server time of each request is written by gunicorn",
    "  itself, static files left out on both sides.",
    "- The national aggregate reads the rounds' tallies, which the beat writes about a minute",
    "  after a round closes (timed in the row below it); the yardstick counts the same",
    "  national answers through the ORM.",
    "- The dashboard is built on every visit (there is no page cache).",
    "- What was written is checked after the run: every questionnaire sent is one sealed",
    "  ballot and, once the box is opened, one response of 40 answers; the peer stored one",
    "  response of 40 answers per questionnaire.",
    "- The dashboard's HTML is counted gzipped, as a proxy sends it (the app does not compress",
    "  HTML itself); its assets as WhiteNoise sends them to a browser that accepts br.",
    "- The data is analysed before measuring, as autovacuum does in production (the CI",
    "  machine's PostgreSQL runs without autovacuum).",
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
        f"- Servers: gunicorn, {WORKERS} sync workers each, no access log "
        "(bench/gunicorn_bench.py): dialoog with its production settings and DEBUG off, the "
        "stock Django project (bench/stock) and the peer (bench/peer, "
        "django-survey-and-report); the load generator (wrk, "
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
