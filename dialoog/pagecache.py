"""Cached pages that are never stale. Each school, and each person, has a *generation*: a
token in the cache that every write to what their pages show replaces. A page is stored with
the generations it was built under and used only while they still hold, so after a write
nobody is served it again. It also carries the moment it stops being true by itself (a round
opens or closes, a snoozed reminder comes back, a new day), and is not used after that.

What differs per visit is left out of the stored copy: the CSRF token is a placeholder that
each visit fills in with its own, and a visit with messages to show is never cached. The key
holds the school, the person, the language, the path and the static files' build.

Writes reach the generations two ways:
- saving or deleting a watched model (``connect``), through Django's signals;
- ``bump(school_id)`` in the services that write with ``update()``, ``bulk_create()`` or SQL,
  which send no signals (submitting answers, opening a round, the nightly purge, the scan).
Deletes of the models written in bulk (answers, invitations, reminders) are bumped by hand
too: a post_delete receiver would stop Django from deleting them in one statement.

Inside a transaction a bump takes effect at once for that transaction only (its new token is
kept on the transaction, so the writing request or test sees the change), and for everyone
when it commits: a new token in the cache then, never before, so nobody can store what they
read before the commit under the new token. A rolled-back transaction changes nothing.

With ``PAGE_CACHE_VERIFY`` (on in the tests) every hit is also built afresh and compared: a
write path that forgets to bump fails the test that walks it.

If the cache is unreachable the page is built as if nothing were cached."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

CATALOGUE = "catalogue"  # the model's themes, interventions and recommendations: shared
# A page is rebuilt at least this often, whatever else holds: a safety net for a write
# that reaches the database some way we do not know of (a manual SQL fix, say).
MAX_AGE = timedelta(minutes=10)


class StalePage(AssertionError):
    """Raised with PAGE_CACHE_VERIFY when a cached page differs from a fresh one."""


# Stands in for the CSRF token in a stored page (context_processors.page_cache).
CSRF_PLACEHOLDER = "__dialoog_csrf_token__"


@dataclass(frozen=True)
class Page:
    content: bytes
    valid_until: datetime
    generation: str  # of the school, the person and the catalogue when it was built


def _generation_key(scope: object) -> str:
    return f"gen:{scope}"


def _set_new(scopes: Iterable[object]) -> None:
    tokens = {_generation_key(s): secrets.token_hex(8) for s in scopes}
    try:
        if len(tokens) == 1:  # the usual case, and one command instead of a pipeline
            cache.set(*tokens.popitem(), timeout=None)
        else:
            cache.set_many(tokens, timeout=None)
    except Exception:
        # Without a cache nothing is served from it either (see ``page``).
        logger.warning("page cache unavailable; generation not bumped")


def _uncommitted() -> dict[str, str] | None:
    """New tokens of this transaction's own writes, kept on its outermost atomic block: they
    hold for reads in this transaction only and vanish with it, committed or rolled back."""
    if not connection.in_atomic_block:
        return None
    outermost = connection.atomic_blocks[0]
    tokens: dict[str, str] = outermost.__dict__.setdefault("_pagecache_tokens", {})
    return tokens


def _bump(scopes: set[str]) -> None:
    if not scopes:
        return
    own = _uncommitted()
    if own is None:  # autocommit: the write is already visible to everyone
        _set_new(scopes)
        return
    own.update({_generation_key(s): secrets.token_hex(8) for s in scopes})
    transaction.on_commit(lambda: _set_new(scopes))


def bump(*school_ids: int | None) -> None:
    """What the schools' pages show has changed (or will, once this transaction commits)."""
    _bump({f"school:{s}" for s in school_ids if s is not None})


def bump_people(*user_ids: int | None) -> None:
    """What these people's own pages show (their navigation: name, schools, roles) changed."""
    _bump({f"user:{u}" for u in user_ids if u is not None})


def bump_catalogue() -> None:
    _bump({CATALOGUE})


def _read(scopes: list[str], key: str) -> tuple[str, Page | None]:
    """The scopes' generations and the page stored under ``key``, in one round trip."""
    keys = [_generation_key(s) for s in scopes]
    found = cache.get_many([*keys, key])
    for missing in (k for k in keys if k not in found):
        # First use, or the cache was emptied: a fresh token; add() keeps a racing one.
        cache.add(missing, secrets.token_hex(8), timeout=None)
        found[missing] = cache.get(missing)
    found.update(_uncommitted() or {})  # this transaction's own writes count at once
    return ":".join(str(found[k]) for k in keys), found.get(key)


def _build_id() -> str:
    # New static files (a deploy) make new keys, so no page points at files that are gone.
    from django.contrib.staticfiles.storage import staticfiles_storage

    return str(getattr(staticfiles_storage, "manifest_hash", ""))


def page(
    request: HttpRequest,
    name: str,
    school_id: int,
    build: Callable[[datetime], tuple[HttpResponse, datetime]],
) -> HttpResponse:
    """The page ``name`` of a school for the person asking, from the cache while it holds,
    otherwise from ``build(now)``, which returns the response and the moment it stops
    being true by itself (``until``)."""
    now = timezone.now()
    if len(messages.get_messages(request)):  # shown once: this visit's page is its own
        return build(now)[0]
    user_id = request.user.pk
    parts = (name, school_id, user_id, get_language(), request.get_full_path(), _build_id())
    key = "page:" + hashlib.sha256(str(parts).encode()).hexdigest()
    try:
        # The generations are read before the data, never after (see the module); a page
        # counts only if it was built under the generations that hold now.
        generation, cached = _read([f"school:{school_id}", f"user:{user_id}", CATALOGUE], key)
    except Exception:
        logger.warning("page cache unavailable; building %s afresh", name)
        return build(now)[0]
    if cached is not None and cached.generation == generation and now < cached.valid_until:
        if getattr(settings, "PAGE_CACHE_VERIFY", False):
            fresh, _until = _placeholder_build(request, build, now)
            if fresh.content != cached.content:
                raise StalePage(f"{name} of school {school_id} was served stale")
        return _with_token(request, HttpResponse(cached.content), cached.content)
    response, valid_until = _placeholder_build(request, build, now)
    ttl = min(valid_until - now, MAX_AGE).total_seconds()
    if response.status_code == 200 and ttl > 0:
        try:
            cache.set(key, Page(response.content, valid_until, generation), timeout=ttl)
        except Exception:
            logger.warning("page cache unavailable; %s not stored", name)
    return _with_token(request, response, response.content)


def _placeholder_build(
    request: HttpRequest, build: Callable[[datetime], tuple[HttpResponse, datetime]], now: datetime
) -> tuple[HttpResponse, datetime]:
    request.page_cache_render = True  # type: ignore[attr-defined]
    try:
        return build(now)
    finally:
        del request.page_cache_render  # type: ignore[attr-defined]


def _with_token(request: HttpRequest, response: HttpResponse, content: bytes) -> HttpResponse:
    response.content = content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    return response


def until(now: datetime, *moments: datetime | None) -> datetime:
    """The first of ``moments`` after ``now``, capped at MAX_AGE and at the next local
    midnight (pages count 'this school year' and show today's dates)."""
    local = timezone.localtime(now)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    later = [m for m in moments if m is not None and m > now]
    return min([now + MAX_AGE, midnight, *later])


# --- which writes bump which school -------------------------------------------------------

# A round, a focus session and their children never move to another school, so the school of
# each is remembered per process: resolving it costs a query only the first time.
_SCHOOL_OF: dict[tuple[str, int], int] = {}


def _remembered(kind: str, pk: int | None, lookup: Callable[[int], int | None]) -> int | None:
    if pk is None:
        return None
    key = (kind, pk)
    if key not in _SCHOOL_OF:
        school_id = lookup(pk)
        if school_id is None:
            return None
        if len(_SCHOOL_OF) > 50_000:
            _SCHOOL_OF.clear()
        _SCHOOL_OF[key] = school_id
    return _SCHOOL_OF[key]


def school_of_round(round_id: int | None) -> int | None:
    from surveys.models import Round

    return _remembered(
        "round",
        round_id,
        lambda pk: Round.objects.filter(pk=pk).values_list("school_id", flat=True).first(),
    )


def _school_of_focus(session_id: int | None) -> int | None:
    from surveys.models import FocusSession

    return _remembered(
        "focus",
        session_id,
        lambda pk: (
            FocusSession.objects.filter(pk=pk).values_list("round__school_id", flat=True).first()
        ),
    )


def _direct(instance: Any) -> int | None:
    return instance.school_id


def _via_round(instance: Any) -> int | None:
    return school_of_round(instance.round_id)


def connect() -> None:
    """Hook the watched models (what the cached pages read) to their school's generation.
    Called once from DialoogConfig.ready()."""
    from interventions.models import Activity, Intervention, Recommendation, Theme
    from nudges.models import Nudge
    from surveys.models import (
        Agreement,
        FocusSession,
        Interview,
        Invitation,
        LeaderAnswer,
        Round,
        SuggestionChoice,
    )

    from .models import Board, Membership, School, Team, User

    saved: dict[type[models.Model], Callable[[Any], int | None]] = {
        School: lambda school: school.pk,
        Membership: _direct,
        Team: _direct,
        Round: _direct,
        Invitation: _via_round,
        LeaderAnswer: _via_round,
        SuggestionChoice: _via_round,
        Interview: _via_round,
        FocusSession: _via_round,
        Agreement: lambda agreement: _school_of_focus(agreement.session_id),
        Activity: _direct,
        Nudge: _direct,
    }
    # Deleted one at a time (a form, the admin, a cascade from a school or a person);
    # invitations, leader answers and reminders are deleted in bulk and bumped by hand.
    deleted: tuple[type[models.Model], ...] = (School, Membership, Team, Round)
    deleted += (SuggestionChoice, Interview, FocusSession, Agreement, Activity)
    for model, school_of in saved.items():

        def changed(sender: Any, instance: Any, _of: Any = school_of, **kwargs: Any) -> None:
            bump(_of(instance))

        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"pagecache-{model}")
        if model in deleted:
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"pagecache-del-{model}"
            )

    def board_changed(sender: Any, instance: Board, **kwargs: Any) -> None:
        bump(*School.objects.filter(board=instance).values_list("pk", flat=True))

    post_save.connect(board_changed, sender=Board, weak=False, dispatch_uid="pagecache-board")

    # A person's navigation: their name and staff flag, their schools and roles, and for a
    # board admin the schools of the board.
    def person_changed(sender: Any, instance: User, **kwargs: Any) -> None:
        bump_people(instance.pk)

    def membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
        bump_people(instance.user_id)

    def school_changed(sender: Any, instance: School, **kwargs: Any) -> None:
        if instance.board_id is not None:
            admins = Membership.objects.filter(
                board_id=instance.board_id, role=Membership.Role.BOARD_ADMIN
            )
            bump_people(*admins.values_list("user_id", flat=True))

    post_save.connect(person_changed, sender=User, weak=False, dispatch_uid="pagecache-user")
    for signal in (post_save, post_delete):
        signal.connect(
            membership_changed, sender=Membership, weak=False, dispatch_uid="pagecache-member"
        )
        signal.connect(
            school_changed, sender=School, weak=False, dispatch_uid="pagecache-board-school"
        )

    def catalogue_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        if getattr(instance, "school_id", None) is not None:  # a school's own intervention
            bump(instance.school_id)
        else:
            bump_catalogue()

    for model in (Theme, Recommendation, Intervention):
        for signal in (post_save, post_delete):
            signal.connect(
                catalogue_changed, sender=model, weak=False, dispatch_uid=f"pagecache-{model}"
            )
