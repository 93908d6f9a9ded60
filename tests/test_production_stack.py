"""One full cycle through the browser against the production stack: gunicorn, a Celery worker
and Celery beat, started as docker-compose.yml starts them, with DEBUG=0, on PostgreSQL and
Redis (tests/production_stack.py sets it up and says what differs from a real server).

The leader opens a round; three teachers answer through the links the worker e-mailed; the
leader closes the round and reads the results; a focus group runs with two phones; the leader
plans a team meeting; beat has the worker scan for nudges, and the leader follows the nudge
e-mail to the meeting and fills in its agenda. At the end the three processes are stopped
with SIGTERM, and none may have exited early or printed a traceback.

Run it alone with `.venv/bin/python -m pytest -m production_stack` (DATABASE_URL and REDIS_URL
set; see docs/architecture.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

from .browser_helpers import (
    CHROMIUM,
    CHROMIUM_MISSING,
    DASHBOARD_PATH,
    LEADER_EMAIL,
    add_agreement,
    answer_questionnaire,
    join_focus_group,
    launch_chromium,
    log_in,
    screenshot,
    send_reaction,
    step_to,
)
from .conftest import need
from .production_stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.production_stack]

SCHOOL = "/s/de-regenboog"
TEACHERS = [f"leerkracht{n}@regenboog.test" for n in (1, 2, 3)]
MEETING = "Teamvergadering over de uitkomsten"
REACTION = "We praten te weinig over lessen"
AGREEMENT = "Elke maand bespreken we samen een les"
# The scan beat runs for this test, next to the five-minute one of CELERY_BEAT_SCHEDULE.
SCAN_EVERY_SECONDS = 2
WAIT = 20_000


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    need(os.path.exists(CHROMIUM), CHROMIUM_MISSING)
    need(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "DATABASE_URL is not PostgreSQL",
    )
    running = Stack(tmp_path)
    try:
        running.create()
        running.start()
        yield running
    finally:
        # Stops whatever still runs (a failed test leaves all three), then the database goes.
        running.destroy()
    problems = running.problems()
    if problems:
        pytest.fail("\n\n".join(problems))


@pytest.fixture
def chromium(stack: Stack) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        # Trusts the stack's own certificate (by its public key), so TLS is checked as usual.
        browser = launch_chromium(playwright, f"--ignore-certificate-errors-spki-list={stack.spki}")
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """Collects from every browser context what production must not show: an answer of 400
    or more (a missing static file, a refused CSRF check) and a Content-Security-Policy
    violation."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def context(self, browser: Browser, width: int, height: int) -> BrowserContext:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        ctx.set_default_timeout(WAIT)
        ctx.on(
            "response",
            lambda r: self.failures.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        ctx.on(
            "console",
            lambda m: self.failures.append(m.text) if "Content Security Policy" in m.text else None,
        )
        return ctx


def english(ctx: BrowserContext, stack: Stack) -> BrowserContext:
    ctx.add_cookies([{"name": "django_language", "value": "en", "url": stack.base_url}])
    return ctx


def next_weekday(days: int = 1) -> str:
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def test_one_cycle_through_the_browser_on_the_production_stack(
    stack: Stack, chromium: Browser
) -> None:
    base = stack.base_url
    watch = Watch()
    leader_ctx = english(watch.context(chromium, 1280, 900), stack)
    leader = leader_ctx.new_page()

    # 1. The leader logs in over HTTPS (the session cookie is Secure) and opens a round with
    #    the smallest threshold, so three answers release the results.
    log_in(leader, base)
    expect(leader).to_have_url(f"{base}{DASHBOARD_PATH}")
    session = [c for c in leader_ctx.cookies() if c["name"] == "sessionid"]
    assert session and session[0]["secure"] and session[0]["httpOnly"], session
    dashboard = leader.reload()
    assert dashboard is not None
    assert "max-age=31536000" in dashboard.headers["strict-transport-security"]
    stylesheet = leader.locator("link[rel=stylesheet]").first.get_attribute("href") or ""
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet  # the manifest's name
    leader.goto(f"{base}{SCHOOL}/rounds/new/")
    leader.locator("input[name=threshold]").fill("3")
    leader.locator("input[name=open_threshold]").fill("3")
    leader.locator("input[name=submit]").click()
    expect(leader).to_have_url(re.compile(rf"{SCHOOL}/rounds/\d+/$"))
    round_url = leader.url
    # The turnout is the count of the last full hour, and below the threshold only "fewer".
    expect(leader.get_by_test_id("response-rate")).to_have_text("fewer than 3 of 12 answered")

    # 2. The worker e-mails every teacher a personal link; three of them answer on a phone.
    links = {
        address: stack.wait_for_mail(address, re.compile(rf"{re.escape(base)}/i/[\w-]+/"))
        for address in TEACHERS
    }
    for value, (address, link) in zip((1, 5, 5), links.items(), strict=True):
        phone = watch.context(chromium, 390, 844)
        page = phone.new_page()
        page.goto(link)
        expect(page).to_have_url(re.compile(r"/vragenlijst/t1/$"))  # the token is gone
        answer_questionnaire(
            page,
            value=value,
            next_steps=("t2", "t3", "t4", "t5", "open"),
            text=f"Graag vaker samen lessen voorbereiden ({address}).",
        )
        phone.close()

    # 3. Three of twelve answered, enough for the threshold, but no results while the round
    #    is open; the leader closes it and the results are there.
    leader.goto(round_url)
    # Counted at the last full hour: "fewer" unless beat's hourly count fell in between.
    expect(leader.get_by_test_id("response-rate")).to_have_text(
        re.compile(r"^(fewer than 3 of 12 answered|3 of 12 answered)$")
    )
    expect(leader.get_by_test_id("gate-message")).to_be_visible()
    expect(leader.get_by_test_id("results-link")).to_have_count(0)
    leader.get_by_test_id("close-round").click()
    leader.get_by_label("Yes, close the round now").check()
    leader.get_by_role("button", name="Close the round").click()
    # The worker opens the ballot box and counts; the page looks again by itself meanwhile.
    leader.get_by_test_id("results-link").click(timeout=60_000)
    expect(leader.get_by_test_id("results")).to_contain_text("Based on 3 respondents")
    expect(leader.get_by_test_id("response-rate")).to_contain_text("3 of 12")
    expect(leader.get_by_test_id("theme-row").first).to_be_visible()
    screenshot(leader, "production-results")

    # 4. A focus group on this round: the beamer in the leader's browser, two phones.
    leader.goto(round_url)
    leader.get_by_test_id("focus-link").click()
    # One topic on the agenda keeps the session short: check-in, that topic, agreements.
    topics = leader.locator("input[name^=pos_]")
    for index in range(topics.count()):
        topics.nth(index).fill("")
    topics.first.fill("1")
    leader.locator("main form [type=submit]").click()
    expect(leader.get_by_test_id("presenter")).to_be_visible()
    code = leader.get_by_test_id("code").inner_text().strip()
    phones = [english(watch.context(chromium, 390, 844), stack) for _ in range(2)]
    one, two = (join_focus_group(ctx, base, code) for ctx in phones)
    for phone_page in (one, two):
        phone_page.get_by_role("button", name="Hopeful").click()
    expect(leader.get_by_test_id("checkin-count")).to_contain_text("2 colleagues")
    step_to(leader, "theme", 3, timeout=WAIT)
    send_reaction(one, REACTION, timeout=WAIT)
    expect(leader.get_by_test_id("moderation")).to_contain_text("1 reaction", timeout=WAIT)
    moderator = leader_ctx.new_page()
    moderator.goto(f"{base}{leader.get_by_test_id('moderation-link').get_attribute('href')}")
    moderator.get_by_test_id("pending").filter(has_text=REACTION).get_by_test_id("show").click()
    expect(leader.get_by_test_id("reaction")).to_contain_text(REACTION, timeout=WAIT)
    vote = two.get_by_test_id("phone-reaction").filter(has_text=REACTION)
    vote.get_by_test_id("vote").click()
    expect(vote.get_by_test_id("vote")).to_have_attribute("aria-pressed", "true")
    step_to(leader, "agreements", 3, timeout=WAIT)
    add_agreement(leader, AGREEMENT, "het team", next_weekday(60))
    expect(one.get_by_test_id("phone-phase")).to_contain_text(AGREEMENT, timeout=WAIT)
    screenshot(leader, "production-focus")
    for ctx in phones:
        ctx.close()

    # 5. The leader plans a team meeting for the next school week, agenda still empty.
    leader.goto(f"{base}{SCHOOL}/plan/new/?kind=team_meeting")
    leader.locator("input[name=title]").fill(MEETING)
    leader.locator("input[name=day]").fill(next_weekday())
    leader.locator("input[name=at]").fill("15:00")
    leader.get_by_role("button", name="Save").click()
    expect(leader.locator(".alert-success").first).to_contain_text("The activity was added")
    edit = (
        leader.get_by_test_id("occurrence").filter(has_text=MEETING).get_by_test_id("activity-edit")
    )
    activity = re.search(r"/plan/(\d+)/edit/$", edit.first.get_attribute("href") or "")
    assert activity, "the new meeting is not in the month view"
    activity_id = int(activity.group(1))

    # 6. Beat runs the nudge scan on the worker, as its five-minute entry does in production,
    #    here every two seconds (a schedule added in the database, which beat picks up).
    stack.manage(
        "shell",
        "-c",
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask\n"
        f"every, _ = IntervalSchedule.objects.get_or_create(every={SCAN_EVERY_SECONDS}, "
        "period=IntervalSchedule.SECONDS)\n"
        "PeriodicTask.objects.create(name='production-stack-scan', "
        "task='nudges.tasks.scan_nudges', interval=every)\n",
    )
    nudge = "SELECT id FROM nudges_nudge WHERE rule = 'r5_agenda' AND target_id = %s"
    stack.wait_for(lambda: stack.query(nudge, activity_id), 60, "a nudge about the agenda")
    # An e-mail created outside school hours waits for 07:30 on the next school day (tested
    # with a frozen clock in test_nudges_delivery). These processes run on the real clock,
    # so make it due now, as that morning would; the next sweep sends it.
    stack.query(
        "UPDATE nudges_nudge SET due_at = now() WHERE rule = 'r5_agenda' AND target_id = %s"
        " AND delivery = 'pending' AND due_at > now()",
        activity_id,
    )
    edit_link = re.compile(rf"{re.escape(base)}{SCHOOL}/plan/{activity_id}/edit/")
    link = stack.wait_for_mail(LEADER_EMAIL, edit_link)
    assert "Sending due task production-stack-scan" in stack.log("beat")

    # 7. The leader follows the e-mail, fills in the agenda, and the next scan resolves it.
    leader.goto(link)
    expect(leader.locator("input[name=title]")).to_have_value(MEETING)
    leader.locator("textarea[name=agenda]").fill("De uitkomsten van de vragenlijst")
    leader.get_by_role("button", name="Save").click()
    expect(leader.locator(".alert-success").first).to_contain_text("The activity was saved")
    stack.wait_for(
        lambda: stack.query(nudge + " AND state = 'resolved'", activity_id),
        60,
        "the agenda nudge to be resolved",
    )
    leader_ctx.close()

    # Every e-mail went out once: one link per teacher, one nudge e-mail.
    for address in TEACHERS:
        assert len(stack.mails_to(address, re.compile(r"/i/[\w-]+/"))) == 1, address
    [(nudge_mail, _)] = stack.mails_to(LEADER_EMAIL, edit_link)
    # In the leader's language (Dutch), the rule's title as a person reads it.
    assert str(nudge_mail["Subject"]).strip() == (
        "Herinnering voor OBS De Regenboog: Faciliteer: bereid het overleg voor"
    )
    assert watch.failures == []

    # The personal links reached gunicorn's access log only redacted.
    web_log = stack.log("web")
    assert "/i/[redacted]" in web_log
    for invitation in links.values():
        assert invitation.removeprefix(base) not in web_log

    stack.stop()
    assert stack.problems() == []
