"""Sessions in the database with a copy in Redis, so that most requests read their session
from the cache. Django's cached_db store already survives a failing cache *read* and *save*;
this one also survives a failing cache write after a database read, an existence check and
a delete, so that a Redis outage slows pages down instead of breaking every logged-in page."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.db import router

logger = logging.getLogger("django.contrib.sessions")


class _TolerantCache:
    """The cache, with every failure logged and treated as a miss."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._cache, name)

        def tolerant(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except Exception:  # the database still holds the session
                logger.warning("session cache unavailable (%s); using the database", name)
                return None

        return tolerant

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception:
            return False


class SessionStore(CachedDBStore):
    _cache: Any

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _TolerantCache(self._cache)

    def save(self, must_create: bool = False) -> None:
        """An existing session is written with one UPDATE statement. Django saves the model
        inside a transaction of its own (BEGIN, UPDATE, COMMIT: three round trips plus the
        ORM's save machinery), which was a third of a questionnaire submit's time
        (bench/RESULTS.md). New sessions take Django's way."""
        if must_create or self.session_key is None:
            super().save(must_create)
            return
        data = self._get_session()  # type: ignore[attr-defined]  # (private; not in the stubs)
        written = (
            self.model.objects.using(router.db_for_write(self.model))
            .filter(session_key=self.session_key)
            .update(session_data=self.encode(data), expire_date=self.get_expiry_date())
        )
        if not written:  # gone meanwhile (logged out elsewhere): as Django's own store says
            raise UpdateError
        self._cache.set(self.cache_key, data, self.get_expiry_age())
