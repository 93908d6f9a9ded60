"""The leader sees an R2 nudge on the dashboard, follows its link, plans a focus group in the
calendar, and the next scan resolves the nudge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from .browser_helpers import DASHBOARD_PATH, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_leader_follows_an_r2_nudge_plans_a_focus_group_and_the_nudge_resolves(
    page: Page,
    demo: str,
) -> None:
    from focusgroups.models import FocusSession
    from nudges.models import Nudge, Rule
    from nudges.rules import DISCUSSION_KINDS
    from planning.models import Activity

    # The demo's latest round (closed six weeks ago, the team split on collective learning)
    # as if its focus group had not happened and nothing were planned to talk about it.
    FocusSession.objects.filter(round__school__slug="de-regenboog").delete()
    Activity.objects.filter(school__slug="de-regenboog", kind__in=DISCUSSION_KINDS).delete()
    Nudge.objects.filter(rule=Rule.R2_NAME_IT).delete()
    call_command("send_nudges")
    nudge = Nudge.objects.get(rule=Rule.R2_NAME_IT, recipient__email="leider@regenboog.test")
    assert nudge.state == Nudge.State.OPEN

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": demo}])
    log_in(page, demo)
    expect(page).to_have_url(f"{demo}{DASHBOARD_PATH}")
    card = page.locator('[data-testid="dashboard-nudges"] [data-rule="r2_name_it"]')
    expect(card).to_contain_text("Name what you see")
    screenshot(page, "nudge-r2-dashboard")
    card.get_by_test_id("nudge-link").click()

    expect(page.locator("select[name=kind]")).to_have_value("focus_group")
    day = timezone.localdate() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    page.locator("input[name=day]").fill(day.isoformat())
    page.locator("input[name=at]").fill("15:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("The activity was added")
    assert Activity.objects.filter(school__slug="de-regenboog", kind="focus_group").exists()

    call_command("send_nudges")
    nudge.refresh_from_db()
    assert nudge.state == Nudge.State.RESOLVED
    page.goto(f"{demo}{DASHBOARD_PATH}")
    expect(page.locator('[data-rule="r2_name_it"]')).to_have_count(0)
    screenshot(page, "nudge-r2-resolved")
