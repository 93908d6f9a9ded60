"""Every form, every number in a URL and every query string, fed whatever a browser (or an
attacker) can send: no server error, ever.

The fields of each form are read from the rendered page itself, so a field added to a form is
fuzzed without touching this file; so are the URL patterns (from the resolver) and the query
strings (from the links on the pages). Values come from hypothesis: any Unicode (NUL bytes,
right-to-left marks, emoji), numbers far out of range of their column (40 digits, 2**63,
negative, "1e5", " 7", digits of other scripts), malformed dates and times, empty strings,
repeated fields. A field is sometimes sent as the page shows it, so that one bad value also
arrives in an otherwise valid form and reaches the database. The Django test client raises any
exception a view lets through, so a 500 fails the test with its traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import converters
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from interventions.models import Theme
from planning.models import Activity, Topic
from schools.http import NumberConverter
from schools.models import School, Team, User

from .survey_helpers import fresh_token, open_round
from .test_exports import closed_round
from .test_tenancy import all_patterns, concrete, fill, victim_school  # noqa: F401

# No shrinking: these examples run whole pages, and the failing example is readable as it is.
# Derandomized, so CI runs the same examples every time and a failure can be replayed.
FUZZ = settings(
    max_examples=12,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class FormParser(HTMLParser):
    """The POST forms of a page: their action, the names of their fields, and what a browser
    would send for each field as the page shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None  # name, multiple, first and chosen options
        self._textarea: str | None = None

    def _shown(self, name: str, value: str) -> None:
        assert self._current is not None
        self._current["shown"].setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self._current = {"action": values.get("action") or "", "fields": {}, "shown": {}}
            self.forms.append(self._current)
        elif tag == "option" and self._select is not None:
            value = values.get("value") or ""
            self._select["first"] = self._select.get("first", value)
            if "selected" in values:
                self._select["chosen"].append(value)
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = values.get("name")
            if not name or name == "csrfmiddlewaretoken":
                return
            kind = (values.get("type") or tag).lower()
            self._current["fields"].setdefault(name, kind)
            if tag == "select":
                self._select = {"name": name, "multiple": "multiple" in values, "chosen": []}
            elif tag == "textarea":
                self._textarea = name
                self._current["shown"].setdefault(name, [""])
            elif kind in ("checkbox", "radio"):
                if "checked" in values:
                    self._shown(name, values.get("value") or "on")
            elif tag == "input" and kind not in ("submit", "file", "button", "reset"):
                self._shown(name, values.get("value") or "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._current is not None:
            self._current["shown"][self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None and self._current is not None:
            chosen = self._select["chosen"]
            if not chosen and not self._select["multiple"] and "first" in self._select:
                chosen = [self._select["first"]]
            for value in chosen:
                self._shown(self._select["name"], value)
            self._select = None


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


# Numbers a column cannot hold or a careful reader refuses: beyond a bigint (2**63), beyond an
# integer (2**31), 40 digits, signs, exponents, spaces, digits of other scripts ("٣", and "²",
# which str.isdigit() passes and int() refuses), separators, a 5,000-digit number (int() refuses
# more than 4,300 digits).
NUMBERS = [
    "9" * 40,
    str(2**63),
    str(2**63 - 1),
    str(2**64),
    str(2**31),
    str(2**31 - 1),
    str(2**15),
    "-1",
    "-" + "9" * 40,
    "-0",
    "0",
    "+7",
    "1e5",
    " 7",
    "7 ",
    "٣",
    "²",
    "1_000",
    "7.0",
    "1,5",
    "0x10",
    "Infinity",
    "00000000000000000000007",
    "9" * 5000,
]


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBERS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


def nasty_text() -> st.SearchStrategy[str]:
    return st.one_of(
        numbers(),
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
    )


# "Send this field as the page shows it."
KEEP = None

# Draws must not depend on what is in the database (hypothesis replays them), so each example
# draws a fixed pool of values up front and the forms take them in turn. About half of the pool
# keeps what the page shows, so a bad value also arrives in an otherwise valid form.
POOL = st.lists(
    st.tuples(
        st.booleans(), st.one_of(nasty_text(), st.lists(nasty_text(), min_size=2, max_size=3))
    ).map(lambda kept: KEEP if kept[0] else kept[1]),
    min_size=24,
    max_size=24,
)
BLOB = st.binary(max_size=2000)

# Besides what hypothesis draws, every field gets each of these once (explicit examples): a
# digit that str.isdigit() passes and int() refuses, a number no column holds, a NUL byte.
SHARP = ["²", "9" * 40, "a\x00b"]


def with_sharp_pools(**other: Any) -> Callable[[Any], Any]:
    def decorate(test: Any) -> Any:
        for value in SHARP:
            test = example(pool=[value] * 24, **other)(test)
        return test

    return decorate


def post_everything(
    client: Client, forms: list[dict[str, Any]], pool: list[Any], blob: bytes
) -> None:
    n = 0
    for form in forms:
        data: dict[str, Any] = {}
        for name, kind in form["fields"].items():
            n += 1
            value = pool[n % len(pool)]
            if kind == "file":
                data[name] = SimpleUploadedFile("leraren.csv", blob)
            elif kind == "submit" and n % 2:
                continue  # sometimes the button is pressed, sometimes the form is sent bare
            elif value is KEEP:
                if name in form["shown"]:
                    data[name] = form["shown"][name]
            else:
                data[name] = value
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
    from interviews.models import Interview

    interview = Interview.objects.create(round=round_, teacher=teacher)
    closed = closed_round(school, team, 6)  # released results, for the focus group
    base = f"/s/{school.slug}"
    return {
        "round": round_,
        "closed": closed,
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
@with_sharp_pools(blob=b"")
def test_the_leaders_forms_never_fail(
    pool: list[Any], blob: bytes, pages: dict[str, Any], leader: User, client: Client
) -> None:
    client.force_login(leader)
    for url in pages["leader"]:
        post_everything(client, forms_on(client, url), pool, blob)


@FUZZ
@given(pool=POOL, blob=BLOB)
@with_sharp_pools(blob=b"")
def test_the_teachers_forms_never_fail(
    pool: list[Any], blob: bytes, pages: dict[str, Any], teacher: User, client: Client
) -> None:
    client.force_login(teacher)
    for url in pages["teacher"]:
        post_everything(client, forms_on(client, url), pool, blob)


@FUZZ
@given(pool=POOL)
@with_sharp_pools()
def test_the_questionnaire_never_fails(
    pool: list[Any], pages: dict[str, Any], client: Client
) -> None:
    from surveys.models import Invitation

    invitation = Invitation.objects.filter(round=pages["round"], done=False).first()
    assert invitation is not None
    client.get(f"/i/{fresh_token(invitation)}/")
    for step in ("t1", "t2", "t5", "open"):
        post_everything(client, forms_on(client, f"/vragenlijst/{step}/"), pool, b"")
    response = client.post("/vragenlijst/verzenden/", {"copy": pool[0] or ""})
    assert response.status_code < 500


@FUZZ
@given(code=nasty_text(), token=nasty_text())
def test_join_codes_and_links_never_fail(code: str, token: str, client: Client, db: None) -> None:
    for url in ("/doe-mee/", "/oefenen/"):
        assert client.post(url, {"code": code}).status_code < 500
    safe_token = token.replace("/", "") or "x"
    for prefix in ("/i/", "/j/", "/oefen/"):
        response = client.get(f"{prefix}{safe_token}/")
        assert response.status_code < 500
    assert client.get(f"/feed/{safe_token}.ics").status_code < 500


# --- Numbers in URLs and query strings --------------------------------------------------------

# Ids a URL can carry that name nothing: beyond a bigint, beyond an integer, 0, 40 digits. No
# small positive number: that could be a real row, and whether it is would depend on the
# database's sequences, not on the draw.
URL_NUMBERS = st.one_of(
    st.sampled_from(
        [0, 2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**19, 10**40 - 1]
    ).map(str),
    st.integers(min_value=2**31, max_value=10**60).map(str),
    st.sampled_from(["0" * 20, "0" * 19 + "7", "9" * 500]),
)


def number_kwargs(entry: Any) -> list[str]:
    """The arguments of a URL pattern that are numbers (whatever converter reads them)."""
    return [
        name
        for name, converter in entry.pattern.converters.items()
        if isinstance(converter, NumberConverter | converters.IntConverter)
    ]


def numbered_urls(victim: dict[str, Any], draw: Any) -> list[str]:
    """Every URL pattern with a number in it, once per such number: that one drawn, every other
    argument naming a real object of ``victim``'s school, so the view gets as far as it can."""
    urls = []
    for pattern, name, entry in all_patterns():
        for number in number_kwargs(entry):
            outer = ["school_slug"] if "<slug:school_slug>" in pattern else []
            real = fill(pattern, outer + list(entry.pattern.converters), victim, name)
            urls.append(concrete(pattern, {**real, number: draw(URL_NUMBERS)}))
    return urls


def test_every_number_in_a_url_is_read_by_the_bounded_converter() -> None:
    """Django's <int:…> takes any number of digits; <number:…> only what a bigint holds."""
    plain = [
        pattern
        for pattern, _name, entry in all_patterns()
        if any(isinstance(c, converters.IntConverter) for c in entry.pattern.converters.values())
    ]
    assert plain == []
    assert sum(1 for *_rest, entry in all_patterns() if number_kwargs(entry)) > 50


@settings(FUZZ, max_examples=2)
@given(data=st.data())
def test_numbers_out_of_range_in_urls_name_nothing(
    data: st.DataObject,
    victim_school: dict[str, Any],  # noqa: F811
) -> None:
    """As the school's own leader and teacher, for GET and POST: 404 (or 405 where the method
    is wrong), never a server error and never a page."""
    people = {}
    for role in ("leader", "teacher"):
        people[role] = Client()
        people[role].force_login(victim_school[role])
    for url in numbered_urls(victim_school, data.draw):
        for role, client in people.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code in (404, 405), (role, method, url)


class LinkParser(HTMLParser):
    """The query-string parameters that a page's links carry, with the path they go to."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag != "a" or "?" not in href:
            return
        target = urlsplit(urljoin(self.page, href))
        if target.netloc in ("", "testserver"):
            for pair in target.query.split("&"):
                self.found.add((target.path, pair.partition("=")[0]))


def query_parameters(client: Client, pages: list[str]) -> set[tuple[str, str]]:
    found = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        parser = LinkParser(page)
        parser.feed(response.content.decode())
        found |= parser.found
    return found


@pytest.fixture
def queries(pages: dict[str, Any], school: School, leader: User, teacher: User) -> dict[str, Any]:
    """Per person, a logged-in client and the (path, parameter) pairs its pages link with."""
    base = f"/s/{school.slug}"
    theme = Theme.objects.order_by("number").first()
    assert theme is not None
    leaders_pages = [
        f"{base}/plan/",
        f"{base}/plan/proposal/",
        f"{base}/interviews/{pages['closed'].pk}/",
        f"/model/themes/{theme.slug}/",
    ]
    found = {}
    for user, seen in ((leader, leaders_pages), (teacher, [f"{base}/plan/"])):
        client = Client()
        client.force_login(user)
        found[user.email] = (client, sorted(query_parameters(client, seen)))
    names = {name for _path, name in found[leader.email][1]}
    assert {"year", "teacher", "theme"} <= names, names
    found[leader.email][1].append((f"{base}/plan/new/", "kind"))  # nudges.demo links with it
    return found


@settings(FUZZ, max_examples=6)
@given(values=st.lists(st.one_of(numbers(), nasty_text()), min_size=2, max_size=2))
@example(values=[*SHARP, "٣", " 7", "-1", "1e5", str(2**63), "\x00"])
def test_query_strings_never_fail(values: list[str], queries: dict[str, Any]) -> None:
    """Every query-string parameter a link of the leader's and the teacher's pages carries (a
    school year, a teacher to plan an interview with, a theme), and the kind a nudge links
    with, fed any value: the page or 404."""
    for client, found in queries.values():
        for path, name in found:
            for value in values:
                response = client.get(path, {name: value})
                assert response.status_code in (200, 404), (path, name, value)
