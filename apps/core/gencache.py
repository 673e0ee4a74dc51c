"""Per-process caches that stay right across processes: an entry is used only while a Redis
counter (its scope's generation) is unchanged; writers bump the counter when they write and
again after commit (a reader between the two may cache what was there before the commit).
One Redis GET per use instead of database queries; without Redis, nothing is cached, and an
entry is reloaded after `max_age` seconds whatever happens (a bump lost while Redis was
briefly unreachable is healed then)."""

import contextlib
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.db import transaction
from redis.exceptions import RedisError

from apps.core.redis import shared_redis

T = TypeVar("T")
FETCH: Any = object()  # get(): read the generation from Redis


class GenerationCache:
    instances: list["GenerationCache"] = []

    def __init__(self, name: str, max_entries: int = 10_000, max_age: float = 30.0) -> None:
        self.name, self.max_entries, self.max_age = name, max_entries, max_age
        GenerationCache.instances.append(self)
        self._entries: dict[tuple[Hashable, Hashable], tuple[bytes, float, Any]] = {}
        self._lock = threading.Lock()

    def _key(self, scope: Hashable) -> str:
        return f"labelforge:gen:{self.name}:{scope}"

    def generation(self, scope: Hashable) -> bytes | None:
        try:
            return shared_redis().get(self._key(scope)) or b"0"
        except RedisError:
            return None

    def get(
        self,
        scope: Hashable,
        key: Hashable,
        load: Callable[[], T],
        generation: bytes | None = FETCH,
    ) -> T:
        """The cached value, or `load()` (read after the generation, so a change committed
        meanwhile bumps past what is stored). Exceptions from `load` are not cached.
        `generation`: the scope's, already read (generations()); by default it is read here."""
        if generation is FETCH:
            generation = self.generation(scope)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get((scope, key))
        if generation is not None and hit is not None:
            seen, loaded_at, value = hit
            if seen == generation and now - loaded_at < self.max_age:
                return value
        value = load()
        if generation is not None:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[(scope, key)] = (generation, now, value)
        return value

    def bump(self, scope: Hashable) -> None:
        with contextlib.suppress(RedisError):  # entries expire after max_age anyway
            shared_redis().incr(self._key(scope))

    def bump_on_commit(self, scope: Hashable) -> None:
        self.bump(scope)
        transaction.on_commit(lambda: self.bump(scope))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @classmethod
    def clear_all(cls) -> None:
        """Every cache of this process (tests, between tests)."""
        for cache in cls.instances:
            cache.clear()


def generations(*wanted: tuple[GenerationCache, Hashable]) -> list[bytes | None]:
    """Several (cache, scope) generations in one Redis round trip, for get(generation=...)."""
    try:
        values = shared_redis().mget([cache._key(scope) for cache, scope in wanted])
    except RedisError:
        return [None] * len(wanted)
    return [value or b"0" for value in values]
