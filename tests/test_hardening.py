"""Security as a feature: production settings pass Django's deploy check, headers, sessions
that rotate and end, an idle timeout, password rules, login throttling, two-factor for board
admins, and no state change on GET."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from schools.models import Membership, School, Team, User

from .conftest import PASSWORD, with_two_factor
from .factories import UserFactory
from .test_tenancy import victim_school  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
Login = Callable[[User], Client]


def production_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        BALLOT_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="dialoog.example",
        **extra,
    )
    return env


def test_production_settings_pass_the_deploy_check() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_sends_hsts_and_redirects_plain_http_but_not_the_health_check() -> None:
    script = """
import django, os
django.setup()
from django.test import Client
c = Client()
secure = c.get("/healthz", secure=True, HTTP_HOST="dialoog.example")
plain = c.get("/accounts/login/", HTTP_HOST="dialoog.example")
health = c.get("/healthz", HTTP_HOST="dialoog.example")
print(secure["Strict-Transport-Security"])
print(plain.status_code, plain["Location"])
print(health.status_code)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "dialoog.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    hsts, redirect, health = result.stdout.splitlines()[-3:]
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert redirect == "301 https://dialoog.example/accounts/login/"
    assert health == "200"


def test_security_headers_on_every_kind_of_page(
    client: Client, school: School, leader: User, login: Login
) -> None:
    for url in ["/accounts/login/", f"/s/{school.slug}/", "/healthz"]:
        response = login(leader).get(url) if url.startswith("/s/") else client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp, url
        script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src


def test_login_rotates_the_session_and_logout_ends_it(
    client: Client, school: School, leader: User
) -> None:
    client.get("/accounts/login/")
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    client.post("/accounts/login/", {"login": leader.email, "password": PASSWORD})
    after = client.cookies["sessionid"].value
    assert after and after != before
    assert Session.objects.filter(session_key=after).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=after).exists()
    # The old cookie opens nothing any more.
    stale = Client()
    stale.cookies["sessionid"] = after
    assert stale.get(f"/s/{school.slug}/").status_code == 302


def test_a_changed_session_is_written_with_one_statement_and_kept_in_the_cache(
    db: None, django_assert_num_queries: Any
) -> None:
    from django.contrib.sessions.backends.base import UpdateError
    from django.core.cache import cache

    from dialoog.sessions import SessionStore

    store = SessionStore()
    store["step"] = 1
    store.create()
    key = store.session_key
    assert key is not None
    again = SessionStore(key)
    again["step"] = 2
    with django_assert_num_queries(1):  # the UPDATE; no transaction of its own
        again.save()
    assert SessionStore(key).load()["step"] == 2
    assert Session.objects.get(session_key=key).get_decoded()["step"] == 2
    assert cache.get(again.cache_key)["step"] == 2
    Session.objects.filter(session_key=key).delete()  # logged out elsewhere meanwhile
    again["step"] = 3
    with pytest.raises(UpdateError):
        again.save()


def test_a_phone_remembers_what_it_sent_before_the_live_version_moves_on(db: None) -> None:
    """schools.live.remember_now: saved at once, so a poll that sees the next version also
    sees that this phone already answered (not only after the response is built)."""
    from django.test import RequestFactory

    from dialoog.sessions import SessionStore
    from schools.live import remember_now

    request = RequestFactory().post("/")
    request.session = SessionStore()
    request.session.create()
    remember_now(request, "checked_in", 7)
    assert not request.session.modified  # nothing left for the middleware to write
    stored = Session.objects.get(session_key=request.session.session_key)
    assert stored.get_decoded()["checked_in"] == 7


def test_an_idle_session_ends(client: Client, school: School, leader: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/accounts/login/", {"login": leader.email, "password": PASSWORD})
        assert client.get(f"/s/{school.slug}/").status_code == 200
        clock.shift(timedelta(minutes=50))
        assert client.get(f"/s/{school.slug}/").status_code == 200, "activity keeps it alive"
        clock.shift(timedelta(minutes=50))
        assert client.get(f"/s/{school.slug}/").status_code == 200
        clock.shift(timedelta(minutes=61))
        response = client.get(f"/s/{school.slug}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        page = client.get(response["Location"]).content.decode()
        assert "Je bent uitgelogd" in page
        assert client.get(f"/s/{school.slug}/").status_code == 302


def test_the_session_is_written_at_most_once_a_minute(
    client: Client, school: School, leader: User, login: Login
) -> None:
    login(leader).get(f"/s/{school.slug}/")
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    client.get(f"/s/{school.slug}/")
    assert Session.objects.get(session_key=key).expire_date == expiry


@pytest.mark.parametrize(
    "password,ok",
    [
        ("kort1", False),  # fewer than 8 characters
        ("password123", False),  # a common password
        ("12345678901", False),  # only digits
        ("Zeven-Bruggen-Over-De-Vecht", True),
        ("x" * 30 + "Lange-Zin-Van-Vierenzestig-Tekens-Is-Prima!", True),
    ],
)
def test_password_rules(password: str, ok: bool, db: None) -> None:
    user = UserFactory.build(email="regels@linde.test", full_name="Rita Regel")
    if ok:
        validate_password(password, user)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user)


def test_a_64_character_password_is_accepted_when_changing_it(client: Client, leader: User) -> None:
    long_password = "Professionele-dialoog-in-het-team-" + "k" * 30
    assert len(long_password) == 64
    client.force_login(leader)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": long_password, "password2": long_password},
    )
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.check_password(long_password)
    weak = client.post(
        "/accounts/password/change/",
        {"oldpassword": long_password, "password1": "password1", "password2": "password1"},
    )
    assert weak.status_code == 200
    assert "Dit wachtwoord is te algemeen." in weak.content.decode()
    leader.refresh_from_db()
    assert leader.check_password(long_password)


def test_login_is_throttled_after_repeated_failures(client: Client, leader: User) -> None:
    for _ in range(5):
        wrong = client.post("/accounts/login/", {"login": leader.email, "password": "fout"})
        assert wrong.status_code == 200
    refused = client.post("/accounts/login/", {"login": leader.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Te veel inlogpogingen" in refused.content.decode()


def test_board_admins_must_set_up_two_factor_first(client: Client, school: School) -> None:
    board = school.board
    assert board is not None
    admin = UserFactory.create(email="bestuur@linde.test")
    Membership.objects.create(user=admin, board=board, role=Membership.Role.BOARD_ADMIN)
    client.force_login(admin)
    for url in ["/", f"/board/{board.slug}/", f"/s/{school.slug}/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    # The set-up itself is reachable (after confirming the password, as allauth asks).
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 302 and setup["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(setup["Location"]).status_code == 200
    with_two_factor(admin)
    assert client.get(f"/board/{board.slug}/").status_code == 200


def test_leaders_and_teachers_are_not_forced_into_two_factor(
    school: School, leader: User, teacher: User, login: Login
) -> None:
    assert login(leader).get(f"/s/{school.slug}/").status_code == 200
    assert login(teacher).get(f"/s/{school.slug}/me/").status_code == 200


def test_no_get_changes_anything_for_the_schools_own_people(
    victim_school: dict[str, Any],  # noqa: F811
) -> None:
    """Every school URL, opened with GET by the school's own leader and teacher, leaves every
    table as it was: state changes need a POST (with its CSRF token)."""
    from .test_tenancy import (
        NOT_TENANT_DATA,
        THIRD_PARTY_PREFIXES,
        all_patterns,
        concrete,
        fill,
        snapshot,
    )

    school = victim_school["school"]
    leader = UserFactory.create()
    Membership.objects.create(user=leader, school=school, role=Membership.Role.LEADER)
    teacher = school.teachers().first()
    clients = []
    for user in (leader, teacher):
        person = Client()
        person.force_login(user)  # logging in writes last_login: before the snapshot
        clients.append(person)
    before = snapshot()
    checked = 0
    for person in clients:
        for pattern, name, _entry in all_patterns():
            if name in NOT_TENANT_DATA or pattern.startswith(THIRD_PARTY_PREFIXES):
                continue
            kwargs = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
            url = concrete(pattern, fill(pattern, kwargs, victim_school, name))
            response = person.get(url)
            assert response.status_code < 500, url
            checked += 1
    after = snapshot()
    # Reading private notes is recorded on purpose (AVG audit log); nothing else may change.
    changed = [
        label for label in before if before[label] != after[label] and label != "schools.AuditEntry"
    ]
    assert not changed, changed
    assert checked > 60


def test_opening_private_notes_is_recorded_in_a_read_only_audit_log(
    client: Client, school: School, team: Team, leader: User, teacher: User, login: Login
) -> None:
    from interviews.models import Interview, InterviewNote
    from schools.models import AuditEntry

    from .survey_helpers import open_round

    round_ = open_round(school, team=team, threshold=3)
    interview = Interview.objects.create(round=round_, teacher=teacher)
    InterviewNote.objects.create(interview=interview, text="Wil hulp bij een gesprek")
    url = f"/s/{school.slug}/interviews/interview/{interview.pk}/"
    assert login(leader).get(url).status_code == 200
    assert login(teacher).get(url).status_code == 200
    entries = list(AuditEntry.objects.order_by("pk").values_list("actor", "action", "object_id"))
    assert entries == [
        (leader.pk, "interview", interview.pk),
        (teacher.pk, "interview", interview.pk),
    ]
    # Refused visits leave no trace and open nothing.
    outsider = UserFactory.create()
    assert login(outsider).get(url).status_code == 404
    assert AuditEntry.objects.count() == 2

    staff = UserFactory.create(is_staff=True, is_superuser=True)
    admin = login(staff)
    assert admin.get("/admin/schools/auditentry/").status_code == 200
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert (
        admin.post(f"/admin/schools/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.count() == 2


def test_the_back_office_exports_one_persons_data_and_nothing_of_others(
    client: Client, school: School, team: Team, leader: User, teacher: User, login: Login
) -> None:
    import json

    from interviews.models import Interview, InterviewNote
    from nudges.models import Reflection
    from planning.models import Topic

    from .survey_helpers import open_round

    round_ = open_round(school, team=team, threshold=3)
    about_me = Interview.objects.create(round=round_, teacher=teacher)
    InterviewNote.objects.create(
        interview=about_me, text="Wil hulp bij een gesprek", wants_help=True
    )
    colleague = school.teachers().exclude(pk=teacher.pk).first() or UserFactory.create()
    other = Interview.objects.create(round=round_, teacher=colleague)
    InterviewNote.objects.create(interview=other, text="Over een collega")
    Topic.objects.create(school=school, text="Werkdruk", suggested_by=teacher)
    Reflection.objects.create(school=school, author=leader, text="Mijn eigen reflectie")
    from nudges.models import Nudge, Rule

    Nudge.objects.create(
        rule=Rule.RESPONDENTS,
        school=school,
        recipient=teacher,
        period="p",
        target_id=round_.pk,
        due_at=timezone.now(),
    )

    staff = UserFactory.create(is_staff=True, is_superuser=True)
    admin = login(staff)
    response = admin.post(
        "/admin/schools/user/",
        {"action": "export_personal_data", "_selected_action": [teacher.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    # Every app that holds something about a person adds its part (registered in its
    # AppConfig.ready): a missing registration would drop a section silently.
    assert set(data) == {
        "account",
        "memberships",
        "sign_in_accounts",
        "schools_left",
        "questionnaire_invitations",
        "interviews_about_me",
        "my_reflections",
        "my_prepared_conversations",
        "topics_i_suggested",
        "nudges_to_me",
        "what_i_opened",
    }
    assert data["account"]["email"] == teacher.email
    assert [n["text"] for i in data["interviews_about_me"] for n in i["notes"]] == [
        "Wil hulp bij een gesprek"
    ]
    assert data["topics_i_suggested"][0]["text"] == "Werkdruk"
    assert "Over een collega" not in response.content.decode()
    assert "Mijn eigen reflectie" not in response.content.decode()
    assert data["memberships"][0]["school"] == school.name
    # The invitation is listed, but not whether it was used, nor a reminder to finish (it
    # exists only until one answers): the staff who export must not learn who answered.
    assert all(n["rule"] != Rule.RESPONDENTS for n in data["nudges_to_me"])
    assert data["questionnaire_invitations"] == [
        {
            "school": school.name,
            "round_opened": data["questionnaire_invitations"][0]["round_opened"],
        }
    ]

    leaders = json.loads(
        admin.post(
            "/admin/schools/user/",
            {"action": "export_personal_data", "_selected_action": [leader.pk]},
        ).content
    )
    assert leaders["my_reflections"][0]["text"] == "Mijn eigen reflectie"

    # Two people at once is refused: an export answers one person's request.
    page = admin.post(
        "/admin/schools/user/",
        {"action": "export_personal_data", "_selected_action": [leader.pk, teacher.pk]},
        follow=True,
    )
    assert "precies één persoon" in page.content.decode()

    # Erasure is the admin's delete, and it takes the notes about the person with it.
    admin.post(f"/admin/schools/user/{teacher.pk}/delete/", {"post": "yes"})
    assert not InterviewNote.objects.filter(text="Wil hulp bij een gesprek").exists()
    # A topic stays for the team, without its author.
    assert Topic.objects.get(text="Werkdruk").suggested_by is None


def test_the_privacy_page_is_public_linked_and_in_both_languages(client: Client, db: None) -> None:
    login_page = client.get("/accounts/login/").content.decode()
    assert 'href="/privacy/"' in login_page
    dutch = client.get("/privacy/").content.decode()
    assert "Wat dialoog over jou bewaart" in dutch
    assert "nooit minder dan drie" in dutch
    assert "versleuteld met een sleutel die niet in de database staat" in dutch
    client.cookies["django_language"] = "en"
    english = client.get("/privacy/").content.decode()
    assert "What dialoog keeps about you" in english
    assert "never fewer than three" in english
    assert "encrypted with a key that is not in the database" in english
