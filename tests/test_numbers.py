"""Numbers a column cannot hold, and other values PostgreSQL refuses, in URLs, forms and query
strings: a clear message in the user's language or 404, never a server error (issue 15).
tests/test_fuzz.py keeps looking; these are the cases found, one by one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from focusgroups.models import FocusPhase, FocusSession, Reaction
from interventions.models import Intervention, Recommendation, Theme
from interviews.models import Interview
from planning.models import Activity, Topic
from planning.proposal import propose
from practice.models import Format
from schools.http import ID_MAX, whole_number
from schools.models import School, Team, User
from surveys.models import Draft, Invitation, Item

from .survey_helpers import fresh_token, open_round
from .test_interviews import make_teachers
from .test_proposal import YEAR, post_data
from .test_proposal import url as proposal_url

Login = Callable[[User], Client]

# Out of range of every column, or not a plain number at all.
FORTY_DIGITS = "9" * 40
NOT_PLAIN = [" 7", "7 ", "+7", "-1", "1e5", "7.0", "1_000", "٣", "²", "0x10", ""]


@pytest.mark.parametrize(
    ("raw", "number"),
    [("0", 0), ("7", 7), ("0007", 7), (str(ID_MAX), ID_MAX)],
)
def test_whole_number_reads_plain_digits_a_bigint_holds(raw: str, number: int) -> None:
    assert whole_number(raw) == number


@pytest.mark.parametrize(
    "raw", [*NOT_PLAIN, FORTY_DIGITS, str(ID_MAX + 1), "0" * 20, "9" * 5000, None, 7, ["7"]]
)
def test_whole_number_refuses_everything_else(raw: object) -> None:
    assert whole_number(raw) is None


def test_whole_number_keeps_to_the_bounds_it_is_given() -> None:
    assert whole_number("2026", low=2000, high=2100) == 2026
    assert whole_number("1999", low=2000, high=2100) is None
    assert whole_number("2101", low=2000, high=2100) is None


def test_a_number_in_a_url_beyond_a_bigint_matches_no_pattern(school: School) -> None:
    path = f"/s/{school.slug}/rounds/{{}}/"
    assert resolve(path.format(ID_MAX)).kwargs["pk"] == ID_MAX
    for too_big in (str(ID_MAX + 1), FORTY_DIGITS, "0" * 20):
        with pytest.raises(Resolver404):
            resolve(path.format(too_big))
    assert reverse("rounds:round", args=[school.slug, ID_MAX]) == path.format(ID_MAX)


def test_a_forty_digit_id_in_a_url_is_404_for_the_schools_own_people(
    school: School, leader: User, teacher: User, login: Login
) -> None:
    for user, url in (
        (leader, f"/s/{school.slug}/rounds/{FORTY_DIGITS}/"),
        (leader, f"/s/{school.slug}/interviews/interview/1/notes/{FORTY_DIGITS}/delete/"),
        (teacher, f"/s/{school.slug}/plan/{FORTY_DIGITS}/"),
        (teacher, f"/s/{school.slug}/plan/{FORTY_DIGITS}/1/"),
        (teacher, f"/model/recommendations/{FORTY_DIGITS}/"),
    ):
        client = login(user)
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url


def test_a_forty_digit_recommendation_is_a_dutch_form_error_and_keeps_what_was_typed(
    school: School, leader: User, login: Login
) -> None:
    theme = Theme.objects.get(number=2)
    chosen = Recommendation.objects.get(number=3)
    response = login(leader).post(
        f"/s/{school.slug}/interventions/new/",
        {
            "theme": theme.pk,
            "text_nl": "plant elke maand een kijkje in elkaars klas.",
            "text_en": "visits a classroom every month",
            "recommendations": [str(chosen.pk), FORTY_DIGITS],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Selecteer een geldige keuze. {FORTY_DIGITS} is geen beschikbare keuze." in page
    assert "plant elke maand een kijkje in elkaars klas." in page
    assert "visits a classroom every month" in page
    assert f'value="{theme.pk}" selected' in page
    assert re.search(rf'name="recommendations" value="{chosen.pk}"[^>]* checked>', page)
    assert not Intervention.objects.filter(school=school).exists()


def test_a_theme_in_the_query_string_that_is_no_slug_preselects_nothing(
    school: School, leader: User, login: Login
) -> None:
    client = login(leader)
    url = f"/s/{school.slug}/interventions/new/"
    for bad in ("a\x00b", FORTY_DIGITS, "-1", "٣", "geen thema"):
        response = client.get(url, {"theme": bad})
        assert response.status_code == 200
        assert response.context["form"]["theme"].value() is None
    theme = Theme.objects.get(number=1)
    assert client.get(url, {"theme": theme.slug}).context["form"]["theme"].value() == theme.pk


def test_an_unreadable_teacher_in_the_query_string_preselects_nobody(
    school: School, team: Team, leader: User, teacher: User, login: Login
) -> None:
    make_teachers(school, team, 2)
    round_ = open_round(school, team=team)
    client = login(leader)
    url = f"/s/{school.slug}/interviews/{round_.pk}/plan/"
    for bad in ("²", "٣", f" {teacher.pk}", FORTY_DIGITS, str(ID_MAX + 1), "-1"):
        response = client.get(url, {"teacher": bad})
        assert response.status_code == 200
        assert "teacher" not in response.context["form"].initial, bad
        assert not re.search(r'<option value="\d+" selected>', response.content.decode())
    chosen = client.get(url, {"teacher": str(teacher.pk)}).content.decode()
    assert f'<option value="{teacher.pk}" selected>' in chosen


def test_a_school_year_that_is_no_plain_year_in_range_is_404(
    school: School, leader: User, login: Login
) -> None:
    client = login(leader)
    for bad in ("²", "٢٠٢٦", " 2026", "2026 ", "+2026", "2_026", "1999", "2101", FORTY_DIGITS):
        for page in ("", "proposal/", "coverage/"):
            response = client.get(f"/s/{school.slug}/plan/{page}", {"year": bad})
            assert response.status_code == 404, (page, bad)
    assert client.get(f"/s/{school.slug}/plan/", {"year": "2026"}).status_code == 200


def test_a_month_out_of_range_is_404(school: School, teacher: User, login: Login) -> None:
    client = login(teacher)
    for year, month in ((2026, 0), (2026, 13), (1999, 1), (2101, 1), (ID_MAX, 1)):
        assert client.get(f"/s/{school.slug}/plan/{year}/{month}/").status_code == 404
    assert client.get(f"/s/{school.slug}/plan/2026/12/").status_code == 200


def test_a_topic_planned_on_an_unreadable_meeting_is_refused_in_dutch(
    school: School, leader: User, login: Login
) -> None:
    meeting = Activity.objects.create(
        school=school,
        kind=Activity.Kind.TEAM_MEETING,
        title="Teamvergadering",
        starts_at=timezone.now() + timedelta(days=10),
    )
    topic = Topic.objects.create(school=school, text="Werkdruk")
    client = login(leader)
    url = f"/s/{school.slug}/plan/topics/{topic.pk}/plan/"
    for bad in ("²", "٣", f" {meeting.pk}", f"{FORTY_DIGITS}@2026-01-01", str(ID_MAX + 1)):
        page = client.post(url, {"activity": bad}, follow=True).content.decode()
        assert "Kies de bijeenkomst" in page, bad
        topic.refresh_from_db()
        assert topic.status == Topic.Status.OPEN and topic.activity is None


def test_a_proposal_with_unreadable_ids_is_refused_and_keeps_its_rows(
    school: School, leader: User, login: Login
) -> None:
    rows = propose(school, YEAR)
    client = login(leader)
    for bad in ("²", "٣", "1,²", "+7", "-1", FORTY_DIGITS, str(ID_MAX + 1)):
        for hidden in ("interventions", "agreements"):
            data = post_data(rows, **{"0": {hidden: bad, "title": "Mijn eigen titel"}})
            response = client.post(proposal_url(school), data)
            assert response.status_code == 400, (hidden, bad)
            page = response.content.decode()
            assert "Dit voorstel is gewijzigd; laad de pagina opnieuw." in page
            assert "Mijn eigen titel" in page
    assert not Activity.objects.exists()


def test_a_proposal_claiming_forty_digits_of_rows_builds_no_more_than_a_proposal_has(
    school: School, leader: User, login: Login
) -> None:
    data = post_data(propose(school, YEAR))
    data["form-TOTAL_FORMS"] = FORTY_DIGITS
    response = login(leader).post(proposal_url(school), data)
    assert response.status_code == 400
    assert len(response.context["formset"].forms) <= 80
    assert not Activity.objects.exists()


def test_a_resend_for_an_invitation_that_is_no_plain_id_is_404(
    school: School, team: Team, leader: User, teacher: User, login: Login
) -> None:
    round_ = open_round(school, team=team)
    invitation = Invitation.objects.get(round=round_, user=teacher)
    client = login(leader)
    url = f"/s/{school.slug}/rounds/{round_.pk}/resend/"
    for bad in (f" {invitation.pk}", f"{invitation.pk}.0", FORTY_DIGITS, str(ID_MAX + 1), "²"):
        assert client.post(url, {"invitation": bad}).status_code == 404, bad
    assert client.post(url, {"invitation": str(invitation.pk)}).status_code == 302


def test_answers_that_are_no_plain_number_are_refused_in_dutch_and_not_stored(
    client: Client, school: School, team: Team, teacher: User
) -> None:
    round_ = open_round(school, team=team)
    invitation = Invitation.objects.get(round=round_, user=teacher)
    client.get(f"/i/{fresh_token(invitation)}/")
    item = Item.objects.filter(version=round_.version, theme__number=1).order_by("pk").first()
    assert item is not None
    for bad in ("٣", "²", " 3", "3.0", FORTY_DIGITS, "-1"):
        page = client.post("/vragenlijst/t1/", {f"item-{item.pk}": bad}).content.decode()
        assert "Kies een van de antwoorden." in page, bad
    for key in (f"item-{FORTY_DIGITS}", "item-²", f"item- {item.pk}"):
        page = client.post("/vragenlijst/t1/", {key: "3"}).content.decode()
        assert "Sommige antwoorden zijn niet goed aangekomen" in page, key
    assert Draft.objects.get(invitation=invitation).answers().scores == {}


def test_an_open_answer_with_a_nul_byte_is_kept_without_it(
    client: Client, school: School, team: Team, teacher: User
) -> None:
    round_ = open_round(school, team=team)
    invitation = Invitation.objects.get(round=round_, user=teacher)
    client.get(f"/i/{fresh_token(invitation)}/")
    question = round_.version.open_questions.first()
    assert question is not None
    response = client.post("/vragenlijst/open/", {f"open-{question.pk}": "meer\x00 tijd"})
    assert response.status_code == 302
    assert Draft.objects.get(invitation=invitation).answers().texts == {
        str(question.pk): "meer tijd"
    }


def test_a_group_label_with_a_nul_byte_is_kept_without_it(
    school: School, team: Team, leader: User, login: Login
) -> None:
    round_ = open_round(school, team=team)
    session = FocusSession.objects.create(round=round_, title="Focusgroep")
    phase = FocusPhase.objects.create(session=session, order=0, kind="theme", minutes=10)
    reaction = Reaction.objects.create(phase=phase, text="Herkenbaar")
    response = login(leader).post(
        f"/s/{school.slug}/focus/{session.pk}/reactions/{reaction.pk}/group/", {"group": "Ti\x00jd"}
    )
    assert response.status_code == 302
    reaction.refresh_from_db()
    assert reaction.group == "Tijd"


def test_a_join_link_with_a_nul_byte_is_404(client: Client, db: None) -> None:
    for url in ("/j/a%00b/", "/oefen/a%00b/"):
        assert client.get(url).status_code == 404


def format_data(**fields: object) -> dict[str, object]:
    """What the form for a school's own conversation format posts, with ``fields`` changed."""
    return {
        "title_nl": "Werkvorm",
        "purpose_nl": "Doel",
        "kind": "team_meeting",
        "group_min": 3,
        "group_max": 30,
        "roles_nl": "Rol",
        "phrases_nl": "Zin",
        "pitfalls_nl": "Valkuil",
        **fields,
    }


def test_a_format_longer_than_a_day_is_refused_in_dutch_and_keeps_its_steps(
    school: School, leader: User, login: Login
) -> None:
    steps = "\n".join(f"240 | Stap {n}" for n in range(1, 8))  # 1,680 minutes
    data = format_data(title_nl="Lange werkvorm", steps=steps)
    response = login(leader).post(f"/s/{school.slug}/practice/formats/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "De stappen duren samen 1680 minuten; een werkvorm duurt hoogstens 1440." in page
    assert "240 | Stap 7" in page and "Lange werkvorm" in page
    assert not Format.objects.filter(school=school).exists()


def test_step_minutes_that_are_no_plain_number_are_refused_in_dutch(
    school: School, leader: User, login: Login
) -> None:
    client = login(leader)
    data = format_data()
    for bad in ("٣", "²", "+5", "5.0", "1_0", "0", "241", FORTY_DIGITS):
        data["steps"] = f"{bad} | Opening"
        page = client.post(f"/s/{school.slug}/practice/formats/new/", data).content.decode()
        assert "Regel 1: de minuten moeten een heel getal zijn van 1 tot 240." in page, bad
        assert f"{bad} | Opening" in page
    assert not Format.objects.filter(school=school).exists()


def test_an_interview_plan_keeps_refusing_numbers_nobody_was_invited_with(
    school: School, team: Team, leader: User, login: Login
) -> None:
    round_ = open_round(school, team=team)
    make_teachers(school, team, 1)
    url = f"/s/{school.slug}/interviews/{round_.pk}/plan/"
    not_invited = (
        "Deze persoon is niet uitgenodigd voor deze ronde; kies een leerkracht uit de lijst."
    )
    for bad, message in (
        (FORTY_DIGITS, not_invited),
        (str(ID_MAX + 1), not_invited),
        ("-1", not_invited),
        ("²", "Kies een leerkracht uit de lijst."),
    ):
        response = login(leader).post(url, {"teacher": bad, "scheduled_at": "2030-05-06T10:15"})
        assert response.status_code == 200
        assert response.context["form"].errors["teacher"] == [message], bad
        assert 'value="2030-05-06T10:15"' in response.content.decode()
    assert not Interview.objects.exists()
