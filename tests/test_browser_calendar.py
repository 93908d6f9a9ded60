"""The annual calendar in a real browser: from a suggestion to a repeating practice session,
a teacher's topic onto its agenda, and the year view showing it all."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from planning.models import Activity, Topic, school_year

from .browser_helpers import TEACHER_EMAIL, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCHOOL = "/s/de-regenboog"
TITLE = "Oefenen: doorvragen en feedback"
TOPIC = "Hoe bespreken we lastige lesobservaties?"


def test_suggestion_to_repeating_practice_with_a_teachers_topic_in_the_year_view(
    browser: Browser,
    demo: str,
) -> None:
    from surveys.models import Round

    round_ = Round.objects.filter(school__slug="de-regenboog").order_by("-opens_at")[0]
    start, end = school_year(timezone.localdate())
    first_day = timezone.localdate() + timedelta(days=14)
    until = end - timedelta(days=30)

    leader = browser.new_context(viewport={"width": 1280, "height": 900})
    teacher = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = leader.new_page()
        log_in(page, demo)
        page.goto(f"{demo}{SCHOOL}/rounds/{round_.pk}/results/")
        card = page.get_by_test_id("suggestion").first
        card.locator("button[value=chosen]").click()
        page.get_by_test_id("suggestion").first.get_by_test_id("to-calendar").click()

        # The edit form of the new activity: make it a practice session every six weeks.
        expect(page.locator("select[name=kind]")).to_be_visible()
        page.locator("select[name=kind]").select_option("conversation_practice")
        page.locator("input[name=title]").fill(TITLE)
        page.locator("input[name=day]").fill(first_day.isoformat())
        page.locator("input[name=repeat_weeks]").fill("6")
        page.locator("input[name=repeat_until]").fill(until.isoformat())
        page.locator("input[name=submit]").click()
        expect(page.locator(".alert-success").first).to_be_visible()
        practice = Activity.objects.get(title=TITLE)
        assert practice.repeat_weeks == 6 and practice.suggestion_key

        # A teacher, on a phone, suggests a topic.
        phone = teacher.new_page()
        log_in(phone, demo, email=TEACHER_EMAIL)
        phone.goto(f"{demo}{SCHOOL}/plan/topics/")
        phone.locator("textarea[name=text]").fill(TOPIC)
        phone.get_by_test_id("topic-form").locator("button[type=submit]").click()
        expect(phone.get_by_test_id("open-topics")).to_contain_text(TOPIC)
        screenshot(phone, "calendar-topic-phone")

        # The leader puts it on the practice session's agenda.
        page.goto(f"{demo}{SCHOOL}/plan/topics/")
        row = page.get_by_test_id("topic").filter(has_text=TOPIC)
        first_meeting = practice.moments(timezone.localdate(), end)[0].date()
        row.locator("select[name=activity]").select_option(f"{practice.pk}@{first_meeting}")
        row.get_by_role("button", name="Op de agenda zetten").click()
        expect(page.get_by_test_id("planned-topics")).to_contain_text(TOPIC)
        assert Topic.objects.get(text=TOPIC).activity_id == practice.pk

        # The year view: every six-weekly meeting, the first with the team's topic on it.
        page.goto(f"{demo}{SCHOOL}/plan/")
        moments = practice.moments(start, end)
        assert len(moments) >= 3
        occurrences = page.get_by_test_id("occurrence").filter(has_text=TITLE)
        expect(occurrences).to_have_count(len(moments))
        with_topic = occurrences.filter(has=page.get_by_test_id("topic-badge"))
        expect(with_topic).to_have_count(1)
        expect(with_topic.locator("time")).to_have_attribute(
            "datetime", re.compile("^" + first_meeting.isoformat())
        )
        screenshot(page, "calendar-year")

        # The activity itself carries the topic; the teacher can offer to help prepare.
        phone.goto(f"{demo}{SCHOOL}/plan/{practice.pk}/")
        expect(phone.get_by_test_id("activity-topics")).to_contain_text(TOPIC)
        phone.get_by_test_id("offer-help").click()
        expect(phone.get_by_test_id("helpers")).to_contain_text("Anouk")
    finally:
        leader.close()
        teacher.close()
