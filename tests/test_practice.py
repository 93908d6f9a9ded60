"""The practice kit: the library, choosing a format for an activity, running it with phones,
the reflections behind the anonymity rules, and the private difficult conversation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from interventions.models import Theme
from planning.models import Activity
from practice.anonymity import reflection_gate
from practice.demo import seed_practice
from practice.forms import parse_steps
from practice.models import (
    Conversation,
    Format,
    PracticeSession,
    Reflection,
    StepInput,
    practice_counts_by_theme,
)
from schools.models import Membership, School, Team, User

from .factories import MembershipFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
REQUIRED = {
    "feedback": "giving and receiving feedback",
    "gesprek-over-het-gesprek": "the conversation about the conversation",
    "intervisie": "peer consultation",
    "verschillen": "talking openly about differences",
    "zien-horen-voelen": "naming tension",
    "wat-kan-wel-en-niet": "what can and cannot be said",
    "persoonlijk-parkeren": "parking the personal",
    "waar-werk-je-aan": "sharing what everyone works on",
    "emotie-check-in": "an emotion check-in",
    "afspraken-terugkijken": "reviewing agreements",
}


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    """Assertions read the English source strings (the Dutch ones are merged later); the
    language cookie of the switch makes every page English."""
    client.cookies["django_language"] = "en"


def _activity(school: School, **extra: Any) -> Activity:
    fields: dict[str, Any] = {
        "school": school,
        "kind": Activity.Kind.TEAM_MEETING,
        "title": "Teamvergadering",
        "starts_at": datetime(2027, 1, 12, 15, 0, tzinfo=AMS),
        "duration_minutes": 60,
    }
    fields.update(extra)
    return Activity.objects.create(**fields)


def _feedback() -> Format:
    return Format.objects.library().get(slug="feedback")


def _session(school: School, **extra: Any) -> PracticeSession:
    fields: dict[str, Any] = {"activity": _activity(school), "format": _feedback()}
    fields.update(extra)
    return PracticeSession.objects.create(**fields)


# --- The library ------------------------------------------------------------------------------


def test_the_library_has_twelve_formats_complete_in_both_languages(db: None) -> None:
    formats = list(Format.objects.library().prefetch_related("steps"))
    assert len(formats) >= 12
    for fmt in formats:
        for name in ("title", "purpose", "roles", "phrases", "pitfalls"):
            for lang in ("nl", "en"):
                assert getattr(fmt, f"{name}_{lang}").strip(), (fmt.slug, name, lang)
        steps = list(fmt.steps.all())
        assert len(steps) >= 3, fmt.slug
        assert [s.order for s in steps] == list(range(1, len(steps) + 1)), fmt.slug
        assert sum(s.minutes for s in steps) == fmt.minutes, fmt.slug
        for step in steps:
            for name in ("title", "instruction"):
                for lang in ("nl", "en"):
                    assert getattr(step, f"{name}_{lang}").strip(), (fmt.slug, step.order, name)
            # A question for the phones exists in both languages or in neither.
            assert bool(step.prompt_nl) == bool(step.prompt_en), (fmt.slug, step.order)
        assert (
            len(fmt.phrase_lines()) >= 3 and len(fmt.pitfall_lines()) >= 2 and fmt.role_lines()
        ), fmt.slug
        assert fmt.interventions.exists() and fmt.recommendations.exists(), fmt.slug
        assert fmt.group_min <= fmt.group_max


def test_the_library_covers_every_conversation_the_issue_asks_for(db: None) -> None:
    slugs = set(Format.objects.library().values_list("slug", flat=True))
    assert set(REQUIRED) <= slugs, set(REQUIRED) - slugs
    assert Format.objects.library().filter(steps__prompt_nl__gt="").distinct().count() >= 8


def test_formats_speak_the_active_language(db: None) -> None:
    fmt = _feedback()
    with translation.override("en"):
        assert fmt.title == "Giving and receiving feedback"
        assert "(5 min)" in fmt.agenda_text() and "Total: 45 minutes" in fmt.agenda_text()
    with translation.override("nl"):
        assert fmt.title == "Feedback geven en ontvangen"


def test_a_teacher_reads_the_library_in_a_fixed_number_of_queries(
    client: Client, school: School, teacher: User, django_assert_max_num_queries: Any
) -> None:
    client.force_login(teacher)
    client.cookies["django_language"] = "en"
    with django_assert_max_num_queries(14):
        response = client.get(f"/s/{school.slug}/practice/formats/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Giving and receiving feedback" in page and "Peer consultation" in page
    assert "Write a format of your own" not in page  # only a leader adds formats
    fmt = _feedback()
    detail = client.get(f"/s/{school.slug}/practice/formats/{fmt.pk}/").content.decode()
    assert "Practise in threes" in detail and "What once made feedback good for you?" in detail


# --- Choosing a format for an activity --------------------------------------------------------


def test_choosing_a_format_fills_the_agenda_in_one_step(
    client: Client, school: School, leader: User
) -> None:
    activity = _activity(school, agenda="oude agenda")
    client.force_login(leader)
    form = client.get(f"/s/{school.slug}/plan/{activity.pk}/edit/").content.decode()
    assert 'data-testid="choose-format"' in form
    fmt = _feedback()
    response = client.post(
        f"/s/{school.slug}/practice/apply/{activity.pk}/", {"format": fmt.pk, "threshold": 4}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.agenda.startswith("Giving and receiving feedback\n1. Opening (5 min)\n")
    assert "5. Agreement (5 min)" in activity.agenda and "45" in activity.agenda
    assert set(activity.interventions.all()) == set(fmt.interventions.all())
    session = PracticeSession.objects.get(activity=activity)
    assert session.format == fmt and session.threshold == 4
    # Editable afterwards in the normal form: the agenda is plain text there.
    page = client.get(f"/s/{school.slug}/plan/{activity.pk}/edit/").content.decode()
    assert "1. Opening (5 min)" in page and 'data-testid="chosen-format"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"threshold": 2}, "greater than or equal to 3"),
        ({"threshold": "x"}, "Enter a whole number"),
        ({"format": 999999}, "Select a valid choice"),
    ],
)
def test_choosing_a_format_with_bad_input_changes_nothing(
    client: Client, school: School, leader: User, data: dict[str, Any], message: str
) -> None:
    activity = _activity(school, agenda="oude agenda")
    client.force_login(leader)
    payload = {"format": _feedback().pk, "threshold": 5, **data}
    response = client.post(f"/s/{school.slug}/practice/apply/{activity.pk}/", payload, follow=True)
    activity.refresh_from_db()
    assert activity.agenda == "oude agenda"
    assert not PracticeSession.objects.exists()
    assert message in response.content.decode()


def test_a_format_of_another_school_cannot_be_chosen(
    client: Client, school: School, leader: User, other_school: School
) -> None:
    theirs = Format.objects.create(
        school=other_school,
        slug="geheim",
        title_nl="Geheime werkvorm",
        purpose_nl="x",
        roles_nl="x",
        phrases_nl="x",
        pitfalls_nl="x",
        minutes=5,
    )
    activity = _activity(school)
    client.force_login(leader)
    client.post(f"/s/{school.slug}/practice/apply/{activity.pk}/", {"format": theirs.pk})
    assert not PracticeSession.objects.exists()
    assert client.get(f"/s/{school.slug}/practice/formats/{theirs.pk}/").status_code == 404


def test_the_format_of_a_session_that_ran_stays(
    client: Client, school: School, leader: User
) -> None:
    session = _session(school, started_at=timezone.now())
    other = Format.objects.library().get(slug="intervisie")
    client.force_login(leader)
    client.post(
        f"/s/{school.slug}/practice/apply/{session.activity.pk}/",
        {"format": other.pk, "threshold": 5},
    )
    session.refresh_from_db()
    assert session.format.slug == "feedback"


# --- A school's own formats -------------------------------------------------------------------


def test_parse_steps_collects_every_problem_with_its_line() -> None:
    translation.activate("en")
    steps, errors = parse_steps("10 | Opening\nabc | Ronde\n\n5\n0 | Nul\n5 | | leeg")
    assert [s.title for s in steps] == ["Opening"]
    assert errors == [
        "Line 2: the minutes must be a whole number from 1 to 240.",
        "Line 4: write the minutes and a title, separated by |.",
        "Line 5: the minutes must be a whole number from 1 to 240.",
        "Line 6: the title is empty.",
    ]


def test_a_leader_writes_a_format_of_the_school(
    client: Client, school: School, leader: User, teacher: User, outsider: User
) -> None:
    client.force_login(leader)
    theme = Theme.objects.get(number=3)
    intervention = theme.interventions.get(number=3)
    data = {
        "title_nl": "Ons weekstartje",
        "purpose_nl": "Samen de week openen.",
        "kind": "team_meeting",
        "group_min": 3,
        "group_max": 20,
        "roles_nl": "Voorzitter",
        "phrases_nl": "Wat neem je mee?",
        "pitfalls_nl": "Te lang praten",
        "interventions": [intervention.pk],
        "steps": "5 | Rondje | Iedereen één zin | Hoe start je de week?\n10 | Afspraken",
    }
    response = client.post(f"/s/{school.slug}/practice/formats/new/", data)
    assert response.status_code == 302
    fmt = Format.objects.get(school=school)
    assert fmt.minutes == 15 and fmt.slug == "ons-weekstartje"
    assert [s.title_nl for s in fmt.steps.all()] == ["Rondje", "Afspraken"]
    assert fmt.steps.get(order=1).asks_input()
    # Editing keeps what was written and rewrites the steps.
    edit = client.get(f"/s/{school.slug}/practice/formats/{fmt.pk}/edit/").content.decode()
    assert "5 | Rondje | Iedereen één zin | Hoe start je de week?" in edit
    client.post(f"/s/{school.slug}/practice/formats/{fmt.pk}/edit/", {**data, "steps": "7 | Eén"})
    fmt.refresh_from_db()
    assert fmt.minutes == 7 and fmt.steps.count() == 1
    # A teacher reads it but cannot edit; another school does not see it.
    client.force_login(teacher)
    assert client.get(f"/s/{school.slug}/practice/formats/{fmt.pk}/").status_code == 200
    assert client.get(f"/s/{school.slug}/practice/formats/{fmt.pk}/edit/").status_code == 404
    # The library is edited in the admin only.
    client.force_login(leader)
    library = _feedback()
    assert client.get(f"/s/{school.slug}/practice/formats/{library.pk}/edit/").status_code == 404


def test_a_format_with_bad_input_shows_errors_and_keeps_what_was_typed(
    client: Client, school: School, leader: User
) -> None:
    client.force_login(leader)
    data = {
        "title_nl": "  ",
        "purpose_nl": "Doel dat blijft staan",
        "kind": "team_meeting",
        "group_min": 10,
        "group_max": 3,
        "roles_nl": "",
        "phrases_nl": "x",
        "pitfalls_nl": "x",
        "steps": "tien | Opening",
    }
    response = client.post(f"/s/{school.slug}/practice/formats/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Format.objects.filter(school=school).exists()
    assert "Doel dat blijft staan" in page and "tien | Opening" in page
    assert "Line 1: the minutes must be a whole number" in page
    assert "The largest group cannot be smaller than the smallest." in page
    assert "This field is required." in page


# --- Coverage for the calendar ----------------------------------------------------------------


def test_practice_counts_by_theme_is_one_aggregate_query(
    school: School, other_school: School, django_assert_num_queries: Any
) -> None:
    _session(school)  # feedback: interventions of theme 1 only
    _session(
        school,
        activity=_activity(school, title="Intervisie"),
        format=Format.objects.get(slug="intervisie", school=None),
    )  # themes 3 and 2
    _session(school, activity=_activity(school, starts_at=datetime(2026, 1, 5, tzinfo=AMS)))
    _session(other_school)
    with django_assert_num_queries(1):
        counts = practice_counts_by_theme(school, date(2026, 8, 1), date(2027, 7, 31))
    theme = {t.number: t.pk for t in Theme.objects.all()}
    assert counts == {theme[1]: 1, theme[2]: 1, theme[3]: 1}


# --- Running a session with phones ------------------------------------------------------------


def _phone(client_class: type[Client], code: str) -> Client:
    phone = client_class()
    phone.cookies["django_language"] = "en"
    response = phone.post("/doe-mee/", {"code": code.lower()})
    assert response.status_code == 302 and response["Location"] == "/doe-mee/oefening/"
    return phone


def test_the_presenter_runs_the_steps_and_phones_answer_anonymously(
    client: Client, school: School, leader: User
) -> None:
    session = _session(school, threshold=3)
    client.force_login(leader)
    base = f"/s/{school.slug}/practice/sessions/{session.pk}"
    phone = Client()
    assert phone.post("/doe-mee/", {"code": session.code}).status_code == 200  # not started
    client.post(f"{base}/start/")
    session.refresh_from_db()
    assert session.is_active(timezone.now())
    page = client.get(f"{base}/")
    assert page["Cache-Control"] == "no-store"
    assert "Opening" in page.content.decode() and session.code in page.content.decode()
    one, two = _phone(Client, session.code), _phone(Client, session.code)
    # Step 1 takes no answers; step 2 asks a question.
    one.post("/doe-mee/oefening/antwoord/", {"text": "te vroeg"})
    assert not StepInput.objects.exists()
    client.post(f"{base}/step/", {"direction": "next"})
    assert "What once made feedback good for you?" in one.get("/doe-mee/oefening/").content.decode()
    one.post("/doe-mee/oefening/antwoord/", {"text": "Dat het over één moment ging"})
    bad = two.post("/doe-mee/oefening/antwoord/", {"text": ""}, HTTP_HX_REQUEST="true")
    assert "This field is required." in bad.content.decode()
    # An answer does not appear the moment it is sent (that would tell whose it is): the
    # beamer counts, and shows them all at once from the threshold on.
    live = client.get(f"{base}/live/").content.decode()
    assert "Dat het over één moment ging" not in live
    assert "1 answer is in." in live and "The answers can be shown once there are 3." in live
    client.post(f"{base}/reveal/")
    assert "Dat het over één moment ging" not in client.get(f"{base}/live/").content.decode()
    two.post("/doe-mee/oefening/antwoord/", {"text": "Op tijd"})
    three = _phone(Client, session.code)
    three.post("/doe-mee/oefening/antwoord/", {"text": "Vragen stellen"})
    client.post(f"{base}/reveal/")
    live = client.get(f"{base}/live/").content.decode()
    for text in ("Dat het over één moment ging", "Op tijd", "Vragen stellen"):
        assert text in live
    # The poll answers 304 while nothing changed.
    tag = client.get(f"{base}/live/")["ETag"]
    assert client.get(f"{base}/live/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    # A late answer is not added, and nothing on the beamer moves; what was typed is shown
    # back to the phone, with the reason.
    late = one.post("/doe-mee/oefening/antwoord/", {"text": "Nog iets"}, HTTP_HX_REQUEST="true")
    assert "so yours is not added" in late.content.decode()
    assert "Nog iets" in late.content.decode()
    assert 'name="text"' not in late.content.decode()
    plain = two.post("/doe-mee/oefening/antwoord/", {"text": "Nog iets anders"})
    assert plain.status_code == 200 and "Nog iets anders" in plain.content.decode()
    assert StepInput.objects.count() == 3
    assert client.get(f"{base}/live/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    # Hiding takes an answer off the beamer.
    answer = StepInput.objects.get(text="Dat het over één moment ging")
    client.post(f"{base}/answers/{answer.pk}/hide/")
    assert "Dat het over één moment ging" not in client.get(f"{base}/live/").content.decode()
    # The timer pauses and runs again.
    client.post(f"{base}/timer/")
    session.refresh_from_db()
    assert session.paused
    # A reflection before the last step is refused.
    one.post("/doe-mee/oefening/reflectie/", {"helped": 4})
    assert not Reflection.objects.exists()
    for _ in range(10):
        client.post(f"{base}/step/", {"direction": "next"})
    session.refresh_from_db()
    assert session.current == session.format.steps.count()
    # Bad input keeps what was typed and says what is missing.
    bad = one.post("/doe-mee/oefening/reflectie/", {"keep": "Samenvatten"})
    assert "Choose a number from 1 to 5." in bad.content.decode()
    assert "Samenvatten" in bad.content.decode()
    one.post("/doe-mee/oefening/reflectie/", {"helped": 4, "keep": "Samenvatten"})
    one.post("/doe-mee/oefening/reflectie/", {"helped": 1})  # a second answer from one phone
    two.post("/doe-mee/oefening/reflectie/", {"helped": 5})
    assert sorted(Reflection.objects.values_list("helped", flat=True)) == [4, 5]
    assert "2 colleagues have answered" in client.get(f"{base}/live/").content.decode()
    client.post(f"{base}/close/")
    assert one.get("/doe-mee/oefening/")["Location"] == "/doe-mee/"


def test_the_answers_wait_for_the_reveal_and_then_close_in_dutch(
    client: Client, school: School, leader: User
) -> None:
    session = _session(school, threshold=3, started_at=timezone.now())
    PracticeSession.objects.filter(pk=session.pk).update(current=1, paused=False)
    client.force_login(leader)
    client.cookies["django_language"] = "nl"
    base = f"/s/{school.slug}/practice/sessions/{session.pk}"
    phones = []
    for text in ("Eerlijk", "Concreet"):
        phone = Client()
        assert phone.post("/doe-mee/", {"code": session.code}).status_code == 302
        sent = phone.post("/doe-mee/oefening/antwoord/", {"text": text}, follow=True)
        assert "De antwoorden komen samen op het scherm" in sent.content.decode()
        phones.append(phone)
    live = client.get(f"{base}/live/").content.decode()
    assert "2 antwoorden binnen." in live
    assert "De antwoorden kunnen getoond worden zodra het er 3 zijn." in live
    assert "Eerlijk" not in live
    phones[0].post("/doe-mee/oefening/antwoord/", {"text": "Vriendelijk"})
    live = client.get(f"{base}/live/").content.decode()
    assert "Antwoorden tonen" in live and "latere antwoorden komen er niet meer bij" in live
    client.post(f"{base}/reveal/")
    live = client.get(f"{base}/live/").content.decode()
    assert "Eerlijk" in live and "Vriendelijk" in live
    page = phones[1].get("/doe-mee/oefening/").content.decode()
    assert "De antwoorden op deze vraag staan al op het scherm." in page
    late = phones[1].post("/doe-mee/oefening/antwoord/", {"text": "Te laat"})
    assert "dus het jouwe komt er niet meer bij" in late.content.decode()
    assert "Te laat" in late.content.decode()
    assert StepInput.objects.count() == 3


def test_a_wrong_code_is_refused_and_throttled(db: None, client: Client) -> None:
    response = client.post("/doe-mee/", {"code": "ACDEFG"})
    assert "No running session has this code" in response.content.decode()
    assert client.post("/doe-mee/", {"code": "AB"}).status_code == 200
    for _ in range(30):
        client.post("/doe-mee/", {"code": "ACDEFG"})
    assert client.post("/doe-mee/", {"code": "ACDEFG"}).status_code == 429


def test_the_qr_link_joins_and_leaves_the_address_bar(client: Client, school: School) -> None:
    session = _session(school, started_at=timezone.now())
    response = client.get(f"/j/{session.token}/")
    assert response["Location"] == "/doe-mee/oefening/"
    assert client.get("/j/not-a-real-token-at-all/").status_code == 404


# --- The reflections behind the anonymity rules -----------------------------------------------


def _reflections(session: PracticeSession, *helped: int) -> None:
    Reflection.objects.bulk_create(
        Reflection(session=session, helped=h, keep=f"houden {h}") for h in helped
    )


def test_the_gate_needs_the_threshold_and_a_closed_session(school: School) -> None:
    session = _session(school, threshold=3)
    assert reflection_gate(session, 2).reason == "below_threshold"
    assert reflection_gate(session, 3).reason == "not_closed"
    session.closed_at = timezone.now()
    gate = reflection_gate(session, 3)
    assert gate.released and gate.respondents == 3
    assert not reflection_gate(session, 2).released
    assert reflection_gate(session, 2).respondents is None


def test_the_trend_hides_sessions_below_the_threshold(
    client: Client, school: School, leader: User
) -> None:
    now = timezone.now()
    low = _session(school, threshold=3, started_at=now, closed_at=now)
    _reflections(low, 1, 1)
    open_ = _session(school, threshold=3, activity=_activity(school, title="Open"), started_at=now)
    _reflections(open_, 2, 2, 2)
    shown = _session(
        school, threshold=3, activity=_activity(school, title="B"), started_at=now, closed_at=now
    )
    _reflections(shown, 4, 5, 3)
    _session(school, activity=_activity(school, title="Gepland"))  # not run: not in the trend
    client.force_login(leader)
    page = client.get(f"/s/{school.slug}/practice/").content.decode()
    assert page.count('data-released="1"') == 1
    assert page.count('data-released="0"') == 2
    assert "4.0" in page  # the released mean
    assert "Fewer than 3 colleagues" in page
    assert "houden 1" not in page and "houden 2" not in page and "houden 4" in page
    assert "(3 answers)" in page and "(2 answers)" not in page


def test_the_practice_page_has_a_fixed_number_of_queries(
    client: Client, school: School, leader: User, django_assert_max_num_queries: Any
) -> None:
    client.force_login(leader)
    for n in range(6):
        session = _session(
            school,
            activity=_activity(school, title=f"A{n}"),
            started_at=timezone.now(),
            closed_at=timezone.now(),
        )
        _reflections(session, 3, 4, 5, 4, 4)
    with django_assert_max_num_queries(12):
        response = client.get(f"/s/{school.slug}/practice/")
    assert response.content.decode().count('data-released="1"') == 6


def test_the_demo_has_a_trend_that_shows(school: School, leader: User) -> None:
    demo_teacher = UserFactory.create(email="leerkracht3@regenboog.test")
    MembershipFactory.create(user=demo_teacher, school=school)
    seed_practice(school, leader)
    seed_practice(school, leader)  # idempotent
    assert PracticeSession.objects.for_school(school).count() == 3
    sessions = list(
        PracticeSession.objects.for_school(school)
        .with_reflection_stats()
        .select_related("format", "activity")
    )
    from practice.anonymity import trends

    feedback = next(t for t in trends(sessions) if t.format.slug == "feedback")
    assert len(feedback.released) == 2
    assert "<svg" in str(feedback.sparkline())
    conversation = Conversation.objects.get(teacher=demo_teacher)
    assert conversation.chair == leader
    shared = [answer for _question, answer in conversation.shared_with_chair()]
    assert len(shared) == 3 and conversation.feel not in shared


# --- One difficult conversation ---------------------------------------------------------------


@pytest.fixture
def colleague(school: School, team: Team) -> User:
    user = UserFactory.create(email="colleague@linde.test")
    MembershipFactory.create(user=user, school=school, team=team)
    return user


def _prepare(client: Client, school: School, **extra: Any) -> Any:
    data = {
        "title": "Taakverdeling",
        "with_whom": "collega uit groep 5",
        "seen": "Ik zag dat de taken steeds bij mij terechtkomen.",
        "share_seen": "on",
        "feel": "Ik voel me gefrustreerd en moe.",
        "want": "Ik wil een eerlijke verdeling.",
        "share_want": "on",
        "ask": "",
        **extra,
    }
    return client.post(f"/s/{school.slug}/practice/conversations/new/", data)


def test_a_teacher_prepares_and_only_the_invited_chair_reads_what_is_shared(
    client: Client,
    school: School,
    teacher: User,
    leader: User,
    colleague: User,
    outsider: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    second_leader = UserFactory.create(email="second@linde.test")
    MembershipFactory.create(user=second_leader, school=school, role=Membership.Role.LEADER)
    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = _prepare(client, school, chair=leader.pk)
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    url = f"/s/{school.slug}/practice/conversations/{conversation.pk}/"
    own = client.get(url)
    assert own["Cache-Control"] == "no-store"
    assert "Ik voel me gefrustreerd" in own.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [leader.email]
    assert "gefrustreerd" not in mail.outbox[0].body  # the e-mail says only who asks

    client.force_login(leader)
    page = client.get(url)
    text = page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert "Ik zag dat de taken" in text and "Ik wil een eerlijke verdeling." in text
    assert "gefrustreerd" not in text  # not ticked
    assert 'data-testid="chair-guide"' in text
    # The chair cannot change it.
    client.post(url, {"title": "gekaapt", "seen": "x"})
    conversation.refresh_from_db()
    assert conversation.title == "Taakverdeling"
    assert (
        "Taakverdeling" in client.get(f"/s/{school.slug}/practice/conversations/").content.decode()
    )
    assert "Taakverdeling" in client.get(f"/s/{school.slug}/practice/").content.decode()

    for other in (colleague, second_leader, outsider):
        client.force_login(other)
        assert client.get(url).status_code == 404, other
        assert client.post(url, {"title": "x", "seen": "x"}).status_code == 404
        assert client.post(f"{url}delete/").status_code == 404
        listing = client.get(f"/s/{school.slug}/practice/conversations/")
        assert "Taakverdeling" not in listing.content.decode()
    client.force_login(second_leader)
    assert "Taakverdeling" not in client.get(f"/s/{school.slug}/practice/").content.decode()
    assert Conversation.objects.filter(title="Taakverdeling").exists()


def test_a_conversation_with_bad_input_keeps_what_was_typed(
    client: Client, school: School, teacher: User
) -> None:
    client.force_login(teacher)
    response = _prepare(client, school, seen="", want="", feel="", share_seen="", share_want="")
    assert "Answer at least one of the four questions." in response.content.decode()
    response = _prepare(client, school)  # shared answers but no chair
    page = response.content.decode()
    assert "choose the chair as well" in page
    assert "Ik voel me gefrustreerd en moe." in page
    assert not Conversation.objects.exists()


def test_the_chair_is_told_once_and_again_only_for_another_chair(
    client: Client,
    school: School,
    teacher: User,
    leader: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from practice.tasks import notify_chair

    client.force_login(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        _prepare(client, school, chair=leader.pk)
    conversation = Conversation.objects.get()
    assert notify_chair(conversation.pk) is False  # a redelivery sends nothing
    url = f"/s/{school.slug}/practice/conversations/{conversation.pk}/"
    data = {"title": "Taakverdeling", "seen": "Anders verwoord", "chair": leader.pk}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)  # saving again does not invite again
    assert len(mail.outbox) == 1
    second = UserFactory.create(email="second@linde.test", language="en")
    MembershipFactory.create(user=second, school=school, role=Membership.Role.LEADER)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**data, "chair": second.pk})
    assert [m.to for m in mail.outbox] == [[leader.email], [second.email]]
    assert "asks you to chair a conversation" in mail.outbox[1].subject
    assert f"/practice/conversations/{conversation.pk}/" in mail.outbox[1].body


def test_a_failed_invitation_can_be_sent_again(
    school: School, teacher: User, leader: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.mail import EmailMultiAlternatives

    from practice.tasks import notify_chair

    conversation = Conversation.objects.create(
        school=school, teacher=teacher, title="x", seen="y", chair=leader
    )

    def broken(self: Any, *args: Any) -> int:
        raise OSError("smtp down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", broken)
        with pytest.raises(OSError):
            notify_chair.run(conversation.pk)
    conversation.refresh_from_db()
    assert conversation.notified_chair is None
    assert notify_chair(conversation.pk) is True
    assert len(mail.outbox) == 1


def test_the_conversation_list_has_a_fixed_number_of_queries(
    client: Client,
    school: School,
    teacher: User,
    leader: User,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        Conversation.objects.create(school=school, teacher=teacher, title=f"T{n}", seen="x")
        Conversation.objects.create(
            school=school, teacher=leader, title=f"Van de leider {n}", seen="x", chair=leader
        )
    client.force_login(teacher)
    with django_assert_max_num_queries(10):
        response = client.get(f"/s/{school.slug}/practice/conversations/")
    page = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert page.count("/practice/conversations/") >= 5 and "Van de leider" not in page


def test_a_teacher_deletes_a_preparation(client: Client, school: School, teacher: User) -> None:
    client.force_login(teacher)
    _prepare(client, school, share_seen="", share_want="")
    conversation = Conversation.objects.get()
    assert conversation.chair is None
    client.post(f"/s/{school.slug}/practice/conversations/{conversation.pk}/delete/")
    assert not Conversation.objects.exists()


def test_the_activity_counts_use_local_days(school: School) -> None:
    late = datetime(2027, 7, 31, 23, 30, tzinfo=AMS)
    _session(school, activity=_activity(school, starts_at=late))
    counts = practice_counts_by_theme(school, date(2026, 8, 1), date(2027, 7, 31))
    assert sum(counts.values()) == 1
    assert practice_counts_by_theme(school, date(2027, 8, 1), date(2027, 8, 31)) == {}
