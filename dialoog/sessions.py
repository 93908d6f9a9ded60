"""Sessions in the database with a copy in Redis, so that most requests read their session
from the cache. Django's cached_db store already survives a failing cache *read* and *save*;
this one also survives a failing cache write after a database read, an existence check and
a delete, so that a Redis outage slows pages down instead of breaking every logged-in page."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

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
