"""The focus group in real browsers: a presenter on a 1920x1080 beamer and two phones."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from .browser_helpers import (
    add_agreement,
    join_focus_group,
    log_in,
    screenshot,
    send_reaction,
    step_to,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WAIT = 15_000


def test_presenter_and_two_phones_run_a_focus_group(
    browser: Browser,
    demo: str,
) -> None:
    from focusgroups.models import CheckIn, FocusSession
    from surveys.models import Round

    round_ = Round.objects.filter(school__slug="de-regenboog").order_by("-opens_at")[0]
    beamer = browser.new_context(locale="en-US", viewport={"width": 1920, "height": 1080})
    phones = [
        browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        for _ in range(2)
    ]
    try:
        for ctx in (beamer, *phones):
            ctx.set_default_timeout(WAIT)
            # Read in English (the switch's cookie), so the assertions read as the code does.
            ctx.add_cookies([{"name": "django_language", "value": "en", "url": demo}])
        presenter = beamer.new_page()
        polls: list[int] = []
        presenter.on(
            "response", lambda r: polls.append(r.status) if r.url.endswith("/live/") else None
        )
        log_in(presenter, demo)
        expect(presenter).to_have_url(re.compile(r"/s/de-regenboog/$"))
        presenter.goto(f"{demo}/s/de-regenboog/focus/new/{round_.pk}/")
        presenter.locator("main form [type=submit]").click()
        expect(presenter.get_by_test_id("presenter")).to_be_visible()
        session = FocusSession.objects.latest("created_at")
        total = session.phases.count()
        code = presenter.get_by_test_id("code").inner_text().strip()
        assert code == session.code
        presenter.wait_for_load_state("load")
        size = presenter.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 28, size
        screenshot(presenter, "focus-presenter")

        pages = [join_focus_group(ctx, demo, code) for ctx in phones]
        one, two = pages

        # Check-in: the round's threshold (5) of check-ins is needed before the distribution
        # can be shown at all; below it an emotion reads "fewer than 5".
        expect(presenter.get_by_test_id("phase")).to_have_attribute("data-phase", "checkin")
        one.get_by_role("button", name="Hopeful").click()
        two.get_by_role("button", name="Hopeful").click()
        expect(one.get_by_test_id("checked-in")).to_be_visible()
        expect(presenter.get_by_test_id("checkin-count")).to_contain_text("2 colleagues")
        expect(presenter.get_by_test_id("reveal-wait")).to_contain_text("5 colleagues")
        expect(presenter.get_by_test_id("reveal")).to_have_count(0)
        # Three more colleagues check in on phones this test does not drive.
        CheckIn.objects.bulk_create(CheckIn(session=session, emotion="hopeful") for _ in range(3))
        session.bump()
        presenter.get_by_test_id("reveal").click()
        expect(presenter.get_by_test_id("checkin-hopeful")).to_contain_text("5")
        expect(presenter.get_by_test_id("checkin-calm")).to_contain_text("fewer than 5")
        # From now on the figures stay as the room saw them: a late phone is told so.
        late_phone = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        try:
            late_phone.add_cookies([{"name": "django_language", "value": "en", "url": demo}])
            late = join_focus_group(late_phone, demo, code)
            expect(late.get_by_test_id("checkin-closed")).to_be_visible()
        finally:
            late_phone.close()

        step_to(presenter, "theme", total)
        # A new phase starts its timer; space pauses it and starts it again.
        timer = presenter.get_by_test_id("timer")
        expect(timer).not_to_have_class(re.compile("is-paused"))
        presenter.keyboard.press("Space")
        expect(presenter.get_by_test_id("timer")).to_have_class(re.compile("is-paused"))
        presenter.keyboard.press("Space")
        expect(presenter.get_by_test_id("timer")).not_to_have_class(re.compile("is-paused"))
        send_reaction(one, "Ja, we praten te weinig over lessen")
        send_reaction(two, "Herkenbaar")
        # Waiting for moderation: counted on the beamer, the texts only on the facilitator's
        # own screen.
        expect(presenter.get_by_test_id("moderation")).to_contain_text("2 reactions", timeout=WAIT)
        expect(presenter.get_by_test_id("reaction")).to_have_count(0)
        expect(presenter.get_by_test_id("presenter")).not_to_contain_text("Herkenbaar")
        moderator = beamer.new_page()
        href = presenter.get_by_test_id("moderation-link").get_attribute("href")
        moderator.goto(f"{demo}{href}")
        pending = moderator.get_by_test_id("pending")
        expect(pending).to_have_count(2, timeout=WAIT)
        pending.filter(has_text="Ja, we praten").get_by_test_id("show").click()
        expect(pending).to_have_count(1)
        pending.filter(has_text="Herkenbaar").get_by_test_id("hold-back").click()
        expect(pending).to_have_count(0)
        expect(presenter.get_by_test_id("reaction")).to_have_count(1)

        for p in pages:
            vote = p.get_by_test_id("phone-reaction").filter(has_text="Ja, we praten")
            expect(vote).to_be_visible(timeout=WAIT)
            expect(p.get_by_test_id("phone-reaction")).to_have_count(1)
            vote.get_by_test_id("vote").click()
            expect(vote.get_by_test_id("vote")).to_have_attribute("aria-pressed", "true")
        expect(presenter.get_by_test_id("reaction")).to_contain_text("2", timeout=WAIT)
        screenshot(presenter, "focus-reactions")
        screenshot(one, "focus-phone")

        step_to(presenter, "agreements", total)
        add_agreement(presenter, "Elke maand bespreken we samen een les", "het team", "2027-02-01")
        expect(one.get_by_test_id("phone-phase")).to_contain_text(
            "Elke maand bespreken", timeout=WAIT
        )

        # The polls carried the version they had: unchanged state came back as 304 (and was
        # not swapped in, or the agreement above would have vanished).
        presenter.wait_for_timeout(4500)
        assert 304 in polls and 200 in polls, polls
        expect(presenter.get_by_test_id("agreement")).to_contain_text("Elke maand bespreken")

        # The presenter survives a reload: same phase, same agreements.
        presenter.reload()
        expect(presenter.get_by_test_id("phase")).to_have_attribute("data-phase", "agreements")
        expect(presenter.get_by_test_id("agreement")).to_contain_text("Elke maand bespreken")

        presenter.goto(f"{demo}/s/de-regenboog/focus/{session.pk}/summary/")
        row = presenter.get_by_test_id("summary-agreements").get_by_test_id("agreement-row")
        expect(row).to_contain_text("Elke maand bespreken we samen een les")
        expect(row).to_contain_text("2027")
        expect(presenter.get_by_test_id("top-reaction").first).to_contain_text("Ja, we praten")
    finally:
        for ctx in (beamer, *phones):
            ctx.close()
