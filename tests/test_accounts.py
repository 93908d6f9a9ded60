"""Logging in: e-mail and password, an e-mailed code for teachers, two-factor for leaders."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from schools.models import School, User

from .conftest import PASSWORD


def test_the_login_page_is_dutch_by_default(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="nl">' in page
    assert "Inloggen" in page


def test_a_leader_logs_in_with_email_and_password_and_lands_on_the_dashboard(
    client: Client, leader: User, school: School
) -> None:
    response = client.post(
        "/accounts/login/", {"login": "LEADER@linde.test", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/s/{school.slug}/"
    assert "OBS De Linde" in response.content.decode()


def test_a_wrong_password_is_refused_and_the_email_kept(client: Client, leader: User) -> None:
    response = client.post("/accounts/login/", {"login": "leader@linde.test", "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="leader@linde.test"' in page
    assert "_auth_user_id" not in client.session


def test_a_teacher_logs_in_with_a_code_from_an_email(
    client: Client, teacher: User, school: School
) -> None:
    response = client.post("/accounts/login/code/", {"email": "teacher@linde.test"})
    assert response.status_code == 302
    [message] = mail.outbox
    body = str(message.body)
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, flags=re.MULTILINE)
    assert code, body
    response = client.post("/accounts/login/code/confirm/", {"code": code.group(1)}, follow=True)
    assert response.redirect_chain[-1][0] == f"/s/{school.slug}/me/"


def test_nobody_can_sign_up_on_their_own(client: Client, db: None) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "new@x.test", "password1": "a long passphrase", "password2": "a long passphrase"},
    )
    assert not User.objects.filter(email="new@x.test").exists()
    assert response.status_code in (200, 302)


def test_a_leader_can_set_up_two_factor_and_a_teacher_cannot(
    client: Client, leader: User, teacher: User
) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=leader, email=leader.email, verified=True, primary=True)
    EmailAddress.objects.create(user=teacher, email=teacher.email, verified=True, primary=True)
    client.force_login(leader)
    # allauth asks for the password again before two-factor is switched on.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "data:image/svg+xml" in page.content.decode()
    client.force_login(teacher)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 404
    assert client.post("/accounts/2fa/totp/activate/", {"code": "123456"}).status_code == 404


def test_logout_needs_a_post(client: Client, leader: User) -> None:
    client.force_login(leader)
    client.get("/accounts/logout/")
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_a_leader_is_sent_to_the_dashboard_and_a_teacher_to_their_page(
    client: Client, leader: User, teacher: User, school: School
) -> None:
    client.force_login(leader)
    assert client.get("/")["Location"] == f"/s/{school.slug}/"
    client.force_login(teacher)
    assert client.get("/")["Location"] == f"/s/{school.slug}/me/"


def test_someone_with_two_schools_chooses(
    client: Client, leader: User, other_school: School
) -> None:
    from schools.models import Membership

    Membership.objects.create(user=leader, school=other_school, role=Membership.Role.TEACHER)
    client.force_login(leader)
    page = client.get("/").content.decode()
    assert "OBS De Linde" in page and "CBS De Eik" in page


def test_the_language_switch_changes_the_page_and_the_saved_preference(
    client: Client, leader: User
) -> None:
    client.force_login(leader)
    client.post("/i18n/setlang/", {"language": "en", "next": "/model/"})
    assert '<html lang="en">' in client.get("/model/").content.decode()
    leader.refresh_from_db()
    assert leader.language == "en"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/model/"})
    assert '<html lang="nl">' in client.get("/model/").content.decode()


def test_the_saved_language_is_used_on_a_new_device(client: Client, leader: User) -> None:
    leader.language = "en"
    leader.save()
    client.force_login(leader)
    assert '<html lang="en">' in client.get("/model/").content.decode()


def test_the_profile_form_refuses_an_empty_name(client: Client, leader: User) -> None:
    client.force_login(leader)
    response = client.post("/profile/", {"full_name": "", "language": "nl"})
    assert "Dit veld is verplicht." in response.content.decode()
    leader.refresh_from_db()
    assert leader.full_name == "Lies Leider"
    client.post("/profile/", {"full_name": "Lies de Leider", "language": "en"})
    leader.refresh_from_db()
    assert (leader.full_name, leader.language) == ("Lies de Leider", "en")


def test_an_english_browser_still_gets_dutch_until_the_switch_is_used(
    client: Client, db: None
) -> None:
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nl">' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()


def test_account_emails_greet_without_the_server_address(client: Client, teacher: User) -> None:
    client.post("/accounts/login/code/", {"email": teacher.email})
    body = str(mail.outbox[0].body)
    assert body.startswith("Hallo,")
    assert "testserver" not in body
