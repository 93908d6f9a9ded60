"""One live session (schools/live.py): one join address for the focus group and a practice
session, by the code on the beamer or its QR link; codes unique across both kinds; the old
practice addresses lead to the one join address."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from focusgroups.models import FocusSession
from planning.models import Activity
from practice.models import Format, PracticeSession
from schools import live
from schools.models import School

from .survey_helpers import open_round

JOIN = "/doe-mee/"
FOCUS_PHONE = "/doe-mee/sessie/"
PRACTICE_PHONE = "/doe-mee/oefening/"

NO_SESSION = "Er is geen lopende sessie met deze code."
LINK_ENDED = "Deze link werkt niet meer"


def _focus(school: School) -> FocusSession:
    return FocusSession.objects.create(round=open_round(school, threshold=3), title="Teamdag")


def _practice(school: School, fmt: Format | None = None, **extra: Any) -> PracticeSession:
    now = timezone.now()
    activity = Activity.objects.create(
        school=school,
        kind=Activity.Kind.TEAM_MEETING,
        title="Teamvergadering",
        starts_at=now,
        duration_minutes=60,
    )
    fields: dict[str, Any] = {"started_at": now}
    fields.update(extra)
    return PracticeSession.objects.create(
        activity=activity, format=fmt or Format.objects.library().get(slug="feedback"), **fields
    )


@pytest.fixture
def focus(school: School) -> FocusSession:
    return _focus(school)


@pytest.fixture
def practice(school: School) -> PracticeSession:
    return _practice(school)


def test_the_one_join_address_finds_a_running_session_of_either_kind_by_its_code(
    focus: FocusSession, practice: PracticeSession
) -> None:
    for session, phone_page, title in (
        (focus, FOCUS_PHONE, "Teamdag"),
        (practice, PRACTICE_PHONE, practice.format.title),
    ):
        phone = Client()
        # Typed on a phone: lower case, with a space in the middle.
        typed = f" {session.code[:3].lower()} {session.code[3:]} "
        response = phone.post(JOIN, {"code": typed})
        assert response.status_code == 302 and response["Location"] == phone_page
        page = phone.get(phone_page)
        assert page.status_code == 200 and title in page.content.decode()
        assert page["Cache-Control"] == "no-store"


def test_the_qr_link_of_either_kind_joins_and_leaves_the_address_bar(
    focus: FocusSession, practice: PracticeSession
) -> None:
    for session, phone_page in ((focus, FOCUS_PHONE), (practice, PRACTICE_PHONE)):
        phone = Client()
        response = phone.get(f"/j/{session.token}/")
        assert response.status_code == 302 and response["Location"] == phone_page
        assert phone.get(phone_page).status_code == 200


def test_the_join_page_is_dutch_and_one_for_both_kinds(db: None) -> None:
    page = Client().get(JOIN).content.decode()
    assert "<h1" in page and "Doe mee</h1>" in page
    assert "Typ de code die op het scherm staat." in page
    assert 'action="/doe-mee/"' in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("QQQQQQ", NO_SESSION),
        ("", "Dit veld is verplicht."),
        ("AB", "De code bestaat uit 6 letters en cijfers."),
        ("ACDEFGH", "De code bestaat uit 6 letters en cijfers."),
        ("A" * 25, "Zorg dat deze waarde niet meer dan 20 tekens bevat"),
        ("ACD\x00EF", "Null-tekens zijn niet toegestaan."),
        ("ÄÖÜ٣²1", NO_SESSION),
    ],
)
def test_a_wrong_or_bad_code_is_refused_in_dutch_and_keeps_what_was_typed(
    focus: FocusSession, practice: PracticeSession, typed: str, message: str
) -> None:
    phone = Client()
    response = phone.post(JOIN, {"code": typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'data-testid="join-error"' in page
    if typed and "\x00" not in typed:
        assert f'value="{typed}"' in page
    assert phone.get(FOCUS_PHONE)["Location"] == JOIN
    assert phone.get(PRACTICE_PHONE)["Location"] == JOIN


def test_a_closed_session_of_either_kind_cannot_be_joined(
    focus: FocusSession, practice: PracticeSession
) -> None:
    for session in (focus, practice):
        session.close(timezone.now())
        page = Client().post(JOIN, {"code": session.code})
        assert page.status_code == 200 and NO_SESSION in page.content.decode()
        link = Client().get(f"/j/{session.token}/")
        assert link.status_code == 404 and LINK_ENDED in link.content.decode()
        assert 'data-testid="join-form"' in link.content.decode()


def test_a_practice_session_that_has_not_started_cannot_be_joined_yet(school: School) -> None:
    session = _practice(school, started_at=None)
    assert NO_SESSION in Client().post(JOIN, {"code": session.code}).content.decode()
    assert Client().get(f"/j/{session.token}/").status_code == 404


def test_a_link_that_names_no_session_is_404(db: None) -> None:
    for token in ("not-a-real-token-at-all", "x", "a" * 300):
        response = Client().get(f"/j/{token}/")
        assert response.status_code == 404 and LINK_ENDED in response.content.decode()


def test_the_old_practice_addresses_lead_to_the_one_join_address(
    practice: PracticeSession,
) -> None:
    """/oefenen/ and /oefen/<token>/ were printed on handouts; a join page of before may still
    be open on a phone and post its code there."""
    old = Client().get("/oefenen/")
    assert old.status_code == 308 and old["Location"] == JOIN
    phone = Client()
    followed = phone.post("/oefenen/", {"code": practice.code.lower()}, follow=True)
    assert [url for url, _status in followed.redirect_chain] == [JOIN, PRACTICE_PHONE]
    assert followed.status_code == 200 and practice.format.title in followed.content.decode()

    link = Client().get(f"/oefen/{practice.token}/")
    assert link.status_code == 308 and link["Location"] == f"/j/{practice.token}/"
    phone = Client()
    followed = phone.get(f"/oefen/{practice.token}/", follow=True)
    assert followed.redirect_chain[-1][0] == PRACTICE_PHONE and followed.status_code == 200

    wrong = Client().post("/oefenen/", {"code": "QQQQQQ"}, follow=True)
    assert wrong.status_code == 200 and NO_SESSION in wrong.content.decode()
    assert Client().get("/oefen/not-a-real-token/", follow=True).status_code == 404


def test_the_old_address_does_not_get_round_the_throttle(practice: PracticeSession) -> None:
    phone = Client()
    for _ in range(live.JOIN_FAILURES):
        assert phone.post(JOIN, {"code": "QQQQQQ"}).status_code == 200
    for url in (JOIN, "/oefenen/"):
        response = phone.post(url, {"code": practice.code}, follow=True)
        assert response.status_code == 429
        assert "Te veel verkeerde codes vanaf dit netwerk." in response.content.decode()


def test_a_phone_in_both_kinds_keeps_each_and_loses_only_the_one_that_ends(
    focus: FocusSession, practice: PracticeSession
) -> None:
    phone = Client()
    phone.post(JOIN, {"code": focus.code})
    phone.post(JOIN, {"code": practice.code})
    assert phone.get(FOCUS_PHONE).status_code == 200
    assert phone.get(PRACTICE_PHONE).status_code == 200
    practice.close(timezone.now())
    assert phone.get(PRACTICE_PHONE)["Location"] == JOIN
    assert phone.get(FOCUS_PHONE).status_code == 200


# ---------------------------------------------------------------- codes across both kinds


def test_kinds_are_the_models_that_extend_live_session() -> None:
    assert set(live.kinds()) == {PracticeSession, FocusSession}


def test_a_new_session_never_takes_the_code_of_an_open_session_of_the_other_kind(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter(["ACDEFG", "ACDEFG", "HJKMNP", "ACDEFG"])
    monkeypatch.setattr(live, "new_code", lambda: next(drawn))
    focus = _focus(school)
    practice = _practice(school)
    assert (focus.code, practice.code) == ("ACDEFG", "HJKMNP")
    for session, phone_page in ((focus, FOCUS_PHONE), (practice, PRACTICE_PHONE)):
        assert Client().post(JOIN, {"code": session.code})["Location"] == phone_page
    # A closed session's code is free again.
    focus.close(timezone.now())
    assert _practice(school).code == "ACDEFG"


@pytest.mark.django_db(transaction=True)
def test_two_sessions_of_two_kinds_made_at_once_get_different_codes(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither sees the other's code before it is committed; the lock under which a code is
    chosen makes the second wait for the first, and then it sees the code taken."""
    import threading

    from django.db import connection, transaction

    from .survey_helpers import restore_catalogue
    from .waiting import race

    restore_catalogue()
    round_ = open_round(school, threshold=3)
    fmt = Format.objects.create(
        school=school,
        slug="eigen",
        title_nl="Eigen werkvorm",
        purpose_nl="Doel",
        roles_nl="Rol",
        phrases_nl="Zin",
        pitfalls_nl="Valkuil",
        minutes=10,
    )
    drawn = iter(["ACDEFG", "ACDEFG", "HJKMNP"])
    monkeypatch.setattr(live, "new_code", lambda: next(drawn))
    made, release = threading.Event(), threading.Event()
    codes: dict[str, str] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                codes["focus"] = FocusSession.objects.create(round=round_, title="Teamdag").code
                made.set()
                release.wait(30)
        finally:
            connection.close()

    def second() -> None:
        made.wait(30)
        try:
            codes["practice"] = _practice(school, fmt).code
        finally:
            connection.close()

    race(first, second, held=made, release=release)
    assert codes == {"focus": "ACDEFG", "practice": "HJKMNP"}
