"""Django's Redis cache backend, keeping one Redis client per connection pool and process,
on one connection of its own. Django makes a new ``redis.Redis`` on every call, and each one
builds its table of some 170 response callbacks; and a client that takes a connection from
the pool for every command (and checks it with a system call) spends more on that than on
the command: both were a noticeable part of a cheap request that reads its session from
Redis."""

from __future__ import annotations

import os
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[tuple[int, int], Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own (private, so not in the type stubs) pool and client class.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        # Per process: a forked worker (Celery's pool) must not talk on its parent's socket.
        # One connection per client, behind redis-py's lock, so threads take turns on it;
        # pipelines still take their own connections from the pool.
        place = (os.getpid(), id(pool))
        client = self._clients.get(place)
        if client is None:
            client = self._clients[place] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool, single_connection_client=True
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
