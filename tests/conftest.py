"""Personas: a leader and a teacher of one school, and an outsider who leads another school.

Services: with REQUIRE_SERVICES=1 (CI), a test that needs Redis, PostgreSQL or the browser
fails instead of skipping when the service is missing."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from schools import live
from schools.models import Membership, School, Team, User

from .browser_helpers import CHROMIUM, CHROMIUM_MISSING, launch_chromium
from .factories import MembershipFactory, SchoolFactory, TeamFactory, UserFactory

PASSWORD = "correct horse battery"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def with_two_factor(user: User) -> User:
    """A TOTP authenticator, as a board admin must have before seeing any page."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, unless CI demands every service (then fail)."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def database_url() -> str:
    """The URL of the database the tests run on, for a server or worker they start: the
    same server, over TCP or over the embedded server's Unix socket (its folder is the host,
    percent-encoded, as dj-database-url and psycopg read it)."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The real hasher is slow by design; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _dutch_by_default() -> Iterator[None]:
    # A request activates its language in the thread; start every test from the default.
    from django.utils import translation

    translation.activate("nl")
    yield
    translation.activate("nl")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate limits of allauth live in the cache; each test starts from zero. So do the live
    # versions a worker remembers (schools.live).
    cache.clear()
    live.forget_remembered()
    # A version's statements are remembered per worker by id (and fingerprint).
    from surveys.models import forget_frozen

    forget_frozen()


@pytest.fixture
def school(db: None) -> School:
    return SchoolFactory.create(name="OBS De Linde")


@pytest.fixture
def team(school: School) -> Team:
    return TeamFactory.create(school=school, name="Onderbouw")


@pytest.fixture
def leader(school: School) -> User:
    user = UserFactory.create(email="leader@linde.test", full_name="Lies Leider")
    MembershipFactory.create(user=user, school=school, role=Membership.Role.LEADER)
    return user


@pytest.fixture
def teacher(school: School, team: Team) -> User:
    user = UserFactory.create(email="teacher@linde.test", full_name="Tim Leerkracht")
    MembershipFactory.create(user=user, school=school, role=Membership.Role.TEACHER, team=team)
    return user


@pytest.fixture
def other_school(db: None) -> School:
    return SchoolFactory.create(name="CBS De Eik")


@pytest.fixture
def outsider(other_school: School) -> User:
    user = UserFactory.create(email="outsider@eik.test", full_name="Otto Buiten")
    MembershipFactory.create(user=user, school=other_school, role=Membership.Role.LEADER)
    return user


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _celery_eager(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run inline in ordinary tests; tests marked ``celery_worker`` use a real worker."""
    from dialoog.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line per reason for the tests that skipped (on a machine without Chromium: the
    browser tests, and nothing else may skip), instead of a line per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "skipped"
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"{count} tests skipped: {reason}", yellow=True)


# --- The browser tests' fixtures: a Chromium for the module, an English page, the demo. ------


@pytest.fixture(scope="module")
def _allow_sync_db_access_in_event_loop() -> Iterator[None]:
    """Playwright's sync API runs an event loop in the test thread; Django then refuses
    database access there (the flush after each test too) unless told it is safe."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_allow_sync_db_access_in_event_loop: None, django_db_setup: None) -> Iterator[Browser]:
    need(os.path.exists(CHROMIUM), CHROMIUM_MISSING)
    # Django keeps its connections in context variables (asgiref's Local). Starting
    # Playwright's sync API leaves this thread in another context, where `connections`
    # would hand out fresh connection objects: without the serialized catalogue that
    # serialized_rollback restores, whenever the test database was set up before (by any
    # earlier test module). So the test database is set up first, and the very same
    # connection objects are put back once Playwright runs.
    before = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in before.items():
            connections[alias] = connection
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # An English browser on purpose: Dutch is the app's default whatever Accept-Language says.
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def demo(live_server: Any, settings: Any) -> str:
    """The demo school (leader, 12 teachers) committed, so the live server sees it.
    Returns the server's base URL."""
    # seed_demo hashes 16 passwords; the slow default hasher would cost seconds per test.
    # The live server runs in this process, so it checks logins with the same fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", quiet=True)
    return str(live_server.url)
