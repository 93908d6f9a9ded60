"""Security headers and the Content-Security-Policy: scripts only from the app itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from csp.decorators import csp_update
from csp.utils import build_policy
from django.contrib import messages
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from dialoog.middleware import ContentSecurityPolicyMiddleware, MessageMiddleware
from schools.models import School, User

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_pages_carry_a_csp_without_inline_scripts(
    client: Client, leader: User, school: School
) -> None:
    client.force_login(leader)
    for url in ("/accounts/login/", f"/s/{school.slug}/", "/model/"):
        header = client.get(url)["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", header)
        assert script_src and "'unsafe-inline'" not in script_src.group(1), header
        assert "frame-ancestors 'none'" in header


def test_no_template_has_an_inline_script_or_handler() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"inline <script> in {path}"
        assert not re.search(r"\son(click|change|submit|load|input)=", text), path


def test_common_security_headers(client: Client, db: None) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_csp_built_once_is_django_csps_own_and_a_view_can_still_change_it(db: None) -> None:
    """The policy from the settings is built once (dialoog.middleware); a view's own policy
    and a nonce still take django-csp's way, per response."""

    def plain(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    @csp_update({"img-src": "https://tiles.example"})
    def own(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    def with_nonce(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.csp_nonce))  # type: ignore[attr-defined]

    def through(view: Callable[[HttpRequest], object]) -> HttpResponse:
        return answered(ContentSecurityPolicyMiddleware(view), RequestFactory().get("/"))  # type: ignore[arg-type]

    assert through(plain)["Content-Security-Policy"] == build_policy()
    header = through(own)["Content-Security-Policy"]
    assert "https://tiles.example" in header and "frame-ancestors 'none'" in header
    response = through(with_nonce)
    assert f"'nonce-{response.content.decode()}'" not in build_policy()
    assert response["Content-Security-Policy"] == build_policy(nonce=response.content.decode())


def test_a_message_waits_through_requests_that_do_not_read_it() -> None:
    """The message store is made only when a request uses it (dialoog.middleware): a
    request that neither adds nor reads leaves a waiting message where it is."""

    def request(cookies: dict[str, str]) -> HttpRequest:
        made = RequestFactory().get("/")
        made.COOKIES.update(cookies)
        made.session = SessionStore()
        return made

    def adds(request: HttpRequest) -> HttpResponse:
        messages.info(request, "Opgeslagen.")
        return HttpResponse()

    def reads(request: HttpRequest) -> HttpResponse:
        return HttpResponse(" ".join(str(m) for m in messages.get_messages(request)))

    added = answered(MessageMiddleware(adds), request({}))
    cookie = {"messages": added.cookies["messages"].value}
    untouched = answered(MessageMiddleware(lambda r: HttpResponse()), request(cookie))
    assert "messages" not in untouched.cookies
    assert answered(MessageMiddleware(reads), request(cookie)).content == b"Opgeslagen."


def answered(middleware: Callable[[HttpRequest], object], request: HttpRequest) -> HttpResponse:
    response = middleware(request)
    assert isinstance(response, HttpResponse)
    return response
