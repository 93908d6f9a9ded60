"""The year-plan proposal: computed from the latest results, edited by the leader, saved only
with the leader's consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from focusgroups.models import Agreement, FocusSession
from interventions.models import Theme
from planning.models import Activity, SchoolHoliday
from planning.proposal import Proposed, propose
from schools.models import School, Team, User

from .test_exports import closed_round, report_of

Login = Callable[[User], Client]
YEAR = (
    timezone.localdate().year if timezone.localdate().month >= 8 else timezone.localdate().year - 1
)


def url(school: School) -> str:
    return f"/s/{school.slug}/plan/proposal/?year={YEAR}"


def post_data(rows: list[Proposed], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for n, row in enumerate(rows):
        values = row.initial()
        values["day"] = values["day"].isoformat()
        values["at"] = values["at"].strftime("%H:%M")
        values.update(changes.get(str(n), {}))
        for name, value in values.items():
            if name == "include":
                if value:
                    data[f"form-{n}-include"] = "on"
                continue
            data[f"form-{n}-{name}"] = "" if value is None else value
    return data


def test_without_results_it_measures_first_and_practises_every_theme(school: School) -> None:
    rows = propose(school, YEAR)
    assert rows, "there is room left in this school year"
    kinds = [r.kind for r in rows]
    assert kinds[0] == Activity.Kind.QUESTIONNAIRE
    assert Activity.Kind.INTERVIEWS in kinds and Activity.Kind.FOCUS_GROUP in kinds
    assert kinds.count(Activity.Kind.QUESTIONNAIRE) == 2, "measure, and measure again"
    assert kinds[-1] in (Activity.Kind.EVALUATION, Activity.Kind.QUESTIONNAIRE)
    practice = [r for r in rows if r.kind in ("feedback_practice", "conversation_practice")]
    assert len(practice) == 2 * Theme.objects.count()
    assert kinds.count(Activity.Kind.GROUP_REFLECTION) == 3
    assert all(r.interventions for r in practice)


def test_every_day_is_a_school_day_in_the_year(school: School) -> None:
    holidays = list(SchoolHoliday.objects.for_region(school.region))
    start = max(date(YEAR, 8, 1), timezone.localdate() + timedelta(days=7))
    for row in propose(school, YEAR):
        assert start <= row.day <= date(YEAR + 1, 7, 31)
        assert row.day.weekday() < 5
        assert not any(h.contains(row.day) for h in holidays), (row.title, row.day)
    assert [r.day for r in propose(school, YEAR)] == sorted(r.day for r in propose(school, YEAR))


def test_recent_results_are_talked_through_and_the_weakest_themes_practised(
    school: School, team: Team
) -> None:
    round_ = closed_round(school, team, 6)
    report = report_of(round_)
    ranked = sorted(
        (row for row in report.themes if row.theme and row.mean is not None),
        key=lambda row: row.mean or 0,
    )
    rows = propose(school, YEAR)
    kinds = [r.kind for r in rows]
    assert kinds.count(Activity.Kind.QUESTIONNAIRE) == 1, "no new round straight away"
    assert kinds[0] == Activity.Kind.INTERVIEWS
    practised = {r.title for r in rows if r.kind.endswith("_practice")}
    tension = {s.theme for s in report.signals if s.kind in ("tension", "warning_sign")}
    expected = sorted(
        ranked, key=lambda row: (row.theme is None or row.theme.number not in tension, row.mean)
    )[:2]
    assert practised == {f"Oefenen: {row.theme.name}" for row in expected if row.theme}


def test_agreements_due_get_a_review(school: School, team: Team) -> None:
    round_ = closed_round(school, team, 6)
    session = FocusSession.objects.create(round=round_, title="Focusgroep")
    due = timezone.localdate() + timedelta(days=40)
    agreement = Agreement.objects.create(
        session=session, text="We vragen door", owner="team", review_on=due
    )
    reviews = [r for r in propose(school, YEAR) if r.title == "Evaluatie: We vragen door"]
    assert len(reviews) == 1 and reviews[0].day >= due
    # Once a review is planned, it is not proposed again.
    activity = Activity.objects.create(
        school=school,
        kind="evaluation",
        title="Terugblik",
        starts_at=datetime.combine(due, time(15), tzinfo=timezone.get_current_timezone()),
    )
    activity.agreements.add(agreement)
    assert not [r for r in propose(school, YEAR) if r.title == "Evaluatie: We vragen door"]


def test_agreements_due_the_same_day_share_one_review_which_is_linked_on_saving(
    school: School, team: Team, leader: User, login: Login
) -> None:
    round_ = closed_round(school, team, 6)
    session = FocusSession.objects.create(round=round_, title="Focusgroep")
    due = timezone.localdate() + timedelta(days=40)
    agreements = [
        Agreement.objects.create(session=session, text=text, owner="team", review_on=due)
        for text in ("We vragen door", "We parkeren het persoonlijke")
    ]
    rows = propose(school, YEAR)
    reviews = [r for r in rows if r.agreements]
    assert len(reviews) == 1
    assert reviews[0].title == "Evaluatie van 2 afspraken"
    assert reviews[0].agenda == "- We vragen door\n- We parkeren het persoonlijke"
    login(leader).post(url(school), post_data(rows))
    review = Activity.objects.get(school=school, title="Evaluatie van 2 afspraken")
    assert set(review.agreements.all()) == set(agreements)


def test_results_already_talked_through_are_not_proposed_again(school: School, team: Team) -> None:
    from interviews.models import Interview

    round_ = closed_round(school, team, 6)
    Interview.objects.create(round=round_, teacher=school.teachers().first() or User())
    FocusSession.objects.create(round=round_, title="Focusgroep")
    kinds = [r.kind for r in propose(school, YEAR)]
    assert Activity.Kind.INTERVIEWS not in kinds
    assert Activity.Kind.FOCUS_GROUP not in kinds
    assert kinds.count(Activity.Kind.QUESTIONNAIRE) == 1


def test_a_moment_already_planned_starts_unticked(school: School) -> None:
    first = propose(school, YEAR)[0]
    Activity.objects.create(
        school=school,
        kind=first.kind,
        title="Al gepland",
        starts_at=datetime.combine(
            first.day + timedelta(days=3), time(9), tzinfo=timezone.get_current_timezone()
        ),
    )
    again = propose(school, YEAR)[0]
    assert again.kind == first.kind and not again.include
    assert "Staat al in de planning" in again.reason


def test_showing_the_proposal_saves_nothing(school: School, leader: User, login: Login) -> None:
    page = login(leader).get(url(school))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="proposal-row"') == len(propose(school, YEAR))
    assert not Activity.objects.exists()


def test_leader_edits_and_saves_only_what_is_ticked(
    school: School, leader: User, login: Login
) -> None:
    rows = propose(school, YEAR)
    data = post_data(
        rows,
        **{
            "0": {"title": "Onze eigen vragenlijst", "at": "09:15"},
            "1": {"include": False},
        },
    )
    response = login(leader).post(url(school), data)
    assert response.status_code == 302
    assert response["Location"] == f"/s/{school.slug}/plan/?year={YEAR}"
    saved = Activity.objects.filter(school=school)
    assert saved.count() == len(rows) - 1
    first = saved.get(title="Onze eigen vragenlijst")
    assert timezone.localtime(first.starts_at).time() == time(9, 15)
    assert not saved.filter(title=rows[1].title, kind=rows[1].kind).exists()
    practice = saved.filter(kind__endswith="_practice").first()
    assert practice is not None and practice.interventions.exists()
    assert practice.recommendation is not None and practice.recommendation.number == 5
    assert all(a.created_by == leader for a in saved)


def test_bad_input_is_explained_and_nothing_is_lost(
    school: School, leader: User, login: Login
) -> None:
    rows = propose(school, YEAR)
    data = post_data(
        rows,
        **{
            "0": {"title": "   ", "day": "31-02-2027"},
            "1": {"duration_minutes": "0", "title": "Mijn eigen titel"},
            "2": {"include": False, "day": "onzin"},  # unticked: may hold anything
        },
    )
    response = login(leader).post(url(school), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Geef de activiteit een titel." in html
    assert "Voer een geldige datum in." in html
    assert "De duur moet minstens 1 minuut zijn." in html
    assert "Mijn eigen titel" in html
    assert not Activity.objects.exists()


def test_nothing_ticked_saves_nothing(school: School, leader: User, login: Login) -> None:
    rows = propose(school, YEAR)
    data = post_data(rows, **{str(n): {"include": False} for n in range(len(rows))})
    response = login(leader).post(url(school), data)
    assert response.status_code == 400
    assert "Vink minstens één moment aan" in response.content.decode()
    assert not Activity.objects.exists()


def test_tampered_proposals_are_refused(
    school: School, leader: User, other_school: School, login: Login
) -> None:
    from interventions.models import Intervention

    foreign = Intervention.objects.create(
        theme=Theme.objects.get(number=1), number=1, school=other_school, text_nl="Van een ander"
    )
    rows = propose(school, YEAR)
    client = login(leader)
    for bad in [str(foreign.pk), "1,abc", "9" * 20]:
        data = post_data(rows, **{"0": {"interventions": bad}})
        assert client.post(url(school), data).status_code == 400
        data = post_data(rows, **{"0": {"agreements": bad}})
        assert client.post(url(school), data).status_code == 400
    broken = post_data(rows)
    broken["form-TOTAL_FORMS"] = "5000"
    assert client.post(url(school), broken).status_code == 400
    assert not Activity.objects.exists()


def test_teacher_cannot_see_the_proposal(school: School, teacher: User, login: Login) -> None:
    assert login(teacher).get(url(school)).status_code in (403, 404)
