"""Every form, fed whatever a browser (or an attacker) can send: no server error, ever.

The fields of each form are read from the rendered page itself, so a field added to a form is
fuzzed without touching this file. Values come from hypothesis: any Unicode (NUL bytes, right-
to-left marks, emoji), numbers far out of range, malformed dates and times, empty strings,
repeated fields. The Django test client raises any exception a view lets through, so a 500 fails
the test with its traceback."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dialoog.models import School, Team, User
from interventions.models import Activity, Topic

from .survey_helpers import fresh_token, open_round
from .test_exports import closed_round

# No shrinking: these examples run whole pages, and the failing example is readable as it is.
# Derandomized, so CI runs the same examples every time and a failure can be replayed.
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class FormParser(HTMLParser):
    """The POST forms of a page: their action and the names of their fields."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self._current = {"action": values.get("action") or "", "fields": {}}
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = values.get("name")
            if name and name != "csrfmiddlewaretoken":
                kind = (values.get("type") or tag).lower()
                self._current["fields"].setdefault(name, kind)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_on(client: Client, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormParser()
    parser.feed(response.content.decode())
    # Logging out and the language switch are on every page; removing or closing would take
    # the page away from the next examples. Those have tests of their own.
    return [
        {**form, "action": form["action"] or url}
        for form in parser.forms
        if not form["action"].startswith(("/accounts/logout/", "/i18n/"))
        and not any(word in form["action"] for word in ("/delete/", "/close/"))
    ]


def nasty_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=400),
        st.sampled_from(
            [
                "",
                " ",
                "\x00",
                "a\x00b",
                "‮gnp.exe",
                "=cmd|' /C calc'!A0",
                "<script>alert(1)</script>",
                "9" * 40,
                "-1",
                "0",
                "1e309",
                "NaN",
                "2026-02-30",
                "31-12-2026",
                "25:61",
                "9999-12-31",
                "0001-01-01",
                "1,2,3",
                "abc@",
                "x" * 5000,
            ]
        ),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
    )


# Draws must not depend on what is in the database (hypothesis replays them), so each example
# draws a fixed pool of values up front and the forms take them in turn.
POOL = st.lists(
    st.one_of(nasty_text(), st.lists(nasty_text(), min_size=2, max_size=3)),
    min_size=24,
    max_size=24,
)
BLOB = st.binary(max_size=2000)


def post_everything(
    client: Client, forms: list[dict[str, Any]], pool: list[Any], blob: bytes
) -> None:
    n = 0
    for form in forms:
        data: dict[str, Any] = {}
        for name, kind in form["fields"].items():
            n += 1
            if kind == "file":
                data[name] = SimpleUploadedFile("leraren.csv", blob)
            elif kind == "submit" and n % 2:
                continue  # sometimes the button is pressed, sometimes the form is sent bare
            else:
                data[name] = pool[n % len(pool)]
        response = client.post(form["action"], data)
        assert response.status_code < 500, (form["action"], data)


@pytest.fixture
def pages(school: School, team: Team, leader: User, teacher: User) -> dict[str, Any]:
    round_ = open_round(school, team=team, threshold=3)
    activity = Activity.objects.create(
        school=school,
        kind=Activity.Kind.TEAM_MEETING,
        title="Teamvergadering",
        starts_at=timezone.now() + timedelta(days=10),
    )
    Topic.objects.create(school=school, text="Werkdruk", suggested_by=teacher)
    from surveys.models import Interview

    interview = Interview.objects.create(round=round_, teacher=teacher)
    closed = closed_round(school, team, 6)  # released results, for the focus group
    base = f"/s/{school.slug}"
    return {
        "round": round_,
        "leader": [
            f"{base}/people/",
            f"{base}/people/import/",
            f"{base}/retention/",
            f"{base}/rounds/new/",
            f"{base}/rounds/{round_.pk}/",
            f"{base}/plan/new/",
            f"{base}/plan/{activity.pk}/edit/",
            f"{base}/plan/topics/",
            f"{base}/plan/proposal/",
            f"{base}/plan/subscribe/",
            f"{base}/interviews/{round_.pk}/",
            f"{base}/interviews/interview/{interview.pk}/",
            f"{base}/focus/new/{closed.pk}/",
            f"{base}/rounds/{closed.pk}/results/",
            f"{base}/interventions/new/",
            f"{base}/practice/formats/new/",
            "/profile/",
        ],
        "teacher": [
            f"{base}/plan/topics/",
            f"{base}/plan/{activity.pk}/",
            f"{base}/practice/conversations/new/",
            "/profile/",
        ],
    }


@FUZZ
@given(pool=POOL, blob=BLOB)
def test_the_leaders_forms_never_fail(
    pool: list[Any], blob: bytes, pages: dict[str, Any], leader: User, client: Client
) -> None:
    client.force_login(leader)
    for url in pages["leader"]:
        post_everything(client, forms_on(client, url), pool, blob)


@FUZZ
@given(pool=POOL, blob=BLOB)
def test_the_teachers_forms_never_fail(
    pool: list[Any], blob: bytes, pages: dict[str, Any], teacher: User, client: Client
) -> None:
    client.force_login(teacher)
    for url in pages["teacher"]:
        post_everything(client, forms_on(client, url), pool, blob)


@FUZZ
@given(pool=POOL)
def test_the_questionnaire_never_fails(
    pool: list[Any], pages: dict[str, Any], client: Client
) -> None:
    from surveys.models import Invitation

    invitation = Invitation.objects.filter(round=pages["round"], done=False).first()
    assert invitation is not None
    client.get(f"/i/{fresh_token(invitation)}/")
    for step in ("t1", "t2", "t5"):
        post_everything(client, forms_on(client, f"/vragenlijst/{step}/"), pool, b"")
    response = client.post("/vragenlijst/verzenden/", {"copy": pool[0]})
    assert response.status_code < 500


@FUZZ
@given(code=nasty_text(), token=nasty_text())
def test_join_codes_and_links_never_fail(code: str, token: str, client: Client, db: None) -> None:
    for url in ("/doe-mee/", "/oefenen/"):
        assert client.post(url, {"code": code}).status_code < 500
    safe_token = token.replace("/", "").replace("\x00", "") or "x"
    for prefix in ("/i/", "/j/", "/oefen/"):
        response = client.get(f"{prefix}{safe_token}/")
        assert response.status_code < 500
    assert client.get(f"/feed/{safe_token}.ics").status_code < 500
