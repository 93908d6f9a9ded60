"""Teachers take part: topics for meetings with votes, the leader puts them on an agenda, a
teacher offers to help prepare; and the activity page teachers can open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from planning.models import Activity, Topic, TopicVote
from planning.topics import MAX_OPEN_TOPICS_PER_PERSON
from schools.models import Membership, School, Team, User

from .factories import MembershipFactory, UserFactory

Login = Callable[[User], Client]


def soon(days: int = 10) -> datetime:
    return datetime.combine(
        timezone.localdate() + timedelta(days=days),
        time(15),
        tzinfo=timezone.get_current_timezone(),
    )


def meeting(school: School, **fields: Any) -> Activity:
    fields.setdefault("kind", Activity.Kind.TEAM_MEETING)
    fields.setdefault("title", "Teamvergadering")
    fields.setdefault("starts_at", soon())
    return Activity.objects.create(school=school, **fields)


def topics_url(school: School, rest: str = "") -> str:
    return f"/s/{school.slug}/plan/topics/{rest}"


def colleague(school: School, team: Team) -> User:
    user = UserFactory.create(full_name="Cor Collega")
    MembershipFactory.create(user=user, school=school, team=team, role=Membership.Role.TEACHER)
    return user


def test_teacher_suggests_a_topic_without_their_name(
    school: School, teacher: User, leader: User, login: Login
) -> None:
    client = login(teacher)
    response = client.post(topics_url(school), {"text": "  Hoe  geven we elkaar feedback? "})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.text == "Hoe geven we elkaar feedback?"
    assert topic.suggested_by == teacher and not topic.show_name
    page = login(leader).get(topics_url(school)).content.decode()
    assert "Hoe geven we elkaar feedback?" in page
    assert teacher.full_name not in page


def test_the_name_shows_when_chosen(school: School, teacher: User, login: Login) -> None:
    client = login(teacher)
    client.post(topics_url(school), {"text": "Werkdruk", "show_name": "on"})
    assert (
        f"Voorgesteld door {teacher.full_name}" in client.get(topics_url(school)).content.decode()
    )


def test_bad_topic_input_is_explained_and_kept(school: School, teacher: User, login: Login) -> None:
    client = login(teacher)
    empty = client.post(topics_url(school), {"text": "   "})
    assert empty.status_code == 400
    assert "Schrijf het onderwerp op." in empty.content.decode()
    long_text = "x" * 301
    too_long = client.post(topics_url(school), {"text": long_text, "show_name": "on"})
    assert too_long.status_code == 400
    assert "maximaal 300 tekens" in too_long.content.decode()
    assert long_text in too_long.content.decode()
    assert not Topic.objects.exists()

    english = login(teacher)
    english.cookies["django_language"] = "en"
    assert (
        "Write down the topic." in english.post(topics_url(school), {"text": ""}).content.decode()
    )


def test_a_person_can_have_only_so_many_open_topics(
    school: School, teacher: User, login: Login
) -> None:
    for n in range(MAX_OPEN_TOPICS_PER_PERSON):
        Topic.objects.create(school=school, text=f"Onderwerp {n}", suggested_by=teacher)
    response = login(teacher).post(topics_url(school), {"text": "Nog eentje"})
    assert response.status_code == 400
    assert "Nog eentje" in response.content.decode()
    assert Topic.objects.count() == MAX_OPEN_TOPICS_PER_PERSON


def test_vote_and_take_it_back(school: School, team: Team, teacher: User, login: Login) -> None:
    topic = Topic.objects.create(school=school, text="Werkdruk")
    other = colleague(school, team)
    login(other).post(topics_url(school, f"{topic.pk}/vote/"))
    client = login(teacher)
    response = client.post(topics_url(school, f"{topic.pk}/vote/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="vote-count">2<' in html and 'aria-pressed="true"' in html
    assert "<html" not in html
    client.post(topics_url(school, f"{topic.pk}/vote/"))
    assert list(TopicVote.objects.values_list("user", flat=True)) == [other.pk]


def test_topics_are_ordered_by_votes(school: School, team: Team, teacher: User) -> None:
    few = Topic.objects.create(school=school, text="Weinig stemmen")
    many = Topic.objects.create(school=school, text="Veel stemmen")
    TopicVote.objects.create(topic=many, user=teacher)
    TopicVote.objects.create(topic=many, user=colleague(school, team))
    ordered = list(
        Topic.objects.for_school(school).with_votes(teacher).order_by("-vote_count", "pk")
    )
    assert ordered == [many, few]
    assert ordered[0].my_vote and not ordered[1].my_vote


def test_leader_puts_a_topic_on_the_agenda(
    school: School, leader: User, teacher: User, login: Login
) -> None:
    activity = meeting(school, agenda="1. Opening")
    topic = Topic.objects.create(school=school, text="Werkdruk", suggested_by=teacher)
    client = login(leader)
    assert "Put on the agenda" not in client.get(topics_url(school)).content.decode()
    response = client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": activity.pk})
    assert response.status_code == 302
    activity.refresh_from_db()
    topic.refresh_from_db()
    assert activity.agenda == "1. Opening\n- Werkdruk"
    assert activity.sequence == 1, "subscribed calendars get the new agenda"
    assert topic.status == Topic.Status.PLANNED and topic.activity == activity
    # Voting is closed once it is planned.
    login(teacher).post(topics_url(school, f"{topic.pk}/vote/"))
    assert not TopicVote.objects.exists()


def test_planning_needs_a_meeting_of_this_school(
    school: School, leader: User, other_school: School, login: Login
) -> None:
    foreign = meeting(other_school)
    topic = Topic.objects.create(school=school, text="Werkdruk")
    client = login(leader)
    for bad in ["", "abc", str(foreign.pk), "9" * 30]:
        response = client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": bad})
        assert response.status_code == 302
    topic.refresh_from_db()
    foreign.refresh_from_db()
    assert topic.status == Topic.Status.OPEN and foreign.agenda == ""
    page = client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": ""}, follow=True)
    assert "Kies de bijeenkomst" in page.content.decode()


def test_teacher_cannot_plan_or_set_aside(school: School, teacher: User, login: Login) -> None:
    activity = meeting(school)
    topic = Topic.objects.create(school=school, text="Werkdruk")
    client = login(teacher)
    response = client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": activity.pk})
    assert response.status_code in (403, 404)
    topic.refresh_from_db()
    assert topic.status == Topic.Status.OPEN
    client.post(topics_url(school, f"{topic.pk}/set-aside/"))
    topic.refresh_from_db()
    assert topic.status == Topic.Status.OPEN


def test_set_aside_and_reopen(school: School, leader: User, login: Login) -> None:
    topic = Topic.objects.create(school=school, text="Werkdruk")
    client = login(leader)
    client.post(topics_url(school, f"{topic.pk}/set-aside/"))
    topic.refresh_from_db()
    assert topic.status == Topic.Status.SET_ASIDE
    client.post(topics_url(school, f"{topic.pk}/set-aside/"))
    topic.refresh_from_db()
    assert topic.status == Topic.Status.OPEN


def test_only_the_author_withdraws(school: School, team: Team, teacher: User, login: Login) -> None:
    topic = Topic.objects.create(school=school, text="Werkdruk", suggested_by=teacher)
    assert (
        login(colleague(school, team)).post(topics_url(school, f"{topic.pk}/withdraw/")).status_code
        == 404
    )
    assert Topic.objects.exists()
    login(teacher).post(topics_url(school, f"{topic.pk}/withdraw/"))
    assert not Topic.objects.exists()


def test_teacher_offers_to_help_prepare(
    school: School, teacher: User, leader: User, login: Login
) -> None:
    activity = meeting(school, private_notes="Spanning in de bovenbouw")
    client = login(teacher)
    page = client.get(f"/s/{school.slug}/plan/{activity.pk}/").content.decode()
    assert "Spanning in de bovenbouw" not in page
    assert 'data-testid="activity-edit"' not in page
    client.post(f"/s/{school.slug}/plan/{activity.pk}/help/")
    assert list(activity.helpers.all()) == [teacher]
    leader_page = login(leader).get(f"/s/{school.slug}/plan/{activity.pk}/").content.decode()
    assert teacher.full_name in leader_page and "Spanning in de bovenbouw" in leader_page
    # The leader is not a teacher here: no offer button, and the POST is refused.
    assert 'data-testid="offer-help"' not in leader_page
    assert login(leader).post(f"/s/{school.slug}/plan/{activity.pk}/help/").status_code == 404
    login(teacher).post(f"/s/{school.slug}/plan/{activity.pk}/help/")
    assert not activity.helpers.exists()


def test_topics_page_query_count_does_not_grow(
    school: School, team: Team, leader: User, login: Login, django_assert_max_num_queries: Any
) -> None:
    client = login(leader)
    meeting(school)
    Topic.objects.create(school=school, text="Eerste")
    client.get(topics_url(school))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(topics_url(school))
    for n in range(20):
        topic = Topic.objects.create(school=school, text=f"Onderwerp {n}", suggested_by=leader)
        TopicVote.objects.create(topic=topic, user=leader)
        meeting(school, title=f"Vergadering {n}", starts_at=soon(n + 2))
    with CaptureQueriesContext(connection) as many:
        client.get(topics_url(school))
    assert len(many) == len(few)


def test_meetings_for_agenda_skip_the_past_and_list_each_meeting_of_a_series(
    school: School,
) -> None:
    from planning.topics import upcoming_meetings

    meeting(school, title="Voorbij", starts_at=soon(-3))
    repeating = meeting(
        school,
        title="Elke zes weken",
        starts_at=soon(-1),
        repeat_weeks=6,
        repeat_until=timezone.localdate() + timedelta(days=300),
    )
    meeting(school, title="Vragenlijst", kind=Activity.Kind.QUESTIONNAIRE)
    found = upcoming_meetings(school, limit=3)
    assert [a.title for a, _moment in found] == ["Elke zes weken"] * 3
    assert [m.date() for _a, m in found] == [
        repeating.starts_at.date() + timedelta(weeks=6 * n) for n in (1, 2, 3)
    ]


def test_a_topic_goes_on_one_meeting_of_a_series(
    school: School, leader: User, login: Login
) -> None:
    series = meeting(
        school,
        agenda="1. Opening",
        repeat_weeks=6,
        repeat_until=timezone.localdate() + timedelta(days=200),
    )
    second = (series.starts_at + timedelta(weeks=6)).date()
    topic = Topic.objects.create(school=school, text="Werkdruk")
    client = login(leader)
    page = client.get(topics_url(school)).content.decode()
    assert f'value="{series.pk}@{second.isoformat()}"' in page
    # A date that is not one of the series' meetings, or no date at all, is refused.
    for bad in [
        str(series.pk),
        f"{series.pk}@{(second + timedelta(days=1)).isoformat()}",
        f"{series.pk}@morgen",
    ]:
        client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": bad})
        topic.refresh_from_db()
        assert topic.status == Topic.Status.OPEN, bad
    client.post(topics_url(school, f"{topic.pk}/plan/"), {"activity": f"{series.pk}@{second}"})
    topic.refresh_from_db()
    series.refresh_from_db()
    assert topic.status == Topic.Status.PLANNED and topic.occurs_on == second
    assert series.agenda == "1. Opening", "the series' shared agenda is left alone"

    from planning.calendar import occurrences_with_topics

    counted = {
        moment.date(): n
        for _a, moment, n in occurrences_with_topics(
            school, timezone.localdate(), timezone.localdate() + timedelta(days=200)
        )
    }
    assert counted[second] == 1
    assert sum(counted.values()) == 1
    detail = client.get(f"/s/{school.slug}/plan/{series.pk}/").content.decode()
    assert "Werkdruk" in detail
