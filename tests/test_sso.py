"""Signing in with the school's own account (schools/sso.py), against a real OpenID Connect
provider on loopback (tests/oidc_provider): the redirect, the provider's login and consent,
the callback. Here through Django's test client on our side and plain HTTP on the provider's;
test_browser_sso.py walks the same in Chromium."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialLogin
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import Client

from dialoog.logging import RedactTokensFilter, redact
from schools.models import Board, BoardDomain, Membership, SignInProvider, User
from schools.privacy import export_person
from schools.sso import verified_addresses

from .conftest import database_url, with_two_factor
from .factories import BoardFactory, MembershipFactory, SchoolFactory, UserFactory
from .oidc_helpers import (
    PEOPLE,
    PROVIDER_ID,
    IdentityProvider,
    link_provider,
    through_the_provider,
)

LOGIN = f"/accounts/oidc/{PROVIDER_ID}/login/"
CALLBACK = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"


@pytest.fixture(scope="module")
def idp(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[IdentityProvider]:
    with django_db_blocker.unblock():
        url = database_url()
    provider = IdentityProvider(tmp_path_factory.mktemp("idp"), url, f"http://testserver{CALLBACK}")
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def board(db: None) -> Board:
    board = BoardFactory.create(name="Stichting Regenboog")
    BoardDomain.objects.create(board=board, domain="regenboog.test")
    return board


@pytest.fixture
def people(board: Board) -> dict[str, User]:
    school = SchoolFactory.create(name="OBS De Regenboog", board=board)
    teacher = UserFactory.create(email=PEOPLE["teacher"][1], full_name="Anna")
    MembershipFactory.create(user=teacher, school=school, role=Membership.Role.TEACHER)
    leader = UserFactory.create(email=PEOPLE["leader"][1], full_name="Bert")
    MembershipFactory.create(user=leader, school=school, role=Membership.Role.LEADER)
    # The unverified address exists, so only the missing confirmation stops it.
    unverified = UserFactory.create(email=PEOPLE["unverified"][1])
    MembershipFactory.create(user=unverified, school=school, role=Membership.Role.TEACHER)
    other = BoardFactory.create(name="Stichting Kompas")
    BoardDomain.objects.create(board=other, domain="kompas.test")
    kompas = SchoolFactory.create(name="CBS Het Kompas", board=other)
    kees = UserFactory.create(email=PEOPLE["other_board"][1])
    MembershipFactory.create(user=kees, school=kompas, role=Membership.Role.LEADER)
    return {"teacher": teacher, "leader": leader, "unverified": unverified, "kees": kees}


@pytest.fixture
def app(idp: IdentityProvider, board: Board) -> SocialApp:
    return link_provider(idp.server_url, idp.client_secret, board)


def sign_in(client: Client, who: str, *, allow: bool = True, process: str = "login") -> Any:
    """Press the provider's button, sign in and consent at the provider, come back."""
    started = client.post(LOGIN, {"process": process})
    assert started.status_code == 302, started.content[:300]
    callback = through_the_provider(started["Location"], PEOPLE[who][0], allow=allow)
    parts = urlsplit(callback)
    assert parts.path == CALLBACK
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def signed_in_as(client: Client) -> User | None:
    pk = client.session.get(SESSION_KEY)
    return User.objects.filter(pk=pk).first() if pk else None


def messages_of(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- Who gets in ------------------------------------------------------------------------------


def test_a_teacher_signs_in_and_lands_on_their_own_page(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    response = sign_in(client, "teacher")
    assert signed_in_as(client) == people["teacher"]
    assert response.redirect_chain[-1][0].endswith("/me/")
    account = SocialAccount.objects.get(user=people["teacher"])
    assert account.provider == PROVIDER_ID
    # The link is the person's data: in their export (AVG art. 15).
    exported = export_person(people["teacher"])["sign_in_accounts"]
    assert exported[0]["provider"] == PROVIDER_ID
    assert people["teacher"].email in str(exported[0]["from_provider"])
    # The second time the connected account is used; nothing new is made.
    client.logout()
    sign_in(client, "teacher")
    assert signed_in_as(client) == people["teacher"]
    assert SocialAccount.objects.count() == 1


def test_a_leader_signs_in_and_lands_on_the_dashboard(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    response = sign_in(client, "leader")
    assert signed_in_as(client) == people["leader"]
    assert response.status_code == 200
    assert "OBS De Regenboog" in response.content.decode()


def test_the_password_still_works_after_signing_in_with_the_provider(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    teacher = people["teacher"]
    teacher.set_password("eigen-wachtwoord-42")
    teacher.save()
    sign_in(client, "teacher")
    client.logout()
    teacher.refresh_from_db()
    assert teacher.check_password("eigen-wachtwoord-42")
    assert client.login(username=teacher.email, password="eigen-wachtwoord-42")


# --- Who does not -----------------------------------------------------------------------------


def refused(client: Client, response: Any, users_before: int, text: str) -> None:
    assert signed_in_as(client) is None
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert text in messages_of(response), messages_of(response)


def test_an_unknown_person_gets_no_account_and_a_dutch_message(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    before = User.objects.count()
    response = sign_in(client, "outsider")
    refused(client, response, before, "Er is geen dialoog-account voor dit e-mailadres")
    # And sees nothing: every page sends them back to the login.
    assert client.get("/").status_code == 302


def test_an_address_the_provider_did_not_confirm_is_refused(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    before = User.objects.count()
    response = sign_in(client, "unverified")
    refused(client, response, before, "heeft je e-mailadres niet bevestigd")


def test_an_address_of_another_boards_domain_is_refused(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    """Kees exists, at another board; this board's provider does not vouch for him."""
    before = User.objects.count()
    response = sign_in(client, "other_board")
    refused(client, response, before, "hoort bij een ander schoolbestuur")


def test_a_domain_the_board_did_not_list_is_refused(
    client: Client, app: SocialApp, people: dict[str, User], board: Board
) -> None:
    BoardDomain.objects.filter(board=board).delete()
    before = User.objects.count()
    response = sign_in(client, "teacher")
    refused(client, response, before, "niet bij een van de domeinen")


def test_a_provider_linked_to_no_board_signs_in_nobody(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    SignInProvider.objects.filter(app=app).delete()
    before = User.objects.count()
    response = sign_in(client, "teacher")
    refused(client, response, before, "is niet ingesteld voor jouw school")


def test_a_connected_person_who_left_the_board_is_refused(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    sign_in(client, "teacher")
    client.logout()
    Membership.objects.filter(user=people["teacher"]).delete()
    response = sign_in(client, "teacher")
    assert signed_in_as(client) is None
    assert "hoort bij een ander schoolbestuur" in messages_of(response)


def test_cancelling_at_the_provider_signs_in_nobody(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    response = sign_in(client, "teacher", allow=False)
    assert signed_in_as(client) is None
    assert "werkte niet" in messages_of(response)


def test_a_tampered_state_is_refused(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    started = client.post(LOGIN, {"process": "login"})
    callback = urlsplit(through_the_provider(started["Location"], PEOPLE["teacher"][0]))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    query["state"] = query["state"][:-2] + ("xy" if not query["state"].endswith("xy") else "ab")
    response = client.get(f"{callback.path}?{urlencode(query)}", follow=True)
    assert signed_in_as(client) is None
    assert not SocialAccount.objects.exists()
    assert "werkte niet" in messages_of(response)


def test_a_callback_without_a_started_sign_in_is_refused(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    response = client.get(f"{CALLBACK}?code=made-up&state=made-up", follow=True)
    assert signed_in_as(client) is None
    assert "werkte niet" in messages_of(response)


def test_signing_up_through_the_provider_is_closed(client: Client, app: SocialApp) -> None:
    response = client.get("/accounts/3rdparty/signup/", follow=True)
    assert signed_in_as(client) is None
    assert User.objects.count() == 0
    assert response.status_code in (200, 404)


# --- Connecting while signed in ---------------------------------------------------------------


def test_a_signed_in_person_connects_their_provider_account(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    """Anna's provider account is connected to the account she is signed in to, even if
    the provider's address were another: she confirms the link herself."""
    client.force_login(people["teacher"])
    assert 'data-testid="link-school-account"' in client.get("/profile/").content.decode()
    assert client.get("/accounts/3rdparty/").status_code == 200
    sign_in(client, "teacher", process="connect")
    assert SocialAccount.objects.get().user == people["teacher"]


def test_a_signed_in_person_of_another_board_cannot_connect(
    client: Client, app: SocialApp, people: dict[str, User]
) -> None:
    client.force_login(people["kees"])
    response = sign_in(client, "teacher", process="connect")
    assert not SocialAccount.objects.exists()
    assert "hoort bij een ander schoolbestuur" in messages_of(response)


# --- Two-factor for board admins --------------------------------------------------------------


@pytest.fixture
def board_admin(board: Board, people: dict[str, User]) -> User:
    admin = people["leader"]
    Membership.objects.filter(user=admin).delete()
    Membership.objects.create(user=admin, board=board, role=Membership.Role.BOARD_ADMIN)
    return admin


def test_a_board_admin_still_sets_up_two_factor_after_signing_in(
    client: Client, app: SocialApp, board_admin: User, board: Board
) -> None:
    sign_in(client, "leader")
    assert signed_in_as(client) == board_admin
    response = client.get(f"/board/{board.slug}/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_a_board_admin_with_two_factor_is_asked_for_the_code(
    client: Client, app: SocialApp, board_admin: User
) -> None:
    with_two_factor(board_admin)
    response = sign_in(client, "leader")
    assert signed_in_as(client) is None
    assert response.redirect_chain[-1][0] == "/accounts/2fa/authenticate/"


def test_a_board_that_trusts_the_providers_two_factor_lets_its_admin_in(
    client: Client, app: SocialApp, board_admin: User, board: Board
) -> None:
    SignInProvider.objects.filter(app=app).update(trusts_provider_mfa=True)
    with_two_factor(board_admin)
    sign_in(client, "leader")
    assert signed_in_as(client) == board_admin
    assert client.get(f"/board/{board.slug}/").status_code == 200


def test_trust_in_one_providers_two_factor_is_gone_after_a_password_login(
    client: Client, app: SocialApp, board_admin: User, board: Board
) -> None:
    SignInProvider.objects.filter(app=app).update(trusts_provider_mfa=True)
    sign_in(client, "leader")
    client.logout()
    board_admin.set_password("eigen-wachtwoord-42")
    board_admin.save()
    client.login(username=board_admin.email, password="eigen-wachtwoord-42")
    assert client.get(f"/board/{board.slug}/")["Location"] == "/accounts/2fa/totp/activate/"


# --- Logs -------------------------------------------------------------------------------------


def test_no_code_state_or_token_reaches_the_logs(
    client: Client, app: SocialApp, people: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    """Every record of a whole sign-in and a refused one, through the project's filter: none
    holds the authorization code, the state, the client secret or a token."""
    caplog.set_level(logging.DEBUG)
    started = client.post(LOGIN, {"process": "login"})
    callback = through_the_provider(started["Location"], PEOPLE["teacher"][0])
    query = parse_qs(urlsplit(callback).query)
    code, state = query["code"][0], query["state"][0]
    # The line the development server and gunicorn would write for this request.
    logging.getLogger("django.server").info('"GET %s HTTP/1.1" 302 0', callback)
    client.get(callback)
    sign_in(client, "outsider")
    # A replayed callback (its state is used up) and one with a state nobody started.
    client.get(callback)
    client.get(f"{CALLBACK}?code={code}&state=not-{state}")
    lines = []
    for record in caplog.records:
        RedactTokensFilter().filter(record)
        lines.append(record.getMessage())
    text = "\n".join(lines)
    for secret in (code, state, app.secret):
        assert secret not in text
    assert "code=[redacted]" in text
    assert PEOPLE["outsider"][1] not in text  # nor the refused person's address


@pytest.mark.parametrize(
    "line",
    [
        "GET /accounts/oidc/entree/login/callback/?code=abc123DEF&state=XyZ987 HTTP/1.1",
        "GET /accounts/microsoft/login/callback/?state=XyZ987&code=abc123DEF&session_state=s1",
        "POST /o/token/ grant_type=authorization_code&code=abc123DEF&client_secret=XyZ987",
        '{"access_token": "abc123DEF", "id_token": "XyZ987", "refresh_token": "r1"}',
        "Authorization: Bearer abc123DEF",
        "Authorization: Basic XyZ987",
        "http://127.0.0.1/cb#id_token=abc123DEF&state=XyZ987",
        "GET /login/?next=/o/authorize/%3Fcode%3Dabc123DEF%26state%3DXyZ987%26scope%3Dopenid",
        "GET /x/?next=%252Fcb%253Fstate%253DXyZ987%2526code%253Dabc123DEF",
    ],
)
def test_the_log_filter_redacts_what_a_sign_in_carries(line: str) -> None:
    cleaned = redact(line)
    assert "abc123DEF" not in cleaned
    assert "XyZ987" not in cleaned


# --- The login page, the rules without a provider ---------------------------------------------


def test_the_login_page_offers_the_boards_providers_by_name_and_logo(
    client: Client, app: SocialApp, board: Board
) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "Inloggen met Schoolaccount" in page
    assert "/static/img/sign-in/openid.svg" in page
    assert f'action="{LOGIN}?process=login"' in page
    # A board's own address shows only its providers.
    assert (
        "Inloggen met Schoolaccount"
        in client.get(f"/accounts/login/?bestuur={board.slug}").content.decode()
    )
    other = BoardFactory.create()
    assert (
        "Schoolaccount" not in client.get(f"/accounts/login/?bestuur={other.slug}").content.decode()
    )
    # The buttons' forms may lead to the provider; other pages keep form-action 'self'.
    assert "http://127.0.0.1" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_without_a_provider_the_login_page_has_no_buttons(client: Client, db: None) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "sign-in-providers" not in page
    assert client.get("/accounts/microsoft/login/").status_code == 404


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(" @School.NL ", "school.nl"), ("obs-de-linde.nl", "obs-de-linde.nl")],
)
def test_a_domain_is_kept_as_an_address_has_it(board: Board, typed: str, kept: str) -> None:
    domain = BoardDomain(board=board, domain=typed)
    domain.full_clean()
    assert domain.domain == kept


@pytest.mark.parametrize("typed", ["", "school", "https://school.nl", "a@school.nl", "sch ool.nl"])
def test_a_domain_that_is_no_domain_is_refused(board: Board, typed: str) -> None:
    with pytest.raises(ValidationError):
        BoardDomain(board=board, domain=typed).full_clean()


def test_a_domain_belongs_to_one_board_only(board: Board) -> None:
    with pytest.raises(ValidationError):
        BoardDomain(board=BoardFactory.create(), domain="regenboog.test").full_clean()


def microsoft_login(email: str, tenant: str) -> tuple[SocialLogin, SocialApp]:
    app = SocialApp(provider="microsoft", name="Microsoft 365", settings={"tenant": tenant})
    login = SocialLogin(
        user=User(email=email),
        account=SocialAccount(provider="microsoft", uid="1"),
        email_addresses=[EmailAddress(email=email, verified=False, primary=True)],
    )
    return login, app


def test_microsoft_vouches_for_an_address_only_in_the_schools_own_tenant() -> None:
    login, app = microsoft_login("Juf@Regenboog.test", "common")
    assert verified_addresses(login, app) == []
    login, app = microsoft_login("Juf@Regenboog.test", "organizations")
    assert verified_addresses(login, app) == []
    login, app = microsoft_login("Juf@Regenboog.test", "3f2c1b9e-0000-4000-8000-000000000001")
    assert verified_addresses(login, app) == ["juf@regenboog.test"]
