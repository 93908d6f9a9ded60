"""One complete questionnaire as a phone answers it, for dialoog and for the peer, one teacher
after another, so that the server time of each request (bench/gunicorn_bench.py writes it) adds
up to what one teacher's questionnaire costs the server.

dialoog, as the answering page's script does it (static/js/answer.js):
  open the e-mailed link (it redirects to the first step), then on each step page tap every
  statement, one tap every ``TAP_SECONDS``; the script sends the taps not yet sent once the
  oldest of them is ``data-save-within`` seconds old (read from the page, as the script reads
  it); "Next" posts the step with whatever was not sent yet, through htmx, and gets the next
  step back in the same response; the open questions are left empty (the peer has none); on
  the review page "Send my answers".
The peer (django-survey-and-report): open the survey (40 questions on one page), post it, follow
the redirect to its confirmation page.

Both follow redirects as a browser does; static files are left out on both sides (a phone keeps
them). The tempo is an assumption (reading a statement of about fifteen words and tapping), and
it is the same for every run; a faster teacher sends fewer saves per tap, a slower one more."""

from __future__ import annotations

import http.cookiejar
import random
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

TAP_SECONDS = 5.0


@dataclass
class Page:
    url: str
    status: int
    html: str
    headers: dict[str, str] = field(default_factory=dict)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects as a browser does, counting each: one more request the server answers."""

    def __init__(self, phone: Phone) -> None:
        self.phone = phone

    def redirect_request(self, *args: Any, **kwargs: Any) -> urllib.request.Request | None:
        self.phone.requests += 1
        return super().redirect_request(*args, **kwargs)


class Phone:
    """A browser's cookie jar and redirects, nothing else."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests = 0
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _Redirects(self)
        )

    def _open(self, request: urllib.request.Request) -> Page:
        self.requests += 1
        try:
            with self.opener.open(request, timeout=30) as response:
                body = response.read().decode()
                return Page(response.geturl(), response.status, body, dict(response.headers))
        except urllib.error.HTTPError as error:
            return Page(error.geturl(), error.code, error.read().decode(errors="replace"))

    def get(self, path: str, headers: dict[str, str] | None = None) -> Page:
        url = path if path.startswith("http") else self.base + path
        return self._open(urllib.request.Request(url, headers=headers or {}))  # noqa: S310

    def post(
        self, path: str, data: list[tuple[str, str]], headers: dict[str, str] | None = None
    ) -> Page:
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        return self._open(request)


class Form(HTMLParser):
    """The first form with a method of post (or the one whose action is given): its action,
    its data- attributes, its hidden fields and the names of its radio groups and textareas."""

    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.want = action
        self.action: str | None = None
        self.data: dict[str, str] = {}
        self.hidden: list[tuple[str, str]] = []
        self.radios: dict[str, list[str]] = {}
        self.inside = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and (a.get("method", "").lower() == "post"):
            if self.want is None or a.get("action", "") == self.want:
                self.inside = True
                self.action = a.get("action", "")
                self.data = {k: v for k, v in a.items() if k.startswith("data-")}
        elif self.inside and tag == "input":
            if a.get("type") == "hidden":
                self.hidden.append((a.get("name", ""), a.get("value", "")))
            elif a.get("type") == "radio":
                self.radios.setdefault(a.get("name", ""), []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def parse_form(html: str, action: str | None = None) -> Form:
    form = Form(action)
    form.feed(html)
    if form.action is None:
        raise RuntimeError("no form on the page")
    return form


@dataclass
class Flow:
    requests: int = 0
    saves: int = 0
    steps: int = 0
    answered: int = 0
    pages: list[str] = field(default_factory=list)


def our_questionnaire(base: str, token: str, rng: random.Random) -> Flow:
    """One teacher's whole questionnaire in dialoog; raises if it does not end sent."""
    phone = Phone(base)
    flow = Flow()
    page = phone.get(f"/i/{token}/")
    path = urllib.parse.urlsplit(page.url).path
    htmx = {"HX-Request": "true"}
    while True:
        if page.status != 200:
            raise RuntimeError(f"{path} answered {page.status}")
        flow.pages.append(path)
        if path.endswith("/review/"):
            form = parse_form(page.html, action="/vragenlijst/verzenden/")
            page = phone.post(form.action or "", form.hidden)
            sent = urllib.parse.urlsplit(page.url).path == form.action
            if page.status != 200 or not sent or 'data-testid="copy"' not in page.html:
                raise RuntimeError(f"the questionnaire was not sent ({page.status} at {page.url})")
            break
        form = parse_form(page.html)
        flow.steps += 1
        within = float(form.data["data-save-within"])
        unsent: list[tuple[str, str]] = []
        oldest: float | None = None
        clock = 0.0
        for name, values in form.radios.items():
            clock += TAP_SECONDS
            if oldest is not None and clock - oldest >= within:
                # The timer ran out before this tap: the script sent what was waiting.
                phone.post(path, [*form.hidden, *unsent, ("go", "save")], htmx)
                flow.saves += 1
                unsent, oldest = [], None
            unsent.append((name, rng.choice(values)))
            flow.answered += 1
            if oldest is None:
                oldest = clock
        # "Next" through htmx: the step is saved and the next one comes back at once.
        page = phone.post(path, [*form.hidden, *unsent, ("go", "next")], htmx)
        path = page.headers.get("HX-Push-Url", path)
    flow.requests = phone.requests
    return flow


def peer_questionnaire(base: str, survey: int, rng: random.Random) -> Flow:
    phone = Phone(base)
    flow = Flow(steps=1)
    page = phone.get(f"/survey/{survey}/")
    if page.status != 200:
        raise RuntimeError(f"the peer's survey answered {page.status}")
    form = parse_form(page.html)
    answers = [(name, rng.choice(values)) for name, values in form.radios.items()]
    flow.answered = len(answers)
    page = phone.post(f"/survey/{survey}/", [*form.hidden, *answers])
    if page.status != 200 or "/confirm/" not in page.url:
        raise RuntimeError(f"the peer's survey was not stored ({page.status} at {page.url})")
    flow.requests = phone.requests
    return flow
