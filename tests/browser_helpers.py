"""What every browser test shares: how Chromium is launched, the demo logins, and the steps a
person takes that more than one test walks (log in, answer a questionnaire step, step a
focus group forward). No fixtures here: the live-server tests keep theirs in test_browser.py,
the production-stack test its own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_MISSING = f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-results"
# Generous waits: CI shares the machine with the database, the worker and the browser.
expect.set_options(timeout=15_000)

LEADER_EMAIL = "leider@regenboog.test"
TEACHER_EMAIL = "leerkracht1@regenboog.test"
DEMO_PASSWORD = "dialoog-demo"
SCHOOL_NAME = "OBS De Regenboog"
DASHBOARD_PATH = "/s/de-regenboog/"
TEACHER_PATH = "/s/de-regenboog/me/"

# Dutch assertions rely on data (theme names, intervention texts) and <html lang>, not on UI
# strings; the login button is the one string we match, in either language.
LOGIN_BUTTON = re.compile(r"^\s*(Inloggen|Log in)\s*$")
SAVED = re.compile("Opgeslagen|Saved")
# What the questionnaire's status line says once a tap is kept on the device, until its batch
# is saved (static/js/answer.js).
KEPT = re.compile("Bewaard op dit apparaat|Kept on this device|Opgeslagen|Saved")


def launch_chromium(playwright: Playwright, *extra_args: str) -> Browser:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


def log_in(page: Page, base_url: str, email: str = LEADER_EMAIL) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=LOGIN_BUTTON).click()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def answer_step(page: Page, value: int = 4) -> None:
    """Tap one answer per statement on the current questionnaire step; the page keeps them
    (and sends them within seconds, or with "Next")."""
    # htmx binds its listeners on DOMContentLoaded; the URL may change before that.
    page.wait_for_load_state("load")
    labels = page.locator(f"fieldset label[for$='-{value}']")
    for index in range(labels.count()):
        labels.nth(index).click()
    expect(page.locator("#save-status")).to_contain_text(KEPT)


def step_to(page: Page, kind: str, total: int, timeout: int = 15_000) -> None:
    """Press the right arrow on the focus-group presenter until the phase ``kind`` shows."""
    for _ in range(total):
        if page.get_by_test_id("phase").get_attribute("data-phase") == kind:
            return
        step = int(page.get_by_test_id("phase").get_attribute("data-step") or 0)
        page.keyboard.press("ArrowRight")
        expect(page.get_by_test_id("phase")).to_have_attribute(
            "data-step", str(step + 1), timeout=timeout
        )
    expect(page.get_by_test_id("phase")).to_have_attribute("data-phase", kind)


def join_focus_group(context: BrowserContext, base_url: str, code: str) -> Page:
    """A phone joins the focus group with the short code from the beamer."""
    page = context.new_page()
    page.goto(f"{base_url}/doe-mee/")
    page.locator("input[name=code]").fill(code.lower())
    page.get_by_test_id("join-form").locator("[type=submit]").click()
    expect(page.get_by_test_id("phone")).to_be_visible()
    return page


def send_reaction(phone: Page, text: str, timeout: int = 15_000) -> None:
    """A phone sends an anonymous reaction in a theme phase."""
    expect(phone.get_by_test_id("reaction-form")).to_be_visible(timeout=timeout)
    phone.locator("textarea[name=text]").fill(text)
    phone.get_by_test_id("reaction-form").locator("[type=submit]").click()
    expect(phone.get_by_test_id("notice")).to_be_visible()


def add_agreement(presenter: Page, text: str, owner: str, review_on: str) -> None:
    """The facilitator records an agreement in the agreements phase."""
    form = presenter.get_by_test_id("agreement-form")
    form.locator("select[name=kind]").select_option("agreement")
    form.locator("input[name=text]").fill(text)
    form.locator("input[name=owner]").fill(owner)
    form.locator("input[name=review_on]").fill(review_on)
    form.locator("[type=submit]").click()
    expect(presenter.get_by_test_id("agreement")).to_contain_text(text)


def answer_questionnaire(page: Page, *, value: int, next_steps: tuple[str, ...], text: str) -> None:
    """From the current questionnaire step: answer it and each step in ``next_steps`` (the
    names of the steps that follow, up to "open") with ``value``, write ``text`` as the first
    open answer, review and send; the teacher then sees their own copy."""
    for following in next_steps:
        answer_step(page, value)
        page.get_by_test_id("next").click()
        # Wait for the next step before tapping, or the taps could land on the old page.
        expect(page).to_have_url(re.compile(rf"/vragenlijst/{following}/$"))
    page.wait_for_load_state("load")
    page.locator("textarea").first.fill(text)
    expect(page.locator("#save-status")).to_contain_text(KEPT)
    page.get_by_test_id("next").click()
    expect(page).to_have_url(re.compile(r"/vragenlijst/review/$"))
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("copy")).to_contain_text(text)


def renderers(browser: Browser) -> set[int]:
    """The process ids of the browser's renderers (one per site and tab, roughly)."""
    info = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")
    return {p["id"] for p in info["processInfo"] if p["type"] == "renderer"}


def kill_renderers(page: Page, pids: set[int]) -> None:
    """Kill a tab as a dying phone would: its renderer gets SIGKILL, so no unload handler,
    pagehide or beacon runs. ``pids`` must include the tab's renderer (Playwright then
    reports the crash, which is waited for)."""
    import os
    import signal

    with page.expect_event("crash"):
        for pid in pids:
            os.kill(pid, signal.SIGKILL)


@contextmanager
def signed_in(
    browser: Browser,
    base_url: str,
    email: str = LEADER_EMAIL,
    *,
    width: int = 1280,
    height: int = 900,
) -> Iterator[Page]:
    """A page of its own browser context (a second device), logged in as ``email``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        log_in(page, base_url, email)
        yield page
    finally:
        context.close()
