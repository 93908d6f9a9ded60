"""Calendar feeds (iCalendar): parsed by the icalendar library and by vobject, an independent
parser; stable UIDs, rising SEQUENCE, cancellations, secret addresses that can be reset."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import icalendar
import pytest
import vobject
from django.test import Client
from django.utils import timezone

from dialoog.logging import RedactTokensFilter
from planning.feeds import build, prune_cancelled
from planning.models import Activity, CalendarFeed, CancelledActivity, Topic
from schools.models import Membership, School, User

from .factories import MembershipFactory, UserFactory

Login = Callable[[User], Client]


def at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def meeting(school: School, **fields: Any) -> Activity:
    fields.setdefault("kind", Activity.Kind.TEAM_MEETING)
    fields.setdefault("title", "Teamvergadering")
    fields.setdefault("starts_at", at(timezone.localdate() + timedelta(days=14)))
    fields.setdefault("agenda", "1. Opening\n2. Wat kan wel en wat niet?")
    return Activity.objects.create(school=school, **fields)


def fetch(client: Client, key: str) -> bytes:
    response = client.get(f"/feed/{key}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    return response.content


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_parses_with_icalendar_and_vobject(client: Client, school: School) -> None:
    weekly = meeting(
        school,
        place="Teamkamer",
        repeat_weeks=6,
        repeat_until=timezone.localdate() + timedelta(days=200),
    )
    once = meeting(school, title="Studiedag", kind=Activity.Kind.STUDY_DAY, agenda="")
    key = CalendarFeed.issue(school, None)
    body = fetch(client, key)

    parsed = events(body)
    assert set(parsed) == {f"{weekly.uid}@dialoog", f"{once.uid}@dialoog"}
    event = parsed[f"{weekly.uid}@dialoog"]
    assert str(event["SUMMARY"]) == "Teamvergadering"
    assert str(event["LOCATION"]) == "Teamkamer"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == weekly.starts_at
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert event["RRULE"]["FREQ"] == ["WEEKLY"] and event["RRULE"]["INTERVAL"] == [6]
    assert "Wat kan wel en wat niet?" in str(event["DESCRIPTION"])
    assert f"/s/{school.slug}/plan/{weekly.pk}/" in str(event["URL"])
    assert icalendar.Calendar.from_ical(body).walk("VTIMEZONE"), "the zone travels with it"

    # A second parser, written independently, reads the same events and expands the repeat.
    cal = vobject.readOne(body.decode())
    by_uid = {e.uid.value: e for e in cal.vevent_list}
    assert set(by_uid) == set(parsed)
    repeating = by_uid[f"{weekly.uid}@dialoog"]
    dates = list(repeating.getrruleset())
    assert dates[0] == weekly.starts_at
    assert dates[1] - dates[0] == timedelta(weeks=6)
    until = weekly.repeat_until
    assert until is not None
    assert all(d.date() <= until for d in dates)
    assert len(dates) == len(weekly.moments(weekly.starts_at.date(), until))
    assert by_uid[f"{once.uid}@dialoog"].summary.value == "Studiedag"


@pytest.mark.parametrize("month,offset", [(6, 2), (12, 1)])
def test_both_parsers_agree_on_summer_and_winter_time(
    client: Client, school: School, month: int, offset: int
) -> None:
    day = date(timezone.localdate().year + 1, month, 15)
    activity = meeting(school, starts_at=at(day, 15))
    body = fetch(client, CalendarFeed.issue(school, None))
    by_icalendar = events(body)[f"{activity.uid}@dialoog"].decoded("DTSTART")
    by_vobject = vobject.readOne(body.decode()).vevent.dtstart.value
    for moment in (by_icalendar, by_vobject):
        assert moment == activity.starts_at
        assert moment.utcoffset() == timedelta(hours=offset)
        assert (moment.hour, moment.minute) == (15, 0)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body


def test_a_moved_activity_keeps_its_uid_and_raises_its_sequence(
    client: Client, school: School, leader: User, login: Login
) -> None:
    activity = meeting(school)
    key = CalendarFeed.issue(school, None)
    before = events(fetch(client, key))[f"{activity.uid}@dialoog"]

    leader_client = login(leader)
    new_day = timezone.localdate() + timedelta(days=21)
    response = leader_client.post(
        f"/s/{school.slug}/plan/{activity.pk}/edit/",
        {
            "kind": "team_meeting",
            "title": "Teamvergadering",
            "day": new_day.isoformat(),
            "at": "16:00",
            "duration_minutes": "60",
            "agenda": activity.agenda,
            "repeat_weeks": "0",
        },
    )
    assert response.status_code == 302
    client.logout()
    after = events(fetch(Client(), key))[f"{activity.uid}@dialoog"]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after.decoded("DTSTART") == at(new_day, 16)

    # Saving without a change is not a new revision: calendars do not flicker.
    activity.refresh_from_db()
    activity.save()
    activity.refresh_from_db()
    assert activity.sequence == 1


def test_activities_loaded_in_part_still_count_revisions_and_a_school_can_be_deleted(
    school: School,
) -> None:
    """A cascade delete loads activities with only their ids; that used to recurse without
    end. Loaded in part, a change to a loaded field is still a new revision."""
    activity = meeting(school)
    partial = Activity.objects.only("pk", "title", "sequence").get(pk=activity.pk)
    partial.title = "Studiemiddag"
    partial.save(update_fields=["title"])
    activity.refresh_from_db()
    assert (activity.title, activity.sequence) == ("Studiemiddag", 1)

    school.delete()
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_a_cancelled_activity_is_announced_then_forgotten(client: Client, school: School) -> None:
    activity = meeting(school)
    uid = f"{activity.uid}@dialoog"
    key = CalendarFeed.issue(school, None)
    activity.cancel()
    event = events(fetch(client, key))[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert not Activity.objects.filter(pk=activity.pk).exists()

    later = timezone.now() + timedelta(days=200)
    assert prune_cancelled(later) == 1
    assert not CancelledActivity.objects.exists()
    assert uid not in events(fetch(client, key))


def test_deleting_in_the_app_cancels_in_the_feed(
    client: Client, school: School, leader: User, login: Login
) -> None:
    activity = meeting(school)
    key = CalendarFeed.issue(school, None)
    login(leader).post(f"/s/{school.slug}/plan/{activity.pk}/delete/")
    event = events(fetch(Client(), key))[f"{activity.uid}@dialoog"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_personal_feed_marks_what_you_help_prepare_and_hides_private_notes(
    client: Client, school: School, teacher: User
) -> None:
    mine = meeting(school, private_notes="Let op: spanning tussen twee collega's")
    other = meeting(school, title="Intervisie", kind=Activity.Kind.PEER_CONSULTATION)
    mine.helpers.add(teacher)
    Topic.objects.create(school=school, text="Werkdruk", status="planned", activity=mine)
    key = CalendarFeed.issue(school, teacher)
    body = fetch(client, key)
    parsed = events(body)
    assert "Je helpt dit voorbereiden." in str(parsed[f"{mine.uid}@dialoog"]["DESCRIPTION"])
    assert "Onderwerpen uit het team:\n- Werkdruk" in str(
        parsed[f"{mine.uid}@dialoog"]["DESCRIPTION"]
    )
    assert "voorbereiden" not in str(parsed[f"{other.uid}@dialoog"]["DESCRIPTION"])
    assert b"spanning" not in body


def test_personal_feed_stops_when_the_person_leaves(client: Client, school: School) -> None:
    teacher = UserFactory.create()
    membership = MembershipFactory.create(user=teacher, school=school)
    key = CalendarFeed.issue(school, teacher)
    assert client.get(f"/feed/{key}.ics").status_code == 200
    membership.delete()
    assert client.get(f"/feed/{key}.ics").status_code == 404


def test_reset_makes_the_old_address_stop(client: Client, school: School) -> None:
    old = CalendarFeed.issue(school, None)
    new = CalendarFeed.issue(school, None)
    assert client.get(f"/feed/{old}.ics").status_code == 404
    assert client.get(f"/feed/{new}.ics").status_code == 200
    assert client.get("/feed/not-a-real-key-at-all.ics").status_code == 404
    assert CalendarFeed.objects.count() == 1


def test_only_the_hash_is_stored(school: School) -> None:
    key = CalendarFeed.issue(school, None)
    assert not CalendarFeed.objects.filter(key_hash__contains=key).exists()
    assert len(key) >= 32


def test_feed_query_count_does_not_grow(
    school: School, teacher: User, django_assert_num_queries: Any
) -> None:
    for n in range(30):
        a = meeting(school, title=f"Moment {n}", starts_at=at(date(2026, 9, 1) + timedelta(n)))
        a.helpers.add(teacher)
    with django_assert_num_queries(4):
        build(school, teacher)


def test_subscription_page_shows_the_address_once(
    school: School, leader: User, teacher: User, login: Login
) -> None:
    client = login(teacher)
    page = client.get(f"/s/{school.slug}/plan/subscribe/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert 'data-testid="feed-school"' not in page.content.decode()
    made = client.post(f"/s/{school.slug}/plan/subscribe/", {"which": "me"})
    url = made.context["new_url"]
    assert url.startswith("http://testserver/feed/") and url.endswith(".ics")
    assert Client().get(url.removeprefix("http://testserver")).status_code == 200
    assert url not in client.get(f"/s/{school.slug}/plan/subscribe/").content.decode()

    # A teacher cannot make the school's feed; a bad choice is explained, nothing is made.
    refused = client.post(f"/s/{school.slug}/plan/subscribe/", {"which": "school"}, follow=True)
    assert "Kies welk agenda-adres" in refused.content.decode()
    assert not CalendarFeed.objects.filter(user__isnull=True).exists()

    leader_client = login(leader)
    leader_client.post(f"/s/{school.slug}/plan/subscribe/", {"which": "school"})
    assert CalendarFeed.objects.filter(school=school, user__isnull=True).exists()


def test_feed_addresses_never_reach_the_log(school: School) -> None:
    key = CalendarFeed.issue(school, None)
    record = logging.LogRecord(
        "django.request", logging.INFO, __file__, 1, f'"GET /feed/{key}.ics HTTP/1.1" 200', (), None
    )
    RedactTokensFilter().filter(record)
    assert key not in record.getMessage()


@pytest.mark.parametrize(
    "language,name,help_line",
    [("nl", "mijn agenda", "Je helpt dit voorbereiden."), ("en", "my calendar", "You help")],
)
def test_feed_speaks_the_persons_language(
    client: Client, school: School, language: str, name: str, help_line: str
) -> None:
    person = UserFactory.create(language=language)
    MembershipFactory.create(user=person, school=school, role=Membership.Role.TEACHER)
    meeting(school).helpers.add(person)
    body = icalendar.Calendar.from_ical(fetch(client, CalendarFeed.issue(school, person)))
    assert str(body["X-WR-CALNAME"]) == f"{school.name}: {name}"
    assert help_line in str(body.walk("VEVENT")[0]["DESCRIPTION"])


def test_the_daily_task_prunes_old_cancellations(school: School) -> None:
    from planning.tasks import prune_cancelled_activities

    meeting(school).cancel()
    fresh = meeting(school, title="Nog even zichtbaar")
    fresh.cancel()
    CancelledActivity.objects.exclude(uid=fresh.uid).update(
        cancelled_at=timezone.now() - timedelta(days=121)
    )
    assert prune_cancelled_activities.delay().get() == 1
    assert list(CancelledActivity.objects.values_list("uid", flat=True)) == [fresh.uid]
