"""Browser tests: a real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against
pytest-django's live server. They walk the paths a school leader and a teacher take: log in,
switch language, read the model, log in with an e-mailed code, and use the keyboard.

Run only these with `pytest -m browser`. Screenshots for humans land in test-results/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from .browser_helpers import (
    DASHBOARD_PATH,
    DEMO_PASSWORD,
    LEADER_EMAIL,
    LOGIN_BUTTON,
    SCHOOL_NAME,
    TEACHER_EMAIL,
    TEACHER_PATH,
    answer_questionnaire,
    answer_step,
    kill_renderers,
    log_in,
    renderers,
    screenshot,
    signed_in,
)
from .waiting import wait_for

# allauth's login code: letters and digits, by default 8 of them shown as "XXXX-XXXX".
LOGIN_CODE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.MULTILINE)

# Every test here: a live server, committed data, and the catalogue of the data migration
# restored after each flush (serialized_rollback).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


# --- Fixtures ---------------------------------------------------------------------------------


# --- Helpers ----------------------------------------------------------------------------------


def expect_dashboard(page: Page) -> None:
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_PATH) + r"$"))
    expect(page.locator("h1")).to_contain_text(SCHOOL_NAME)


def expect_theme_names(page: Page, dialogue: str, learning: str) -> None:
    """The model page names two of the themes so, in the language it is in."""
    expect(page.get_by_test_id("theme-professionele-dialoog")).to_contain_text(dialogue)
    expect(page.get_by_test_id("theme-collectief-leren")).to_contain_text(learning)


def expect_language(page: Page, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)


def wait_for_mail(to: str) -> mail.EmailMessage:
    """The live server sends in another thread of this process; locmem's outbox is shared."""
    return wait_for(
        lambda: next((m for m in reversed(mail.outbox) if to in m.to), None),
        interval=0.05,
        message=lambda: f"an e-mail to {to}; outbox: {[m.to for m in mail.outbox]}",
    )


def open_demo_round() -> Any:
    """The demo school's questionnaire, open for a week from a minute ago (invitations are
    mailed as the round opens)."""
    from datetime import timedelta

    from django.utils import timezone

    from schools.models import School
    from surveys.models import QuestionnaireTemplate
    from surveys.services import round_open

    now = timezone.now()
    return round_open(
        school=School.objects.get(slug="de-regenboog"),
        team=None,
        template=QuestionnaireTemplate.objects.filter(is_active=True).order_by("pk")[0],
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
        threshold=5,
        open_threshold=5,
        created_by=None,
        now=now,
    )


# --- Tests ------------------------------------------------------------------------------------


def test_leader_logs_in_and_reaches_the_dashboard(page: Page, demo: str) -> None:
    page.goto(f"{demo}/accounts/login/")
    expect_language(page, "nl")

    page.locator("input[name=login]").fill(LEADER_EMAIL)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=LOGIN_BUTTON).click()

    expect_dashboard(page)
    expect_language(page, "nl")
    screenshot(page, "leader-dashboard")


def test_leader_switches_to_english_and_back(page: Page, demo: str) -> None:
    log_in(page, demo)
    expect_dashboard(page)

    page.get_by_test_id("lang-en").click()
    expect_language(page, "en")
    expect_dashboard(page)  # the switch brings you back where you were

    page.get_by_test_id("model-link").click()
    expect(page).to_have_url(re.compile(r"/model/$"))
    expect_language(page, "en")
    expect_theme_names(page, "Professional dialogue", "Collective learning")

    page.get_by_test_id("lang-nl").click()
    expect(page).to_have_url(re.compile(r"/model/$"))
    expect_language(page, "nl")
    expect_theme_names(page, "De professionele dialoog", "Collectief leren")


def test_leader_opens_the_model_and_a_theme_page(page: Page, demo: str) -> None:
    log_in(page, demo)
    expect_dashboard(page)

    # One click from the dashboard to the model, a second one to a theme's interventions.
    page.get_by_test_id("model-link").click()
    expect(page).to_have_url(re.compile(r"/model/$"))
    for slug in (
        "professionele-dialoog",
        "professionele-ontwikkeling",
        "collectief-leren",
        "professionele-leergemeenschap",
    ):
        expect(page.get_by_test_id(f"theme-{slug}")).to_be_visible()
    for number in range(1, 6):
        expect(page.get_by_test_id(f"recommendation-{number}")).to_be_visible()
    screenshot(page, "model")

    page.get_by_test_id("theme-collectief-leren").click()
    expect(page).to_have_url(re.compile(r"/model/themes/collectief-leren/$"))
    expect(page.locator("h1")).to_contain_text("Collectief leren")
    interventions = page.get_by_test_id("interventions").locator(":scope > li")
    expect(interventions).to_have_count(6)
    expect(page.get_by_test_id("interventions")).to_contain_text(
        "signaleert spanningen en maakt deze bespreekbaar."
    )

    page.go_back()
    expect(page).to_have_url(re.compile(r"/model/$"))
    recommendation = page.get_by_test_id("recommendation-1")
    title = recommendation.inner_text().strip()
    assert title, "recommendation 1 has no title on the model page"
    recommendation.click()
    expect(page).to_have_url(re.compile(r"/model/recommendations/1/$"))
    expect(page.locator("h1")).to_have_text(title)


def test_teacher_logs_in_with_an_emailed_code(page: Page, demo: str) -> None:
    page.goto(f"{demo}/accounts/login/")
    page.get_by_test_id("login-by-code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))

    mail.outbox.clear()
    email = page.locator("input[name=email]")
    email.fill(TEACHER_EMAIL)
    email.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))

    message = wait_for_mail(TEACHER_EMAIL)
    body = str(message.body)
    found = LOGIN_CODE.search(body)
    assert found, f"no login code in the e-mail:\n{body}"
    code = found.group(1)
    assert len(code.replace("-", "")) >= 6

    field = page.locator("input[name=code]")
    field.fill(code)
    field.press("Enter")

    expect(page).to_have_url(re.compile(re.escape(TEACHER_PATH) + r"$"))
    expect(page.locator("main#main")).to_contain_text(SCHOOL_NAME)


def test_a_newcomer_finds_the_login_code_on_the_sent_mail_page(
    page: Page, demo: str, settings: Any, tmp_path: Path
) -> None:
    """`make run` keeps e-mails and lists them at /dev/mail/ instead of printing their HTML."""
    settings.DEBUG = True  # as under `make run`; the test runner turns it off
    settings.EMAIL_BACKEND = "dialoog.devmail.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    page.goto(f"{demo}/accounts/login/code/")
    email = page.locator("input[name=email]")
    email.fill(TEACHER_EMAIL)
    email.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))

    mail_page = page.context.new_page()
    mail_page.goto(f"{demo}/dev/mail/")
    listed = mail_page.get_by_test_id("dev-mail")
    expect(listed).to_contain_text(TEACHER_EMAIL)
    mail_page.get_by_text("Tekst").first.click()
    found = LOGIN_CODE.search(listed.inner_text())
    assert found, listed.inner_text()

    page.locator("input[name=code]").fill(found.group(1))
    page.locator("input[name=code]").press("Enter")
    expect(page).to_have_url(re.compile(re.escape(TEACHER_PATH) + r"$"))


def test_no_page_asks_for_a_file_that_is_not_there(page: Page, demo: str) -> None:
    """Not even the browser's own request for the site's icon gets a 404."""
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    log_in(page, demo)
    expect_dashboard(page)
    page.goto(f"{demo}/s/de-regenboog/plan/")
    page.goto(f"{demo}/favicon.ico")
    expect(page.locator("svg")).to_be_visible()
    assert missing == []


def test_closing_a_round_with_too_few_answers_is_confirmed_and_keeps_the_last_results(
    page: Page, demo: str
) -> None:
    round_ = open_demo_round()
    log_in(page, demo)
    page.goto(f"{demo}/s/de-regenboog/rounds/{round_.pk}/")
    page.get_by_test_id("close-round").click()
    expect(page.get_by_test_id("close-turnout")).to_contain_text("minder dan 5 van 12")
    expect(page.get_by_test_id("close-below-threshold")).to_be_visible()

    page.get_by_role("button", name="Sluit de ronde").click()  # not ticked: asked again
    expect(page.locator(".invalid-feedback")).to_contain_text("Vink aan dat de ronde nu sluit.")
    page.get_by_label("Ja, sluit de ronde nu").check()
    page.get_by_role("button", name="Sluit de ronde").click()
    expect(page.get_by_test_id("reopen")).to_be_visible()

    page.goto(f"{demo}/s/de-regenboog/")
    expect(page.get_by_test_id("state-round")).to_have_text("Te weinig antwoorden")
    expect(page.get_by_test_id("latest-results")).to_be_visible()  # the demo's earlier round
    screenshot(page, "dashboard-after-closing-short")


def test_pages_are_usable_by_keyboard(page: Page, demo: str) -> None:
    page.goto(f"{demo}/accounts/login/")
    skip_link = page.locator('a[href="#main"]')

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()  # visually hidden (1x1 px) until it has focus
    assert box is not None and box["width"] > 1 and box["height"] > 1, box

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/accounts/login/#main$"))


def test_teacher_answers_on_a_phone_across_two_visits_and_the_leader_sees_the_rate(
    browser: Browser, demo: str
) -> None:

    mail.outbox.clear()
    round_ = open_demo_round()
    message = wait_for_mail(TEACHER_EMAIL)
    link = re.search(r"https?://[^/\s]+(/i/[A-Za-z0-9_\-]+/)", str(message.body))
    assert link, message.body

    phone = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    try:
        page = phone.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{demo}{link.group(1)}")
        expect(page).to_have_url(re.compile(r"/vragenlijst/t1/$"))  # the token is gone
        answer_step(page)
        page.get_by_test_id("next").click()
        expect(page).to_have_url(re.compile(r"/vragenlijst/t2/$"))
        answer_step(page, value=2)
        screenshot(page, "answer-phone")
        assert violations == []  # htmx and Bootstrap run under the CSP
        page.close()  # half-way: the tab is closed without pressing anything

        page = phone.new_page()
        page.goto(f"{demo}{link.group(1)}")
        # Back where the teacher left off: steps 1 and 2 were saved as they were tapped.
        expect(page).to_have_url(re.compile(r"/vragenlijst/t3/$"))
        # Answer t3, t4 and the climate block (t5), then the open questions, and send.
        answer_questionnaire(
            page,
            value=3,
            next_steps=("t4", "t5", "open"),
            text="Meer tijd om bij elkaar in de klas te kijken.",
        )
        screenshot(page, "answer-done-phone")
    finally:
        phone.close()

    with signed_in(browser, demo) as page:
        expect_dashboard(page)
        page.goto(f"{demo}/s/de-regenboog/rounds/{round_.pk}/")
        # One answer is below the threshold: the leader learns only that it is fewer.
        expect(page.get_by_test_id("response-rate")).to_have_text("minder dan 5 van 12 geantwoord")
        # The only names on the page are in the neutral "send a new link" list.
        expect(page.locator("main")).not_to_contain_text("Anouk de Vries heeft")
        assert page.locator("main").inner_text().count("Anouk de Vries") == 1
        screenshot(page, "round-leader")


def test_taps_kept_by_a_phone_that_dies_are_there_on_another_device(
    browser: Browser, demo: str
) -> None:
    """The page keeps each tap and sends a batch of them within seconds by itself; then the
    phone dies (the page is killed: no unload, no last beacon). Opened with the same link on a
    laptop, the questionnaire shows the taps."""
    from surveys.models import Invitation
    from surveys.views import SAVE_WITHIN_SECONDS

    invitation = Invitation.objects.get(round=open_demo_round(), user__email=TEACHER_EMAIL)
    token = invitation.new_token()
    invitation.save(update_fields=["token_hash"])

    phone = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    laptop = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    try:
        page = phone.new_page()
        saves: list[str] = []
        page.on("request", lambda r: saves.append(r.url) if r.method == "POST" else None)
        page.clock.install()
        page.goto(f"{demo}/i/{token}/")
        expect(page).to_have_url(re.compile(r"/vragenlijst/t1/$"))
        page.wait_for_load_state("load")
        labels = page.locator("fieldset label[for$='-2']")
        tapped = [labels.nth(i).get_attribute("for") for i in range(3)]
        for i in range(3):
            labels.nth(i).click()
        expect(page.locator("#save-status")).to_contain_text("Bewaard op dit apparaat")
        assert saves == []  # kept on the phone, not yet sent: one save for several taps

        page.clock.fast_forward(SAVE_WITHIN_SECONDS * 1000)
        expect(page.locator("#save-status")).to_contain_text("Opgeslagen")
        assert len(saves) == 1
        # The phone dies: the renderer is killed, nothing more leaves it.
        # The laptop has no page yet: every renderer running now is the phone's (or a spare).
        kill_renderers(page, renderers(browser))

        other = laptop.new_page()
        other.goto(f"{demo}/i/{token}/")
        expect(other).to_have_url(re.compile(r"/vragenlijst/t1/$"))
        for field in tapped:
            expect(other.locator(f"#{field}")).to_be_checked()
        expect(other.locator("input[type=radio]:checked")).to_have_count(3)
    finally:
        phone.close()
        laptop.close()


def test_leader_reads_a_signal_chooses_a_suggestion_and_records_an_interview_the_teacher_reads(
    browser: Browser, demo: str
) -> None:
    from interviews.models import Interview
    from surveys.models import Round

    round_ = Round.objects.filter(school__slug="de-regenboog").order_by("-opens_at")[0]
    colleague = Interview.objects.filter(round=round_).order_by("pk")[0]
    newcomer = "leerkracht6@regenboog.test"

    with signed_in(browser, demo) as page:
        expect_dashboard(page)
        page.goto(f"{demo}/s/de-regenboog/rounds/{round_.pk}/")
        page.get_by_test_id("results-link").click()
        signal = page.get_by_test_id("signal-tension").first
        expect(signal).to_contain_text("Collectief leren")
        card = page.get_by_test_id("suggestion").first
        card.locator("button[value=chosen]").click()
        # htmx swaps the card in place; the button now says it is chosen.
        expect(
            page.get_by_test_id("suggestion").first.locator("button[value=chosen]")
        ).to_have_attribute("aria-pressed", "true")
        screenshot(page, "results")

        page.goto(f"{demo}/s/de-regenboog/rounds/{round_.pk}/")
        page.get_by_test_id("interviews-link").click()
        page.get_by_test_id("audience-row").filter(has_text="Fleur van Dijk").get_by_test_id(
            "plan-button"
        ).click()
        page.locator("input[name=scheduled_at]").fill("2026-11-30T15:30")
        page.locator("main form [type=submit]").first.click()
        expect(page.get_by_test_id("guide")).to_be_visible()
        page.locator("textarea[name=text]").fill("Wil graag vaker samen lessen voorbereiden.")
        page.locator("input[name=themes]").first.check()
        page.locator("input[name=tension]").check()
        page.locator("#notes [type=submit]").last.click()
        expect(page.get_by_test_id("note")).to_contain_text("samen lessen voorbereiden")
        screenshot(page, "interview")

    with signed_in(browser, demo, email=newcomer, width=390, height=844) as page:
        page.goto(f"{demo}/s/de-regenboog/interviews/mine/")
        expect(page.get_by_test_id("my-interview")).to_contain_text("samen lessen voorbereiden")
        # A colleague's interview is not there for this teacher.
        response = page.goto(f"{demo}/s/de-regenboog/interviews/interview/{colleague.pk}/")
        assert response is not None and response.status == 404
