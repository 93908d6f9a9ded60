"""Every URL of the project, visited by someone from another school, must refuse and change
nothing. URL patterns are enumerated from the resolver, so a new view is covered the day it is
written: a pattern whose arguments this test does not know how to fill makes it fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from interventions.models import Intervention, Theme
from schools.models import Membership, School, Team, User

from .conftest import with_two_factor
from .factories import MembershipFactory, TeamFactory, UserFactory
from .survey_helpers import open_round

# Patterns that are not school data, each with the reason it is safe for anyone logged in.
NOT_TENANT_DATA = {
    "home": "redirects to the user's own school",
    "healthz": "public health check, no data",
    "favicon": "the site's icon: a redirect to a static file",
    "dev_mail": "development only (DEBUG with the development e-mail backend), 404 otherwise",
    "privacy": "the public privacy statement, no data",
    "set_language": "sets the visitor's own language",
    "profile": "the user's own profile",
    "interventions:model": "the published catalogue; own interventions filtered per user",
    "interventions:theme": "the published catalogue; own interventions filtered per user",
    "interventions:recommendation": "the published catalogue",
    "surveys:enter": "the e-mailed link; the secret token is the credential (test_answering)",
    "surveys:answer": "acts only on the invitation held in the visitor's session",
    "surveys:answer_step": "acts only on the invitation held in the visitor's session",
    "surveys:answer_submit": "acts only on the invitation held in the visitor's session",
    "join:token": "the QR link; its 192-bit token is the credential, for an active session only",
    "join:start": "the short code of an active session of any kind; wrong codes are throttled",
    "focus_phone:phone": "acts only on the focus session held in the visitor's session",
    "focus_phone:live": "acts only on the focus session held in the visitor's session",
    "focus_phone:checkin": "acts only on the focus session held in the visitor's session",
    "focus_phone:reaction": "acts only on the focus session held in the visitor's session",
    "focus_phone:vote": "only shown reactions of the focus session held in the visitor's session",
    "calendar_feed": "the secret calendar address; its 192-bit key is the credential (test_feeds)",
    "practice_phone:old_start": "the old join address; redirects to join:start",
    "practice_phone:old_token": "the old QR link; redirects to join:token",
    "practice_phone:phone": "acts only on the practice session held in the visitor's session",
    "practice_phone:live": "acts only on the practice session held in the visitor's session",
    "practice_phone:input": "acts only on the practice session held in the visitor's session",
    "practice_phone:reflection": "acts only on the practice session held in the visitor's session",
    "nudges_mail:unsubscribe": "the signed token names the person and rule (test_nudges_delivery)",
}
# Prefixes of third-party URL sets: allauth acts only on the logged-in account itself; the
# admin is for staff only (checked below as well).
THIRD_PARTY_PREFIXES = ("accounts/", "admin/")


def walk(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        else:
            yield prefix + str(entry.pattern), namespace + (entry.name or ""), entry


def all_patterns() -> list[tuple[str, str, URLPattern]]:
    return list(walk(get_resolver().url_patterns))


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every project model, to prove that nothing changed."""
    state = {}
    for app_label in settings.PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            state[model._meta.label] = sorted(
                tuple(row) for row in model._default_manager.order_by("pk").values_list()
            )
    return state


@pytest.fixture
def victim_school(db: None) -> dict[str, Any]:
    """School A with some of everything, all reachable only by its own people."""
    from .factories import SchoolFactory

    school = SchoolFactory.create(name="Slachtofferschool")
    team = TeamFactory.create(school=school)
    teacher = UserFactory.create(email="victim-teacher@a.test")
    MembershipFactory.create(user=teacher, school=school, team=team)
    own = Intervention.objects.create(
        theme=Theme.objects.get(number=3),
        number=1,
        school=school,
        text_nl="Geheime aanpak van de slachtofferschool",
    )
    for _ in range(4):
        MembershipFactory.create(user=UserFactory.create(), school=school, team=team)
    from datetime import date as day

    from schools.models import Departure

    leaver = UserFactory.create(email="victim-leaver@a.test")
    Departure.objects.create(user=leaver, school=school, team=team, left_on=day(2026, 9, 1))
    round_ = open_round(school, team=team, threshold=3)
    from interviews.models import Interview, InterviewNote

    interview = Interview.objects.create(round=round_, teacher=teacher)
    note = InterviewNote.objects.create(interview=interview, text="Vertrouwelijk gesprek")
    from focusgroups.models import FocusPhase, FocusSession, Reaction

    session = FocusSession.objects.create(round=round_, title="Focusgroep A")
    phase = FocusPhase.objects.create(session=session, order=1, kind="theme", minutes=10)
    reaction = Reaction.objects.create(phase=phase, text="Herkenbaar")
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from focusgroups.models import Agreement
    from planning.models import Activity

    agreement = Agreement.objects.create(
        session=session, text="Afspraak A", owner="team", review_on=date(2027, 1, 12)
    )
    activity = Activity.objects.create(
        school=school,
        kind="team_meeting",
        title="Teamvergadering A",
        starts_at=datetime(2027, 1, 12, 15, 0, tzinfo=ZoneInfo("Europe/Amsterdam")),
        duration_minutes=60,
    )
    from planning.models import Topic

    topic = Topic.objects.create(school=school, text="Onderwerp A", suggested_by=teacher)
    from practice.models import Conversation, Format, PracticeSession, StepInput

    own_format = Format.objects.create(
        school=school,
        slug="eigen",
        title_nl="Eigen werkvorm A",
        purpose_nl="Doel",
        roles_nl="Rol",
        phrases_nl="Zin",
        pitfalls_nl="Valkuil",
        minutes=10,
    )
    practice = PracticeSession.objects.create(
        activity=activity, format=own_format, started_at=activity.starts_at
    )
    answer = StepInput.objects.create(session=practice, step=1, text="Geheim antwoord")
    conversation = Conversation.objects.create(
        school=school, teacher=teacher, title="Lastig gesprek A", seen="Vertrouwelijk"
    )
    from nudges.models import Nudge

    leader = UserFactory.create(email="victim-leader@a.test")
    MembershipFactory.create(user=leader, school=school, role=Membership.Role.LEADER)
    nudge = Nudge.objects.create(
        rule="r1_keep_going",
        school=school,
        recipient=leader,
        period="2027-01",
        due_at=activity.starts_at,
    )
    return {
        "topic": topic,
        "nudge": nudge,
        "activity": activity,
        "answer": answer,
        "conversation": conversation,
        "format": own_format,
        "practice": practice,
        "agreement": agreement,
        "focus": session,
        "reaction": reaction,
        "school": school,
        "team": team,
        "intervention": own,
        "round": round_,
        "interview": interview,
        "note": note,
        "leader": leader,
        "teacher": teacher,
        "leaver": leaver,
    }


# Which of school A's objects a URL argument names, by the URL's name.
PK_OWNERS = {
    "own_intervention_": "intervention",
    "rounds:": "round",
    "answer_as_member": "round",
    "interviews:": "interview",
    "focus:": "focus",
    "calendar:from_agreement": "agreement",
    "calendar:topic_": "topic",
    "calendar:": "activity",
    "practice:format": "format",
    "practice:conversation": "conversation",
    "practice:": "practice",
    "nudges:": "nudge",
}


def fill(
    pattern: str, kwargs_names: list[str], victim: dict[str, Any], name: str = ""
) -> dict[str, Any]:
    owner = next((obj for prefix, obj in PK_OWNERS.items() if name.startswith(prefix)), None)
    values: dict[str, Callable[[], Any]] = {
        "school_slug": lambda: victim["school"].slug,
        "key": lambda: "warning",
        "board_slug": lambda: victim["school"].board.slug,
        "fmt": lambda: "csv",
        "round_pk": lambda: victim["round"].pk,
        "note_pk": lambda: victim["note"].pk,
        "reaction": lambda: victim["reaction"].pk,
        "year": lambda: 2027,
        "month": lambda: 1,
        "number": lambda: 1,  # a recommendation of the catalogue, the same for every school
        "activity_pk": lambda: victim["activity"].pk,
        "answer": lambda: victim["answer"].pk,
        "action": lambda: "done",
        # A teacher of school A; the one who left it for the URL that puts a leaver back.
        "user_pk": lambda: victim["leaver" if name == "person_return" else "teacher"].pk,
    }
    if owner is not None:
        values["pk"] = lambda: victim[owner].pk
    unknown = [name for name in kwargs_names if name not in values]
    if unknown:
        pytest.fail(
            f"The tenancy test cannot fill {unknown} in '{pattern}'. Teach it which object of "
            "school A belongs there (in fill()), so the new view is covered."
        )
    return {name: values[name]() for name in kwargs_names}


def concrete(pattern: str, kwargs: dict[str, Any]) -> str:
    import re

    def sub(match: re.Match[str]) -> str:
        return str(kwargs[match.group(2)])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, pattern)


def test_every_school_url_refuses_another_schools_user(
    client: Client, victim_school: dict[str, Any], outsider: User
) -> None:
    client.force_login(outsider)
    checked = []
    for pattern, name, entry in all_patterns():
        if name in NOT_TENANT_DATA or pattern.startswith(THIRD_PARTY_PREFIXES):
            continue
        if "<" not in pattern:
            pytest.fail(f"'{pattern}' ({name}) takes no school: classify it in NOT_TENANT_DATA")
        kwargs_names = list(entry.pattern.converters)
        outer = [n for n in ("school_slug",) if f"<slug:{n}>" in pattern]
        url = concrete(pattern, fill(pattern, outer + kwargs_names, victim_school, name))
        before = snapshot()
        for method in ("get", "post"):
            response = getattr(client, method)(
                url, {"name": "x", "text_nl": "gekaapt", "invitation": "1", "item-1": "1"}
            )
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        assert snapshot() == before, f"{url} changed data for an outsider"
        checked.append(url)
    assert len(checked) >= 7, checked


def test_every_school_url_sends_anonymous_visitors_to_login(
    client: Client, victim_school: dict[str, Any]
) -> None:
    for pattern, name, entry in all_patterns():
        if name in NOT_TENANT_DATA or pattern.startswith(THIRD_PARTY_PREFIXES):
            continue
        names = [n for n in ("school_slug",) if f"<slug:{n}>" in pattern]
        url = concrete(
            pattern, fill(pattern, names + list(entry.pattern.converters), victim_school, name)
        )
        before = snapshot()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/")
        assert snapshot() == before


def test_third_party_urls_change_no_school_data_for_an_outsider(
    client: Client, victim_school: dict[str, Any], outsider: User
) -> None:
    """allauth's and the admin's URLs act on the visitor's own account or need staff; called
    by an outsider with placeholder arguments they must not fail nor touch school data."""
    import re

    client.force_login(outsider)
    before = snapshot()
    visited = 0
    for pattern, name, _entry in all_patterns():
        if not pattern.startswith(THIRD_PARTY_PREFIXES) or name == "account_logout":
            continue
        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", "1", pattern).replace("^", "").replace("$", "")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (method, url, response.status_code)
            if pattern.startswith("admin/") and name not in ("admin:login", "admin:logout"):
                assert response.status_code in (302, 404), (method, url)
        visited += 1
    assert snapshot() == before
    assert visited > 20


def test_a_teacher_cannot_reach_leader_pages_of_their_own_school(
    client: Client, school: School, teacher: User, team: Team
) -> None:
    client.force_login(teacher)
    for name in ("", "people/", "people/import/", "teams/add/", "interventions/new/", "rounds/"):
        url = f"/s/{school.slug}/{name}"
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Nieuw"}).status_code in (404, 405), url
    assert not Team.objects.filter(name="Nieuw").exists()


def test_the_admin_is_closed_to_school_users(client: Client, leader: User) -> None:
    client.force_login(leader)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_board_admin_reaches_every_school_of_the_board_and_no_other(
    client: Client, school: School, other_school: School
) -> None:
    admin = UserFactory.create()
    Membership.objects.create(user=admin, board=school.board, role=Membership.Role.BOARD_ADMIN)
    client.force_login(with_two_factor(admin))
    assert client.get(f"/s/{school.slug}/").status_code == 200
    assert client.get(f"/s/{other_school.slug}/").status_code == 404


def test_own_interventions_of_another_school_stay_hidden_on_catalogue_pages(
    client: Client, victim_school: dict[str, Any], outsider: User
) -> None:
    client.force_login(outsider)
    response = client.get("/model/themes/collectief-leren/")
    assert response.status_code == 200
    assert "Geheime aanpak van de slachtofferschool" not in response.content.decode()


def test_reachable_gives_the_same_school_as_led_by_and_for_user(db: None) -> None:
    """school_view uses the cheap ``reachable``; it must agree with the QuerySets every other
    check uses, for every kind of person and every school."""
    from .factories import BoardFactory, SchoolFactory

    board, other_board = BoardFactory.create(), BoardFactory.create()
    on_board = SchoolFactory.create(board=board)
    elsewhere = SchoolFactory.create(board=other_board)
    alone = SchoolFactory.create(board=None)
    people = [UserFactory.create()]  # no role anywhere
    for role in ("leader", "facilitator", "teacher"):
        for school in (on_board, alone):
            person = UserFactory.create()
            MembershipFactory.create(user=person, school=school, role=role)
            people.append(person)
    admin = UserFactory.create()
    MembershipFactory.create(user=admin, school=None, board=board, role="board_admin")
    both = UserFactory.create()  # a teacher at one school and board admin of another board
    MembershipFactory.create(user=both, school=alone, role="teacher")
    MembershipFactory.create(user=both, school=None, board=other_board, role="board_admin")
    people += [admin, both]
    compared = 0
    for person in people:
        for school in (on_board, elsewhere, alone):
            for lead in (True, False):
                allowed = School.objects.led_by(person) if lead else School.objects.for_user(person)
                expected = allowed.filter(slug=school.slug).first()
                assert School.objects.reachable(person, school.slug, lead=lead) == expected, (
                    person.memberships.values_list("role", "school", "board"),
                    school,
                    lead,
                )
                compared += 1
    assert compared == len(people) * 6
    assert School.objects.reachable(admin, elsewhere.slug, lead=True) is None
    assert School.objects.reachable(admin, on_board.slug, lead=True) == on_board


def test_the_sign_in_urls_are_walked_and_no_one_disconnects_anothers_provider_account(
    client: Client, victim_school: dict[str, Any], outsider: User
) -> None:
    """Single sign-on (schools/sso.py) adds allauth's provider URLs under accounts/, which the
    third-party walk above covers; the one that acts on an object, disconnecting a provider
    account, must not reach someone else's."""
    from allauth.socialaccount.models import SocialAccount

    names = {name for _pattern, name, _entry in all_patterns()}
    assert {"socialaccount_connections", "openid_connect_login", "microsoft_login"} <= names
    account = SocialAccount.objects.create(
        user=victim_school["teacher"], provider="schoolaccount", uid="victim"
    )
    client.force_login(outsider)
    response = client.post("/accounts/3rdparty/", {"account": account.pk})
    assert response.status_code < 500
    assert SocialAccount.objects.filter(pk=account.pk, user=victim_school["teacher"]).exists()
