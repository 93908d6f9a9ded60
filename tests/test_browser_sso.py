"""Signing in with the school's own account in Chromium: the login page's button, the
redirect to a real OpenID Connect provider on loopback (tests/oidc_provider), its login and
consent pages, the callback, the landing page; as a teacher, a leader and an outsider, and
with a tampered ``state``. The back office sets the provider up (with bad input first).

Screenshots land in test-results/ (the ones in docs/img/ were taken from these)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from playwright.sync_api import Page, Route, expect

from schools.models import Board, BoardDomain, SignInProvider, User

from .browser_helpers import (
    DASHBOARD_PATH,
    DEMO_PASSWORD,
    SCHOOL_NAME,
    SCREENSHOTS,
    TEACHER_PATH,
)
from .conftest import database_url
from .oidc_helpers import CLIENT_ID, PASSWORD, PEOPLE, PROVIDER_ID, IdentityProvider, link_provider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CALLBACK = f"/accounts/oidc/{PROVIDER_ID}/login/callback/"
PROVIDER_BUTTON = re.compile(r"(Inloggen|Log in) met Schoolaccount|Log in with Schoolaccount")


@pytest.fixture(scope="module")
def idp(
    django_db_setup: None,
    django_db_blocker: Any,
    live_server: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[IdentityProvider]:
    with django_db_blocker.unblock():
        url = database_url()
    provider = IdentityProvider(
        tmp_path_factory.mktemp("idp-browser"), url, f"{live_server.url}{CALLBACK}"
    )
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def set_up(demo: str, idp: IdentityProvider) -> str:
    """The demo board with its domain and the provider, as the back office would set it."""
    board = Board.objects.get(schools__slug="de-regenboog")
    BoardDomain.objects.create(board=board, domain="regenboog.test")
    link_provider(idp.server_url, idp.client_secret, board)
    return demo


def screenshot(page: Page, name: str, selector: str = "main") -> None:
    """Only the part that matters, so the copies in docs/img stay small."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(selector).first.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def through_the_provider(page: Page, base_url: str, username: str) -> None:
    """From the login page: the provider's button, its login page, its consent page."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("button", name=PROVIDER_BUTTON).click()
    expect(page.get_by_test_id("idp-login")).to_be_visible()
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()
    expect(page.get_by_test_id("idp-consent")).to_be_visible()
    page.get_by_role("button", name="Allow").click()


def test_a_teacher_signs_in_with_the_school_account(page: Page, set_up: str) -> None:
    page.goto(f"{set_up}/accounts/login/")
    expect(page.get_by_test_id("sign-in-providers")).to_contain_text(
        "Inloggen met je schoolaccount"
    )
    logo = page.get_by_test_id("sign-in-provider").locator("img")
    expect(logo).to_have_attribute("src", re.compile(r"^/static/img/sign-in/openid\.svg$"))
    assert logo.evaluate("img => img.naturalWidth") > 0  # served by the app itself
    screenshot(page, "sso-login")

    through_the_provider(page, set_up, PEOPLE["teacher"][0])

    expect(page).to_have_url(re.compile(re.escape(TEACHER_PATH) + r"$"))
    assert SocialAccount.objects.get().user.email == PEOPLE["teacher"][1]


def test_a_leader_signs_in_with_the_school_account(page: Page, set_up: str) -> None:
    through_the_provider(page, set_up, PEOPLE["leader"][0])
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_PATH) + r"$"))
    expect(page.locator("h1")).to_contain_text(SCHOOL_NAME)


def test_an_outsider_gets_no_account_and_sees_nothing(page: Page, set_up: str) -> None:
    before = User.objects.count()
    through_the_provider(page, set_up, PEOPLE["outsider"][0])

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".alert")).to_contain_text(
        "Er is geen dialoog-account voor dit e-mailadres"
    )
    screenshot(page, "sso-refused")
    assert User.objects.count() == before
    assert not SocialAccount.objects.exists()
    for path in ("/", DASHBOARD_PATH, TEACHER_PATH, "/profile/"):
        page.goto(f"{set_up}{path}")
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("body")).not_to_contain_text(SCHOOL_NAME)


def test_a_tampered_state_signs_in_nobody(page: Page, set_up: str, idp: IdentityProvider) -> None:
    """The provider's answer is held back at the callback and sent again with another
    ``state``: allauth finds no sign-in that it started, and nobody is signed in."""
    held: list[str] = []

    def hold(route: Route) -> None:
        # A redirect is followed inside the browser, past any route: so the consent itself
        # is sent from here, and its answer (the way back) kept instead of followed.
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        held.append(answer.headers["location"])
        route.fulfill(status=200, content_type="text/plain", body="held")

    page.route(f"{idp.url}/o/authorize/**", hold)
    through_the_provider(page, set_up, PEOPLE["teacher"][0])
    expect(page.locator("body")).to_have_text("held")
    page.unroute(f"{idp.url}/o/authorize/**")
    callback = held[0]
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "x" + query["state"][1:] if not query["state"].startswith("x") else "y"
    page.goto(f"{set_up}{parts.path}?{urlencode(query)}")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".alert")).to_contain_text("werkte niet")
    assert not SocialAccount.objects.exists()
    page.goto(f"{set_up}{TEACHER_PATH}")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_the_back_office_sets_up_a_boards_provider(
    page: Page, demo: str, idp: IdentityProvider
) -> None:
    """Staff add the provider (client id and secret), then on the board its domain (a wrong
    one first) and the provider; the secret is never shown again."""
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto(f"{demo}/admin/login/")
    page.locator("input[name=username]").fill("admin@regenboog.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("[type=submit]").click()

    page.goto(f"{demo}/admin/socialaccount/socialapp/add/")
    page.locator("select[name=provider]").select_option("openid_connect")
    page.locator("input[name=provider_id]").fill(PROVIDER_ID)
    page.locator("input[name=name]").fill("Schoolaccount")
    page.locator("input[name=client_id]").fill(CLIENT_ID)
    page.locator("input[name=secret]").fill(idp.client_secret)
    page.locator("textarea[name=settings]").fill(f'{{"server_url": "{idp.server_url}"}}')
    screenshot(page, "sso-admin-app", "#content")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    expect(page.locator("input[name=secret]")).to_have_value("")
    app = SocialApp.objects.get(provider_id=PROVIDER_ID)
    assert app.secret == idp.client_secret
    # Saved again with the secret left empty: the stored one stays.
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    app.refresh_from_db()
    assert app.secret == idp.client_secret

    board = Board.objects.get(schools__slug="de-regenboog")
    page.goto(f"{demo}/admin/schools/board/{board.pk}/change/")
    page.locator("#domains-group").get_by_text(re.compile("Add another|Nog een")).click()
    page.locator("input[name=domains-0-domain]").fill("https://regenboog")
    page.locator("#sign_in_providers-group").get_by_text(re.compile("Add another|Nog een")).click()
    page.locator("select[name=sign_in_providers-0-app]").select_option(str(app.pk))
    page.locator("input[name=_continue]").click()
    expect(page.locator(".errorlist")).to_contain_text(re.compile("school.nl"))
    # What was typed is still there to correct.
    expect(page.locator("input[name=domains-0-domain]")).to_have_value("https://regenboog")
    page.locator("input[name=domains-0-domain]").fill(" @Regenboog.TEST ")
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist")).to_be_visible()
    screenshot(page, "sso-admin-board", "#content")
    assert list(board.domains.values_list("domain", flat=True)) == ["regenboog.test"]
    assert SignInProvider.objects.get().board == board

    # And it works: the leader signs in through it.
    page.context.clear_cookies()
    through_the_provider(page, demo, PEOPLE["leader"][0])
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_PATH) + r"$"))
