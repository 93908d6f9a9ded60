"""The annual calendar (jaarkalender): activities, repeats, holidays, coverage, tenancy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from focusgroups.models import Agreement, FocusSession
from interventions.models import Intervention, Recommendation, Theme
from planning.calendar import next_working_day, seed_year_plan
from planning.models import Activity, SchoolHoliday, school_year
from schools.models import School, Team, User
from surveys.models import SuggestionChoice

from .test_exports import closed_round, report_of

Login = Callable[[User], Client]


def at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def plan_url(school: School, rest: str = "") -> str:
    return f"/s/{school.slug}/plan/{rest}"


def activity(school: School, **fields: Any) -> Activity:
    fields.setdefault("kind", Activity.Kind.TEAM_MEETING)
    fields.setdefault("title", "Teamvergadering")
    fields.setdefault("starts_at", at(date(2026, 9, 8)))
    return Activity.objects.create(school=school, **fields)


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "kind": "team_meeting",
        "title": "Teamvergadering dialoog",
        "day": "2026-09-08",
        "at": "15:30",
        "duration_minutes": "90",
        "place": "Teamkamer",
        "agenda": "Professionele dialoog",
        "repeat_weeks": "0",
        "repeat_until": "",
        "private_notes": "",
    }
    data.update(overrides)
    return data


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


# --- school year and occurrences --------------------------------------------------------------


def test_school_year_runs_august_to_july() -> None:
    assert school_year(date(2026, 8, 1)) == (date(2026, 8, 1), date(2027, 7, 31))
    assert school_year(date(2027, 7, 31)) == (date(2026, 8, 1), date(2027, 7, 31))
    assert school_year(date(2027, 1, 15)) == (date(2026, 8, 1), date(2027, 7, 31))


def test_occurrences_repeat_every_six_weeks_until_a_date(school: School) -> None:
    activity(school, repeat_weeks=6, repeat_until=date(2027, 1, 31))
    activity(school, title="Studiedag", starts_at=at(date(2026, 10, 5), 9))
    pairs = Activity.objects.for_school(school).occurrences(date(2026, 8, 1), date(2027, 7, 31))
    meetings = [m.date() for a, m in pairs if a.title == "Teamvergadering"]
    assert meetings == [
        date(2026, 9, 8),
        date(2026, 10, 20),
        date(2026, 12, 1),
        date(2027, 1, 12),
    ]
    # Same wall-clock time after the change to winter time.
    assert all(m.time() == time(15) for a, m in pairs if a.title == "Teamvergadering")
    assert [a.title for a, _m in pairs].index("Studiedag") == 1


# --- forms --------------------------------------------------------------------------------------


def test_leader_adds_an_activity(school: School, leader: User, login: Login) -> None:
    client = login(leader)
    assert client.get(plan_url(school, "new/")).status_code == 200
    response = client.post(plan_url(school, "new/"), form_data(), follow=True)
    assert response.status_code == 200
    saved = Activity.objects.get(school=school)
    assert saved.title == "Teamvergadering dialoog"
    assert timezone.localtime(saved.starts_at).time() == time(15, 30)
    assert saved.created_by == leader
    assert "Teamvergadering dialoog" in response.content.decode()


def test_leader_edits_an_activity(school: School, leader: User, login: Login) -> None:
    existing = activity(school)
    client = login(leader)
    page = client.get(plan_url(school, f"{existing.pk}/edit/")).content.decode()
    assert 'value="2026-09-08"' in page
    client.post(plan_url(school, f"{existing.pk}/edit/"), form_data(title="Nieuwe titel"))
    existing.refresh_from_db()
    assert existing.title == "Nieuwe titel"


def test_bad_input_gives_clear_messages_and_keeps_input(
    school: School, leader: User, login: Login
) -> None:
    client = english(login(leader))
    response = client.post(
        plan_url(school, "new/"),
        form_data(
            title="",
            duration_minutes="0",
            repeat_weeks="6",
            repeat_until="2026-09-01",
            agenda="Wat ik al typte",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the activity a title." in page
    assert "The duration must be at least 1 minute." in page
    assert "The repeat cannot end before the first date." in page
    assert "Wat ik al typte" in page
    assert not Activity.objects.exists()

    page = client.post(plan_url(school, "new/"), form_data(day="")).content.decode()
    assert "Choose a date." in page
    assert "Teamvergadering dialoog" in page
    assert not Activity.objects.exists()


def test_repeat_needs_both_fields(school: School, leader: User, login: Login) -> None:
    client = english(login(leader))
    page = client.post(plan_url(school, "new/"), form_data(repeat_weeks="6")).content.decode()
    assert "Choose the date until which it repeats." in page
    page = client.post(
        plan_url(school, "new/"), form_data(repeat_weeks="", repeat_until="2027-01-01")
    ).content.decode()
    assert "Choose every how many weeks it repeats." in page
    assert not Activity.objects.exists()
    client.post(plan_url(school, "new/"), form_data(repeat_weeks=""))
    assert Activity.objects.get().repeat_weeks == 0


def test_bad_input_in_dutch_by_default(school: School, leader: User, login: Login) -> None:
    response = login(leader).post(plan_url(school, "new/"), form_data(title=""))
    assert response.status_code == 200
    assert not Activity.objects.exists()


def test_empty_post_shows_errors(school: School, leader: User, login: Login) -> None:
    response = english(login(leader)).post(plan_url(school, "new/"), {})
    assert "Give the activity a title." in response.content.decode()


def test_a_date_in_a_holiday_warns_but_saves(school: School, leader: User, login: Login) -> None:
    holiday = SchoolHoliday.objects.get(
        region=school.region, name="Kerstvakantie", starts_on=date(2026, 12, 19)
    )
    client = english(login(leader))
    response = client.post(plan_url(school, "new/"), form_data(day="2026-12-21"), follow=True)
    page = response.content.decode()
    assert Activity.objects.filter(school=school).count() == 1
    assert f"falls in the {holiday.name.lower()} of your region" in page

    response = client.post(plan_url(school, "new/"), form_data(day="2026-12-15"), follow=True)
    assert "of your region" not in response.content.decode()


def test_leader_deletes_an_activity(school: School, leader: User, login: Login) -> None:
    existing = activity(school)
    client = login(leader)
    assert client.get(plan_url(school, f"{existing.pk}/delete/")).status_code == 405
    client.post(plan_url(school, f"{existing.pk}/delete/"))
    assert not Activity.objects.exists()


# --- pages ------------------------------------------------------------------------------------


def test_year_view_shows_repeats_and_holidays(school: School, leader: User, login: Login) -> None:
    activity(school, repeat_weeks=6, repeat_until=date(2027, 1, 31))
    page = login(leader).get(plan_url(school, "?year=2026")).content.decode()
    assert page.count('data-testid="occurrence"') == 4
    assert "Kerstvakantie" in page
    # 20 October falls in the autumn holiday of region midden.
    assert school.region == "midden"
    assert page.count('data-testid="in-holiday"') == 1
    activity(school, title="In de vakantie", starts_at=at(date(2026, 12, 22)))
    page = login(leader).get(plan_url(school, "?year=2026")).content.decode()
    assert page.count('data-testid="in-holiday"') == 2
    assert "@page" not in page  # the print rules live in calendar.css
    page = login(leader).get(plan_url(school, "?year=2027")).content.decode()
    assert 'data-testid="occurrence"' not in page


def test_year_view_bad_year_is_404(school: School, leader: User, login: Login) -> None:
    assert login(leader).get(plan_url(school, "?year=abc")).status_code == 404


def test_month_and_list(school: School, leader: User, login: Login) -> None:
    today = timezone.localdate()
    activity(school, title="Binnenkort", starts_at=at(today + timedelta(days=3)))
    activity(school, title="Voorbij", starts_at=at(today - timedelta(days=3)))
    client = login(leader)
    soon = today + timedelta(days=3)
    page = client.get(plan_url(school, f"{soon.year}/{soon.month}/")).content.decode()
    assert "Binnenkort" in page
    assert client.get(plan_url(school, f"{soon.year}/13/")).status_code == 404
    page = client.get(plan_url(school, "list/")).content.decode()
    assert "Binnenkort" in page
    assert "Voorbij" not in page


def test_teacher_sees_the_calendar_but_not_private_notes(
    school: School, teacher: User, login: Login
) -> None:
    existing = activity(school, private_notes="Geheim voor de leider")
    client = login(teacher)
    year_page = client.get(plan_url(school, "?year=2026")).content.decode()
    month_page = client.get(plan_url(school, "2026/9/")).content.decode()
    for page in (year_page, month_page):
        assert "Teamvergadering" in page
        assert "Geheim voor de leider" not in page
    for url in ("new/", f"{existing.pk}/edit/", "coverage/"):
        assert client.get(plan_url(school, url)).status_code == 404
    assert client.post(plan_url(school, "new/"), form_data()).status_code == 404
    assert client.post(plan_url(school, f"{existing.pk}/delete/")).status_code == 404
    assert Activity.objects.count() == 1


def test_leader_sees_private_notes(school: School, leader: User, login: Login) -> None:
    activity(school, private_notes="Geheim voor de leider")
    page = login(leader).get(plan_url(school, "?year=2026")).content.decode()
    assert "Geheim voor de leider" in page


def test_outsider_gets_404_everywhere(
    school: School, leader: User, outsider: User, login: Login
) -> None:
    existing = activity(school)
    client = login(outsider)
    for url in ("", "2026/9/", "list/", "new/", f"{existing.pk}/edit/", "coverage/"):
        assert client.get(plan_url(school, url)).status_code == 404, url
    for url in ("new/", f"{existing.pk}/edit/", f"{existing.pk}/delete/"):
        assert client.post(plan_url(school, url), form_data()).status_code == 404, url
    assert Activity.objects.count() == 1
    # And an activity of school A through the outsider's own school is not found either.
    own = School.objects.get(memberships__user=outsider)
    assert client.get(plan_url(own, f"{existing.pk}/edit/")).status_code == 404
    assert client.post(plan_url(own, f"{existing.pk}/delete/")).status_code == 404
    assert Activity.objects.count() == 1


def test_year_view_query_count_does_not_grow(school: School, leader: User, login: Login) -> None:
    client = login(leader)
    activity(school, repeat_weeks=6, repeat_until=date(2027, 7, 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(plan_url(school, "?year=2026")).status_code == 200
        return len(queries.captured_queries)

    one = count()
    # A full year: 200 activities (one of them repeating), every day of the school year busy.
    Activity.objects.bulk_create(
        Activity(
            school=school,
            kind=Activity.Kind.TEAM_MEETING,
            title=f"Activiteit {i}",
            starts_at=at(date(2026, 8, 3) + timedelta(i * 361 // 199)),
        )
        for i in range(199)
    )
    assert Activity.objects.filter(school=school).count() == 200
    assert count() == one


# --- coverage -----------------------------------------------------------------------------------


def test_coverage_counts_repeats_per_theme_and_recommendation(
    school: School, leader: User, login: Login
) -> None:
    theme = Theme.objects.get(number=2)
    intervention = Intervention.objects.catalogue().filter(theme=theme).first()
    assert intervention is not None
    repeating = activity(
        school, starts_at=at(date(2027, 2, 2)), repeat_weeks=6, repeat_until=date(2027, 5, 31)
    )
    repeating.interventions.add(intervention)
    activity(school, title="Los", recommendation=Recommendation.objects.get(number=5))
    response = english(login(leader)).get(plan_url(school, "coverage/?year=2026"))
    rows = {
        row.label: row for row in response.context["themes"] + response.context["recommendations"]
    }
    assert rows[str(theme)].count == 3  # 2 Feb, 16 Mar, 27 Apr
    assert rows[str(theme)].practice == 0, "a team meeting is not a practice moment"
    assert rows[str(theme)].first.date() == date(2027, 2, 2)
    assert rows[str(Theme.objects.get(number=1))].count == 0
    assert rows[str(Recommendation.objects.get(number=5))].count >= 1
    assert "No moment planned" in response.content.decode()


def test_coverage_counts_practice_moments_per_theme(
    school: School, leader: User, login: Login
) -> None:
    from practice.models import Format, PracticeSession

    feedback = Format.objects.filter(school=None, interventions__isnull=False).first()
    assert feedback is not None
    format_themes = set(feedback.interventions.values_list("theme", flat=True))
    practice = activity(
        school,
        kind=Activity.Kind.TEAM_MEETING,
        starts_at=at(date(2026, 10, 6)),
        repeat_weeks=6,
        repeat_until=date(2026, 12, 31),
    )
    PracticeSession.objects.create(activity=practice, format=feedback)
    own_kind = activity(school, kind=Activity.Kind.FEEDBACK_PRACTICE, title="Feedback")
    own_kind.interventions.add(Intervention.objects.catalogue().get(theme__number=4, number=1))
    response = english(login(leader)).get(plan_url(school, "coverage/?year=2026"))
    rows = {row.label: row for row in response.context["themes"]}
    for theme in Theme.objects.all():
        expected = 3 * (theme.pk in format_themes) + (theme.number == 4)
        assert rows[str(theme)].practice == expected, theme


def test_coverage_query_count_does_not_grow(school: School, leader: User, login: Login) -> None:
    client = login(leader)
    intervention = Intervention.objects.catalogue().first()
    assert intervention is not None

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(plan_url(school, "coverage/?year=2026")).status_code == 200
        return len(queries.captured_queries)

    activity(school).interventions.add(intervention)
    one = count()
    for i in range(10):
        activity(school, title=f"A{i}").interventions.add(intervention)
    assert count() == one


# --- from a suggestion or an agreement ---------------------------------------------------------


def test_from_a_chosen_suggestion(school: School, team: Team, leader: User, login: Login) -> None:
    round_ = closed_round(school, team, 6)
    suggestion = report_of(round_).suggestions[0].suggestion
    url = plan_url(school, f"from-suggestion/{round_.pk}/{suggestion.key}/")
    client = english(login(leader))
    # Not chosen yet: nothing to plan.
    assert client.post(url).status_code == 404
    SuggestionChoice.objects.create(round=round_, key=suggestion.key, status="chosen")
    assert client.get(url).status_code == 405
    response = client.post(url)
    created = Activity.objects.get(school=school)
    assert response["Location"] == plan_url(school, f"{created.pk}/edit/")
    assert created.recommendation == suggestion.recommendation
    assert created.title == suggestion.recommendation.title_en  # the leader's language
    assert created.suggestion_key == suggestion.key
    assert set(created.interventions.all()) == set(suggestion.interventions)
    moment = timezone.localtime(created.starts_at)
    assert moment.time() == time(15)
    assert moment.date() == next_working_day(school, timezone.localdate())
    assert moment.weekday() < 5
    page = client.get(response["Location"]).content.decode()
    assert "Adjust the date" in page


def test_from_a_suggestion_not_chosen_is_404(
    school: School, team: Team, leader: User, login: Login
) -> None:
    round_ = closed_round(school, team, 6)
    key = report_of(round_).suggestions[0].suggestion.key
    SuggestionChoice.objects.create(round=round_, key=key, status="not_now")
    client = login(leader)
    assert client.post(plan_url(school, f"from-suggestion/{round_.pk}/{key}/")).status_code == 404
    assert not Activity.objects.exists()


def test_next_working_day_skips_weekends_and_holidays(school: School) -> None:
    assert next_working_day(school, date(2026, 12, 18)) == date(2027, 1, 4)
    assert next_working_day(school, date(2026, 11, 27)) == date(2026, 11, 30)


def test_from_an_agreement(school: School, team: Team, leader: User, login: Login) -> None:
    round_ = closed_round(school, team, 5)
    session = FocusSession.objects.create(round=round_, title="Focusgroep")
    agreement = Agreement.objects.create(
        session=session,
        text="We geven elkaar feedback",
        owner="het team",
        review_on=date(2027, 3, 9),
    )
    response = login(leader).post(plan_url(school, f"from-agreement/{agreement.pk}/"))
    created = Activity.objects.get(school=school)
    assert response["Location"] == plan_url(school, f"{created.pk}/edit/")
    assert created.kind == Activity.Kind.EVALUATION
    assert timezone.localtime(created.starts_at).date() == date(2027, 3, 9)
    assert list(created.agreements.all()) == [agreement]
    assert "We geven elkaar feedback" in created.title


def test_from_an_agreement_of_another_school_is_404(
    school: School, team: Team, outsider: User, login: Login
) -> None:
    round_ = closed_round(school, team, 5)
    session = FocusSession.objects.create(round=round_, title="Focusgroep")
    agreement = Agreement.objects.create(
        session=session, text="Afspraak", owner="het team", review_on=date(2027, 3, 9)
    )
    own = School.objects.get(memberships__user=outsider)
    client = login(outsider)
    assert client.post(plan_url(own, f"from-agreement/{agreement.pk}/")).status_code == 404
    assert client.post(plan_url(school, f"from-agreement/{agreement.pk}/")).status_code == 404
    assert not Activity.objects.exists()


# --- demo ---------------------------------------------------------------------------------------


def test_seed_year_plan_is_idempotent(school: School, leader: User) -> None:
    first = seed_year_plan(school, leader)
    assert len(first) == 9
    seed_year_plan(school, leader)
    assert Activity.objects.filter(school=school).count() == 9
    start, end = school_year(timezone.localdate())
    pairs = Activity.objects.for_school(school).occurrences(start, end)
    kinds = {a.kind for a, _m in pairs}
    assert {"team_meeting", "study_day", "group_reflection", "evaluation"} <= kinds
    meetings = [a for a, _m in pairs if a.kind == "team_meeting"]
    assert len(meetings) >= 6
    assert "rofessionele dialoog" in meetings[0].agenda
    holidays = SchoolHoliday.objects.for_region(school.region).overlapping(start, end)
    assert not [m for a, m in pairs if any(h.contains(m.date()) for h in holidays)]
