"""Django's Redis cache backend, keeping one Redis client per connection pool. Django makes a
new ``redis.Redis`` on every call, and each one builds its table of some 170 response
callbacks: a noticeable part of a cheap request that reads its session from Redis."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _Client(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's own (private, so not in the type stubs) pool and client class.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        # The pools are made per process (after a fork), so are the clients on them.
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
