"""Focus groups (stage three of the cycle): preparing a session, phones joining by code or
QR token, anonymous check-ins, moderated reactions, one dot per phone, agreements, polling
with 304s, and tenancy."""

from __future__ import annotations

import itertools
import os
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from dialoog.cache import RedisCache
from focusgroups.models import (
    Agreement,
    CheckIn,
    FocusPhase,
    FocusSession,
    Reaction,
    Vote,
)
from schools import live
from schools.models import School, Team, User
from surveys.models import Invitation, Round
from surveys.services import submit_answers

from .conftest import need
from .factories import MembershipFactory, UserFactory
from .survey_helpers import close_and_count, open_round, write_draft

_numbers = itertools.count()


def released_round(school: School, team: Team, answered: int = 5) -> Round:
    """A closed round of ``team`` with ``answered`` identical submissions (released at 5)."""
    for _ in range(answered):
        i = next(_numbers)
        user = UserFactory.create(email=f"fg{i}@{school.slug}.test")
        MembershipFactory.create(user=user, school=school, team=team)
    round_ = open_round(school, team=team, threshold=5, open_threshold=5)
    items = list(round_.version.items.all())
    for invitation in list(Invitation.objects.filter(round=round_))[:answered]:
        write_draft(invitation, {str(item.pk): 4 for item in items})
        submit_answers(invitation_id=invitation.pk, now=timezone.now())
    close_and_count(round_)
    round_.refresh_from_db()
    return round_


def base(school: School) -> str:
    return f"/s/{school.slug}/focus"


def prepare(client: Client, school: School, round_: Round, **extra: Any) -> FocusSession:
    page = client.get(f"{base(school)}/new/{round_.pk}/")
    assert page.status_code == 200
    form = page.context["form"]
    data: dict[str, Any] = {
        "title": "Teamdag",
        "checkin_minutes": 5,
        "theme_minutes": 10,
        "agreements_minutes": 15,
    }
    for name, field in form.fields.items():
        if name.startswith("pos_") and field.initial is not None:
            data[name] = field.initial
    if not any(k.startswith("pos_") for k in data):
        data["pos_0"] = 1
    data.update(extra)
    response = client.post(f"{base(school)}/new/{round_.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return FocusSession.objects.latest("created_at")


@pytest.fixture
def session(client: Client, leader: User, school: School, team: Team) -> FocusSession:
    round_ = released_round(school, team)
    client.force_login(leader)
    return prepare(client, school, round_)


def phone(code: str) -> Client:
    c = Client()
    c.cookies["django_language"] = "en"
    response = c.post("/doe-mee/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/doe-mee/sessie/"
    return c


def go_to(session: FocusSession, kind: str) -> FocusPhase:
    phase = session.phases.filter(kind=kind).order_by("order").first()
    assert phase is not None
    FocusSession.objects.filter(pk=session.pk).update(current=phase.order)
    session.bump()
    return phase


# ---------------------------------------------------------------- preparing


def test_prepare_uses_the_suggestions_as_default_agenda(
    client: Client, session: FocusSession
) -> None:
    kinds = list(session.phases.values_list("kind", flat=True))
    assert kinds[0] == "checkin" and kinds[-1] == "agreements"
    assert "theme" in kinds
    assert len(session.code) == 6 and set(session.code) <= set(live.CODE_ALPHABET)
    assert len(session.token) >= 32


def test_prepare_needs_a_topic_and_keeps_what_was_typed(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = released_round(school, team)
    client.force_login(leader)
    client.cookies["django_language"] = "en"
    page = client.post(
        f"{base(school)}/new/{round_.pk}/",
        {
            "title": "Mijn titel",
            "checkin_minutes": 5,
            "theme_minutes": 10,
            "agreements_minutes": 15,
        },
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Give at least one topic a number" in text
    assert 'value="Mijn titel"' in text
    assert not FocusSession.objects.exists()


def test_an_unreleased_round_cannot_get_a_session(
    client: Client, leader: User, school: School, team: Team
) -> None:
    round_ = released_round(school, team, answered=4)
    client.force_login(leader)
    response = client.get(f"{base(school)}/new/{round_.pk}/")
    assert response.status_code == 302
    assert not FocusSession.objects.exists()


def test_the_presenter_shows_code_qr_and_large_type(
    client: Client, session: FocusSession, school: School
) -> None:
    page = client.get(f"{base(school)}/{session.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert session.code in text and "<svg" in text
    assert "css/presenter.css" in text and "js/presenter.js" in text
    assert "<script>" not in text and "onclick" not in text


# ---------------------------------------------------------------- joining


def test_join_by_wrong_code_says_so_in_english(session: FocusSession) -> None:
    c = Client()
    c.cookies["django_language"] = "en"
    page = c.post("/doe-mee/", {"code": "QQQQQQ" if session.code != "QQQQQQ" else "WWWWWW"})
    assert page.status_code == 200
    assert "No running session has this code" in page.content.decode()
    page = c.post("/doe-mee/", {"code": "AB"})
    assert "The code has 6 letters and digits" in page.content.decode()


def test_join_by_code_and_by_qr_token(session: FocusSession) -> None:
    c = phone(session.code.lower())
    assert c.get("/doe-mee/sessie/").status_code == 200
    other = Client()
    response = other.get(f"/j/{session.token}/")
    assert response.status_code == 302 and response["Location"] == "/doe-mee/sessie/"
    assert other.get("/doe-mee/sessie/").status_code == 200


def test_a_closed_or_old_session_cannot_be_joined(session: FocusSession) -> None:
    c = phone(session.code)
    FocusSession.objects.filter(pk=session.pk).update(
        created_at=timezone.now() - timedelta(hours=13)
    )
    assert Client().get(f"/j/{session.token}/").status_code == 404
    page = Client().post("/doe-mee/", {"code": session.code})
    assert page.status_code == 200
    assert c.get("/doe-mee/sessie/")["Location"] == "/doe-mee/"


# ---------------------------------------------------------------- phases


def checkins(session: FocusSession, *emotions: str) -> list[Client]:
    """One phone per emotion, each checked in (in English)."""
    phones = [phone(session.code) for _ in emotions]
    for c, emotion in zip(phones, emotions, strict=True):
        assert c.post("/doe-mee/sessie/checkin/", {"emotion": emotion}).status_code == 302
    return phones


def checkin_table(html: str) -> str:
    """The distribution as the beamer shows it, rows only (labels, bars and counts)."""
    match = re.search(r'<table class="presenter-checkin".*?</table>', html, re.S)
    assert match, html[:2000]
    return match.group(0)


def test_checkin_counts_below_the_rounds_threshold_read_fewer_than_n(
    client: Client, session: FocusSession, school: School
) -> None:
    assert session.round.threshold == 5  # not the 3 the code once assumed
    client.cookies["django_language"] = "en"
    live_url = f"{base(school)}/{session.pk}/live/"
    phones = checkins(session, "hopeful", "hopeful", "hopeful", "hopeful")
    phones[0].post("/doe-mee/sessie/checkin/", {"emotion": "worried"})  # once per phone
    assert CheckIn.objects.count() == 4
    # Until the facilitator reveals it, the beamer shows only how many checked in, and below
    # the threshold it cannot be revealed: nothing could be shown, and nothing is frozen.
    hidden = client.get(live_url).content.decode()
    assert 'data-testid="checkin-hopeful"' not in hidden
    assert "4 colleagues have checked in." in hidden
    assert "The distribution can be shown once 5 colleagues have checked in." in hidden
    assert 'data-testid="reveal"' not in hidden
    client.post(f"{base(school)}/{session.pk}/reveal/")
    session.refresh_from_db()
    assert not session.checkin_revealed and not session.checkin_frozen
    checkins(session, "hopeful", "worried")
    assert 'data-testid="reveal"' in client.get(live_url).content.decode()
    client.post(f"{base(school)}/{session.pk}/reveal/")
    text = client.get(live_url).content.decode()
    row = re.search(r'data-testid="checkin-worried">(.*?)</tr>', text, re.S)
    assert row and "fewer than 5" in row.group(1) and ">1<" not in row.group(1)
    row = re.search(r'data-testid="checkin-hopeful">(.*?)</tr>', text, re.S)
    assert row and ">5<" in row.group(1)
    # In Dutch, the default: "minder dan 5".
    client.cookies["django_language"] = "nl"
    dutch = client.get(live_url).content.decode()
    row = re.search(r'data-testid="checkin-worried">(.*?)</tr>', dutch, re.S)
    assert row and "minder dan 5" in row.group(1)
    assert "Hoopvol" in dutch


def test_a_late_checkin_does_not_change_what_the_room_saw(
    client: Client, session: FocusSession, school: School, django_assert_num_queries: Any
) -> None:
    client.cookies["django_language"] = "en"
    live_url = f"{base(school)}/{session.pk}/live/"
    watching = checkins(session, "hopeful", "hopeful", "hopeful", "hopeful", "hopeful", "calm")
    revealed = client.post(f"{base(school)}/{session.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert revealed.status_code == 200
    seen = checkin_table(revealed.content.decode())
    assert checkin_table(client.get(live_url).content.decode()) == seen
    page = client.get(f"{base(school)}/{session.pk}/").content.decode()
    assert checkin_table(page) == seen
    poll = client.get(live_url)
    phone_poll = watching[0].get("/doe-mee/sessie/live/")

    # A phone that joins late can still tap, and is told kindly why it does not count.
    late = phone(session.code)
    closed = late.get("/doe-mee/sessie/").content.decode()
    assert 'data-testid="checkin-closed"' in closed and 'name="emotion"' not in closed
    answer = late.post("/doe-mee/sessie/checkin/", {"emotion": "worried"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert "The check-in is already on the screen, so yours is not added" in (
        answer.content.decode()
    )
    assert CheckIn.objects.count() == 6
    assert not CheckIn.objects.filter(emotion="worried").exists()
    # Nothing moved: the beamer's poll and the phones' polls answer 304, the figures are the
    # same in the polled part, the full page and the htmx answer of the reveal button.
    with django_assert_num_queries(3):
        assert client.get(live_url, HTTP_IF_NONE_MATCH=poll["ETag"]).status_code == 304
    assert (
        watching[0].get("/doe-mee/sessie/live/", HTTP_IF_NONE_MATCH=phone_poll["ETag"]).status_code
        == 304
    )
    assert checkin_table(client.get(live_url).content.decode()) == seen
    assert checkin_table(client.get(f"{base(school)}/{session.pk}/").content.decode()) == seen

    # Without htmx the phone is sent back to its page with the same words.
    followed = late.post("/doe-mee/sessie/checkin/", {"emotion": "calm"}, follow=True)
    assert "so yours is not added" in followed.content.decode()
    # Even a group of late check-ins as large as the threshold is not added, and hiding and
    # revealing again shows exactly what the room saw.
    for c in [phone(session.code) for _ in range(5)]:
        c.post("/doe-mee/sessie/checkin/", {"emotion": "worried"})
    assert CheckIn.objects.count() == 6
    hidden = client.post(f"{base(school)}/{session.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert "6 colleagues have checked in." in hidden.content.decode()
    shown_again = client.post(f"{base(school)}/{session.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert checkin_table(shown_again.content.decode()) == seen
    session.refresh_from_db()
    assert session.checkin_revealed and session.checkin_frozen


def test_checkin_refuses_bad_input_with_a_message_in_the_phones_language(
    session: FocusSession,
) -> None:
    c = phone(session.code)
    for data in ({"emotion": "ecstatic"}, {}, {"emotion": ""}):
        answer = c.post("/doe-mee/sessie/checkin/", data, HTTP_HX_REQUEST="true")
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "Choose one of the feelings on the buttons." in text
        assert 'name="emotion"' in text  # the buttons are still there to choose from
    dutch = Client()
    assert dutch.post("/doe-mee/", {"code": session.code}).status_code == 302
    followed = dutch.post("/doe-mee/sessie/checkin/", {"emotion": "ecstatic"}, follow=True)
    assert "Kies een van de gevoelens op de knoppen." in followed.content.decode()
    assert not CheckIn.objects.exists()
    # The phone can still check in properly afterwards.
    c.post("/doe-mee/sessie/checkin/", {"emotion": "calm"})
    assert CheckIn.objects.get().emotion == "calm"
    # Outside the check-in phase a check-in is refused, and said so.
    go_to(session, "theme")
    other = phone(session.code)
    answer = other.post("/doe-mee/sessie/checkin/", {"emotion": "calm"}, HTTP_HX_REQUEST="true")
    assert "This part takes no check-in." in answer.content.decode()
    assert CheckIn.objects.count() == 1


def test_the_late_checkin_is_explained_in_dutch(
    client: Client, session: FocusSession, school: School
) -> None:
    checkins(session, *["calm"] * 5)
    client.post(f"{base(school)}/{session.pk}/reveal/")
    late = Client()
    assert late.post("/doe-mee/", {"code": session.code}).status_code == 302
    page = late.get("/doe-mee/sessie/").content.decode()
    assert "De check-in staat al op het scherm" in page
    answer = late.post("/doe-mee/sessie/checkin/", {"emotion": "calm"}, follow=True)
    assert "dus die van jou telt niet mee" in answer.content.decode()
    presenter = client.get(f"{base(school)}/{session.pk}/live/").content.decode()
    assert "Verdeling verbergen" in presenter


# Committed rows, so that another connection waits for the lock on one of them.
@pytest.mark.django_db(transaction=True)
def test_a_checkin_that_races_the_reveal_waits_and_is_then_refused(
    client: Client, leader: User, school: School, team: Team
) -> None:
    """The reveal holds the session's row while it freezes the check-in; a check-in arriving
    meanwhile waits for it, then sees the check-in frozen and is not added."""
    import threading

    from django.db import connection, transaction

    from .survey_helpers import restore_catalogue
    from .waiting import race

    restore_catalogue()
    round_ = released_round(school, team)
    client.force_login(leader)
    session = prepare(client, school, round_)
    checkins(session, *["calm"] * 5)
    late = phone(session.code)
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def facilitator() -> None:
        try:
            with transaction.atomic():
                FocusSession.objects.select_for_update().get(pk=session.pk)
                FocusSession.objects.filter(pk=session.pk).update(
                    checkin_revealed=True, checkin_frozen=True
                )
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def latecomer() -> None:
        locked.wait(30)
        try:
            answer = late.post(
                "/doe-mee/sessie/checkin/", {"emotion": "worried"}, HTTP_HX_REQUEST="true"
            )
            outcome["text"] = answer.content.decode()
        finally:
            connection.close()

    race(facilitator, latecomer, held=locked, release=release)
    assert "so yours is not added" in outcome["text"]
    assert CheckIn.objects.filter(session=session).count() == 5


def test_phones_list_the_shown_reactions_by_text_never_by_arrival(session: FocusSession) -> None:
    phase = go_to(session, "theme")
    for text in ("Zeker", "Af en toe", "Misschien"):  # in this order of arrival
        Reaction.objects.create(phase=phase, text=text, status="shown")
    session.bump()
    page = phone(session.code).get("/doe-mee/sessie/").content.decode()
    assert page.index("Af en toe") < page.index("Misschien") < page.index("Zeker")


def test_reactions_wait_for_moderation_and_votes_are_one_per_phone(
    client: Client, session: FocusSession, school: School
) -> None:
    client.cookies["django_language"] = "en"
    phase = go_to(session, "theme")
    a, b = phone(session.code), phone(session.code)
    a.post("/doe-mee/sessie/reactie/", {"text": "Ja, herkenbaar"})
    reaction = Reaction.objects.get()
    assert reaction.phase == phase and reaction.status == "pending"
    # Not on the beamer nor on the phones yet (only counted), and not votable.
    live = client.get(f"{base(school)}/{session.pk}/live/").content.decode()
    assert "Ja, herkenbaar" not in live and "1 reaction waiting" in live
    waiting = client.get(f"{base(school)}/{session.pk}/moderation/live/").content.decode()
    assert "Ja, herkenbaar" in waiting
    assert "Ja, herkenbaar" not in b.get("/doe-mee/sessie/").content.decode()
    assert b.post(f"/doe-mee/sessie/stem/{reaction.pk}/").status_code == 404
    response = client.post(
        f"{base(school)}/{session.pk}/reactions/{reaction.pk}/",
        {"status": "shown", "screen": "moderation"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{base(school)}/{session.pk}/moderation/"
    assert "Ja, herkenbaar" in b.get("/doe-mee/sessie/").content.decode()
    a.post(f"/doe-mee/sessie/stem/{reaction.pk}/")
    b.post(f"/doe-mee/sessie/stem/{reaction.pk}/")
    assert Vote.objects.filter(reaction=reaction).count() == 2
    b.post(f"/doe-mee/sessie/stem/{reaction.pk}/")  # a second tap takes the dot back
    assert Vote.objects.filter(reaction=reaction).count() == 1
    assert all(len(v) == 64 for v in Vote.objects.values_list("voter", flat=True))
    client.post(f"{base(school)}/{session.pk}/reactions/{reaction.pk}/group/", {"group": "Tijd"})
    text = client.get(f"{base(school)}/{session.pk}/live/").content.decode()
    assert "Tijd" in text and "Ja, herkenbaar" in text


def test_step_and_timer(client: Client, session: FocusSession, school: School) -> None:
    client.post(f"{base(school)}/{session.pk}/step/", {"direction": "next"})
    session.refresh_from_db()
    assert session.current == 1 and not session.paused
    client.post(f"{base(school)}/{session.pk}/timer/")
    session.refresh_from_db()
    assert session.paused
    client.post(f"{base(school)}/{session.pk}/step/", {"direction": "prev"})
    client.post(f"{base(school)}/{session.pk}/step/", {"direction": "prev"})
    session.refresh_from_db()
    assert session.current == 0


def test_agreement_with_review_date_in_summary_and_readable_by_teachers(
    client: Client, session: FocusSession, school: School, teacher: User, outsider: User
) -> None:
    go_to(session, "agreements")
    review_on = timezone.localdate() + timedelta(days=42)
    response = client.post(
        f"{base(school)}/{session.pk}/agreements/add/",
        {
            "kind": "agreement",
            "text": "We bespreken elke maand een les",
            "owner": "het team",
            "review_on": review_on.isoformat(),
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.review_on == review_on
    summary = client.get(f"{base(school)}/{session.pk}/summary/").content.decode()
    assert "We bespreken elke maand een les" in summary
    client.force_login(teacher)
    assert "We bespreken elke maand" in client.get(f"{base(school)}/agreements/").content.decode()
    assert client.get(f"{base(school)}/{session.pk}/summary/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"{base(school)}/agreements/").status_code == 404


def test_agreement_without_date_is_refused(
    client: Client, session: FocusSession, school: School
) -> None:
    go_to(session, "agreements")
    client.cookies["django_language"] = "en"
    response = client.post(
        f"{base(school)}/{session.pk}/agreements/add/",
        {"kind": "goal", "text": "Samen leren", "owner": "Anna"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert 'value="Samen leren"' in response.content.decode()
    assert not Agreement.objects.exists()


def test_agreement_with_a_review_date_in_the_past_is_refused(
    client: Client, session: FocusSession, school: School
) -> None:
    go_to(session, "agreements")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        f"{base(school)}/{session.pk}/agreements/add/",
        {"kind": "agreement", "text": "Samen leren", "owner": "Anna", "review_on": yesterday},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "Kies een evaluatiedatum vanaf vandaag." in page
    assert 'value="Samen leren"' in page and 'value="Anna"' in page
    assert not Agreement.objects.exists()


# ---------------------------------------------------------------- polling


def test_presenter_poll_answers_304_when_unchanged(
    client: Client, session: FocusSession, school: School, django_assert_num_queries: Any
) -> None:
    url = f"{base(school)}/{session.pk}/live/"
    first = client.get(url)
    assert first.status_code == 200
    tag = first["ETag"]
    # The session comes from Redis; then the user, the tenancy check and the version.
    with django_assert_num_queries(3):
        again = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b""
    phone(session.code).post("/doe-mee/sessie/checkin/", {"emotion": "calm"})
    changed = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_phone_poll_answers_304_when_unchanged_without_touching_the_database(
    session: FocusSession, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 phones poll every two seconds: an unchanged poll reads the phone's session and the
    session's version from Redis. A change is seen at the next poll, however long the cached
    version would otherwise live."""
    monkeypatch.setattr(live, "LIVE_STATE_SECONDS", 600)  # no expiry during the test
    c = phone(session.code)
    first = c.get("/doe-mee/sessie/live/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = c.get("/doe-mee/sessie/live/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304

    go_to(session, "theme")  # the leader moves on: bump() forgets the cached version
    changed = c.get("/doe-mee/sessie/live/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]

    FocusSession.objects.filter(pk=session.pk).update(closed_at=timezone.now())
    session.bump()
    assert c.get("/doe-mee/sessie/live/")["Location"] == "/doe-mee/"


def test_an_unchanged_phone_poll_is_a_bare_304_that_keeps_its_headers(
    session: FocusSession, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poll reads the phone's session (from Redis) and nothing else: no query, the
    session is not written again, and the 304 still carries the ETag, the security headers
    and the Vary and language headers a cache needs."""
    monkeypatch.setattr(live, "LIVE_STATE_SECONDS", 600)
    c = phone(session.code)
    first = c.get("/doe-mee/sessie/live/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    mine = Session.objects.filter(session_key=c.cookies["sessionid"].value)
    saved = mine.get().session_data
    with django_assert_num_queries(0):
        poll = c.get(
            "/doe-mee/sessie/live/", HTTP_HX_REQUEST="true", HTTP_IF_NONE_MATCH=first["ETag"]
        )
    assert poll.status_code == 304 and poll.content == b""
    assert poll["ETag"] == first["ETag"] == f'"{session.version}-en"'
    assert poll["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in poll["Content-Security-Policy"]
    assert poll["X-Frame-Options"] == "DENY"
    assert poll["X-Content-Type-Options"] == "nosniff"
    assert poll["Referrer-Policy"] == "same-origin"
    assert "Cookie" in poll["Vary"] and poll["Content-Language"] == "en"
    assert "sessionid" not in poll.cookies and "messages" not in poll.cookies
    assert mine.get().session_data == saved


def test_without_redis_phones_and_leaders_carry_on_from_the_database(
    session: FocusSession, client: Client, school: School, settings: Any
) -> None:
    """Sessions and the live version have a copy in Redis; a Redis that is down makes pages
    slower, not broken."""
    c = phone(session.code)
    settings.CACHES = {
        "default": {
            "BACKEND": "dialoog.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    poll = c.get("/doe-mee/sessie/live/")
    assert poll.status_code == 200
    go_to(session, "theme")
    assert c.get("/doe-mee/sessie/live/", HTTP_IF_NONE_MATCH=poll["ETag"]).status_code == 200
    assert client.get(f"{base(school)}/{session.pk}/live/").status_code == 200


def test_a_forked_process_talks_to_redis_on_its_own_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cache keeps one connection per process (dialoog/cache.py): a process forked after
    the parent used it (Celery's pool) must not share the parent's socket."""
    need(bool(os.environ.get("REDIS_URL")), "needs REDIS_URL")
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "fork-test"})
    cache.set("k", 1)
    clients: Any = cache._cache  # type: ignore[attr-defined]  # (Django's, private)
    parent = clients.get_client(write=False)
    assert clients.get_client(write=False) is parent
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a forked child
    child = clients.get_client(write=False)
    assert child is not parent and child.connection is not parent.connection
    assert cache.get("k") == 1


# ---------------------------------------------------------------- tenancy


def test_presenter_endpoints_are_404_for_another_school(
    client: Client, session: FocusSession, school: School, outsider: User
) -> None:
    phase = go_to(session, "theme")
    reaction = Reaction.objects.create(phase=phase, text="Geheim")
    client.force_login(outsider)
    b = base(school)
    for url in (
        f"{b}/",
        f"{b}/{session.pk}/",
        f"{b}/{session.pk}/live/",
        f"{b}/{session.pk}/summary/",
        f"{b}/{session.pk}/moderation/",
        f"{b}/{session.pk}/moderation/live/",
        f"{b}/new/{session.round_id}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{b}/{session.pk}/step/",
        f"{b}/{session.pk}/timer/",
        f"{b}/{session.pk}/reveal/",
        f"{b}/{session.pk}/reactions/{reaction.pk}/",
        f"{b}/{session.pk}/reactions/{reaction.pk}/group/",
        f"{b}/{session.pk}/agreements/add/",
        f"{b}/{session.pk}/close/",
    ):
        assert client.post(url, {"status": "shown", "group": "x"}).status_code == 404, url
    reaction.refresh_from_db()
    assert reaction.status == "pending" and reaction.group == ""
    session.refresh_from_db()
    assert session.closed_at is None and not session.checkin_revealed


def test_close_ends_the_session_for_phones(
    client: Client, session: FocusSession, school: School
) -> None:
    c = phone(session.code)
    response = client.post(f"{base(school)}/{session.pk}/close/")
    assert response.status_code == 302
    assert c.get("/doe-mee/sessie/live/")["Location"] == "/doe-mee/"
    assert Client().get(f"/j/{session.token}/").status_code == 404


def test_guessing_codes_is_throttled(session: FocusSession) -> None:
    c = Client()
    c.cookies["django_language"] = "en"
    wrong = "QQQQQQ" if session.code != "QQQQQQ" else "WWWWWW"
    for _ in range(30):
        assert c.post("/doe-mee/", {"code": wrong}).status_code == 200
    page = c.post("/doe-mee/", {"code": session.code})
    assert page.status_code == 429
    assert "Too many wrong codes" in page.content.decode()
