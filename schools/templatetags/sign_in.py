"""The login page's "sign in with your school account" buttons (schools/sso.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from schools.models import SignInProvider

register = template.Library()

# The logos the app serves itself (static/img/sign-in/), by allauth provider id.
LOGOS = {
    "microsoft": "img/sign-in/microsoft.svg",
    "google": "img/sign-in/google.svg",
    "openid_connect": "img/sign-in/openid.svg",
}


@dataclass(frozen=True)
class Button:
    name: str
    url: str
    logo: str
    board: str


@register.simple_tag(takes_context=True)
def sign_in_buttons(context: Any, next_url: str = "") -> list[Button]:
    """One button per provider linked to a board; with ``?bestuur=<slug>`` (the address a
    board gives its people) only that board's."""
    request = context["request"]
    links = SignInProvider.objects.select_related("app", "board").order_by(
        "board__name", "app__name"
    )
    slug = request.GET.get("bestuur", "")
    if slug:
        links = links.filter(board__slug=slug)
    buttons = []
    for link in links:
        provider = link.app.get_provider(request)
        params = {"process": "login"}
        if next_url:
            params["next"] = next_url
        buttons.append(
            Button(
                name=link.app.name,
                url=provider.get_login_url(request, **params),
                logo=LOGOS.get(link.app.provider, LOGOS["openid_connect"]),
                board=link.board.name,
            )
        )
    return buttons
