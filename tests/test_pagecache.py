"""The page cache (dialoog/pagecache.py): the dashboard is served from the cache until what it
shows changes, and never stale. Every test here runs with PAGE_CACHE_VERIFY (conftest), so a
hit is also built afresh and compared."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dialoog import pagecache
from dialoog.cache import RedisCache
from dialoog.models import School, Team, User
from surveys.models import Round

from .conftest import need
from .factories import UserFactory
from .survey_helpers import answer_everything, fresh_token, open_round

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _dashboard(client: Client, school: School) -> str:
    response = client.get(f"/s/{school.slug}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def leading(client: Client, leader: User) -> Client:
    client.force_login(leader)
    return client


def test_a_submit_shows_at_once_though_the_page_was_cached(
    leading: Client, school: School, teacher: User, django_assert_num_queries: Any
) -> None:
    round_ = open_round(school, threshold=3)
    assert "0 van 1 geantwoord" in _dashboard(leading, school)
    with django_assert_num_queries(2 + 20, exact=False):  # a hit, verified by a fresh build
        assert "0 van 1 geantwoord" in _dashboard(leading, school)
    phone = Client()
    phone.get(f"/i/{fresh_token(round_.invitations.get(user=teacher))}/")
    answer_everything(phone, round_)
    assert phone.post("/vragenlijst/verzenden/").status_code == 200
    assert "1 van 1 geantwoord" in _dashboard(leading, school)


def test_a_round_that_closes_by_itself_changes_the_page(
    leading: Client, school: School, settings: Any
) -> None:
    settings.SESSION_IDLE_MINUTES = 7 * 24 * 60  # still logged in two days later
    round_ = open_round(school, days=2)
    assert "Open" in _dashboard(leading, school)
    with time_machine.travel(round_.closes_at + timedelta(seconds=1), tick=False):
        page = _dashboard(leading, school)
    assert "Gesloten" in page


def test_each_visit_gets_its_own_valid_csrf_token(leading: Client, school: School) -> None:
    leading = Client(enforce_csrf_checks=True)
    leading.force_login(User.objects.get(email="leader@linde.test"))
    first = _dashboard(leading, school)
    second = _dashboard(leading, school)  # from the cache
    assert pagecache.CSRF_PLACEHOLDER not in first + second
    tokens = TOKEN.findall(second)
    assert tokens and TOKEN.findall(first) != tokens  # masked afresh on every visit
    # The token in the cached page works: logging out with it ends the session.
    response = leading.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302
    assert leading.get(f"/s/{school.slug}/").status_code == 302  # to the login page


def test_a_visit_with_a_message_gets_a_page_of_its_own(leading: Client, school: School) -> None:
    _dashboard(leading, school)  # cached without a message
    saved = leading.post(f"/s/{school.slug}/retention/", {"retention_months": "36"})
    assert saved.status_code == 302
    assert "De bewaartermijn is opgeslagen." in _dashboard(leading, school)
    assert "De bewaartermijn is opgeslagen." not in _dashboard(leading, school)  # shown once


def test_a_new_team_member_and_a_new_name_show_at_once(
    leading: Client, school: School, leader: User, team: Team
) -> None:
    assert "0 leerkrachten" in _dashboard(leading, school)
    new = UserFactory.create()
    new.memberships.create(school=school, role="teacher", team=team)
    assert "1 leerkracht " in _dashboard(leading, school)
    assert leading.post("/profile/", {"full_name": "Lotte Leider", "language": "nl"}).status_code
    assert "Lotte" in _dashboard(leading, school)  # the navigation names the person


def test_a_write_that_skips_the_signals_is_caught_by_verifying(
    leading: Client, school: School
) -> None:
    """The safety net itself: a write that tells nobody (bulk_create sends no signal) makes
    the next cached visit fail in the tests, instead of showing the old page."""
    _dashboard(leading, school)
    Team.objects.bulk_create([Team(school=school, name="Stil toegevoegd")])
    with pytest.raises(pagecache.StalePage):
        _dashboard(leading, school)


def test_another_school_and_another_person_never_share_a_page(
    leading: Client, school: School
) -> None:
    from .factories import MembershipFactory, SchoolFactory

    other = SchoolFactory.create(name="OBS Elders")
    colleague = UserFactory.create(full_name="Kees Collega")
    MembershipFactory.create(user=colleague, school=school, role="facilitator")
    MembershipFactory.create(user=colleague, school=other, role="leader")
    mine = _dashboard(leading, school)
    theirs = Client()
    theirs.force_login(colleague)
    assert "Kees" in _dashboard(theirs, school) and "Kees" not in mine
    assert "OBS Elders" in _dashboard(theirs, other)
    assert leading.get(f"/s/{other.slug}/").status_code == 404


def test_without_redis_the_dashboard_is_built_every_time(
    leading: Client, school: School, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "dialoog.cache.RedisCache",
            # Nothing listens on port 9 of loopback: a real, refused connection.
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    assert "OBS De Linde" in _dashboard(leading, school)
    assert "OBS De Linde" in _dashboard(leading, school)
    assert "page cache unavailable" in caplog.text


def test_the_redis_backend_keeps_one_client_per_pool(settings: Any) -> None:
    need(settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), "REDIS_URL is not set")
    backend = RedisCache(settings.CACHES["default"]["LOCATION"], {})
    client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert backend._cache.get_client(write=True) is client  # type: ignore[attr-defined]
    backend.set("pagecache-test", 1, 10)
    assert backend.get("pagecache-test") == 1


def test_until_is_the_first_moment_that_changes_the_page() -> None:
    now = timezone.now()
    soon = now + timedelta(minutes=3)
    assert pagecache.until(now, None, now - timedelta(days=1), soon) == soon
    assert pagecache.until(now) <= now + pagecache.MAX_AGE
    assert pagecache.until(now, now + timedelta(days=9)) <= now + pagecache.MAX_AGE


def test_closing_a_round_by_hand_shows_at_once(leading: Client, school: School) -> None:
    round_ = open_round(school)
    assert "Open" in _dashboard(leading, school)
    response = leading.post(f"/s/{school.slug}/rounds/{round_.pk}/close/")
    assert response.status_code == 302
    assert Round.objects.get(pk=round_.pk).is_closed(timezone.now())
    assert "Gesloten" in _dashboard(leading, school)


@pytest.mark.django_db(transaction=True)
def test_a_bump_counts_for_others_only_once_committed_and_not_at_all_when_rolled_back() -> None:
    from django.core.cache import cache
    from django.db import transaction

    key = pagecache._generation_key("school:999")
    before, _page = pagecache._read(["school:999"], "no-page")
    with transaction.atomic():
        pagecache.bump(999)
        inside, _page = pagecache._read(["school:999"], "no-page")
        assert inside != before  # the writer sees its own change at once
        assert cache.get(key) == before  # everyone else only after the commit
    after = cache.get(key)
    assert after not in (before, inside)
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.bump(999)
        raise RuntimeError
    assert cache.get(key) == after
    assert pagecache._read(["school:999"], "no-page")[0] == after
