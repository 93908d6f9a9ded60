"""The leader finds a teacher by typing, corrects their details and moves them to another
team, marks a colleague who left, and sees the school's count of teachers drop; the list
stays usable on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .browser_helpers import DASHBOARD_PATH, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE_PATH = f"{DASHBOARD_PATH}people/"


def test_leader_searches_edits_moves_and_marks_a_leaver_and_the_count_drops(
    page: Page,
    demo: str,
) -> None:
    from schools.models import Departure, Membership

    log_in(page, demo)
    expect(page).to_have_url(f"{demo}{DASHBOARD_PATH}")
    expect(page.get_by_text("12 leerkrachten", exact=True)).to_be_visible()
    page.goto(f"{demo}{PEOPLE_PATH}")
    count = page.get_by_test_id("teacher-count")
    expect(count).to_contain_text("12 leerkrachten op deze school")
    rows = page.get_by_test_id("people-table").locator("tbody tr")

    # Typing filters the list without a page load (htmx); the address keeps the search.
    page.get_by_label("Zoek op naam of e-mailadres").press_sequentially("daan", delay=30)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Daan Smit")
    expect(page).to_have_url(re.compile(r"\?q=daan$"))

    rows.first.get_by_role("link", name=re.compile("^Wijzigen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daan Smit")
    screenshot(page, "person-edit")
    page.get_by_role("textbox", name=re.compile("^Naam")).fill("Daan Smit-Visser")
    page.get_by_role("textbox", name=re.compile("^E-mailadres")).fill("Daan.Smit@Regenboog.test")
    page.get_by_role("combobox", name="Team").select_option(label="Bovenbouw")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("De gegevens van Daan Smit-Visser zijn opgeslagen.")).to_be_visible()
    row = page.locator('tr[data-email="daan.smit@regenboog.test"]')
    expect(row).to_contain_text("Daan Smit-Visser")
    expect(row).to_contain_text("Bovenbouw")

    # Anouk has left: found by part of her address, marked, listed apart, not counted.
    search = page.get_by_label("Zoek op naam of e-mailadres")
    search.fill("leerkracht1@")
    expect(rows).to_have_count(1)  # not leerkracht10@ to 12@
    page.locator('tr[data-email="leerkracht1@regenboog.test"]').get_by_role(
        "link", name=re.compile("^Wijzigen")
    ).click()
    page.get_by_role("button", name="Markeren als vertrokken").click()
    expect(page.get_by_text("Anouk de Vries staat nu bij wie vertrokken is")).to_be_visible()
    expect(count).to_contain_text("11 leerkrachten op deze school")
    leavers = page.get_by_test_id("leavers")
    expect(leavers).to_contain_text("Anouk de Vries")
    expect(page.locator('tr[data-email="leerkracht1@regenboog.test"]')).to_have_count(0)
    screenshot(page, "people-laptop")

    # The scrolling table is reached by keyboard and named.
    region = page.get_by_role("region", name="Personen")
    region.focus()
    expect(region).to_be_focused()

    page.goto(f"{demo}{DASHBOARD_PATH}")
    expect(page.get_by_text("11 leerkrachten", exact=True)).to_be_visible()
    assert Departure.objects.filter(user__email="leerkracht1@regenboog.test").exists()
    moved = Membership.objects.select_related("team").get(user__email="daan.smit@regenboog.test")
    assert moved.team is not None and moved.team.name == "Bovenbouw"

    # On a phone the page and the list fit the screen's width: nothing to scroll sideways.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{demo}{PEOPLE_PATH}")
    expect(count).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    assert region.evaluate("e => e.scrollWidth <= e.clientWidth")
    expect(page.locator('tr[data-email="daan.smit@regenboog.test"]')).to_contain_text(
        "Leerkracht · Bovenbouw"
    )
    screenshot(page, "people-phone")
