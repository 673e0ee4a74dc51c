"""GenerationCache: reused while the Redis generation is unchanged, reloaded after a bump
(at the write and again after commit; from any process: the counter lives in Redis), after max_age, and never used without Redis."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.core.gencache import GenerationCache


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


@pytest.mark.django_db
def test_reused_until_bumped(django_capture_on_commit_callbacks) -> None:
    cache, other_process = GenerationCache("t1"), GenerationCache("t1")
    load = Loader()
    assert [cache.get(7, "k", load) for _ in range(3)] == [1, 1, 1]
    with django_capture_on_commit_callbacks(execute=True):
        other_process.bump_on_commit(7)
    assert cache.get(7, "k", load) == 2
    assert cache.get(8, "k", load) == 3  # another scope is separate
    with django_capture_on_commit_callbacks(execute=True):
        cache.bump_on_commit(7)  # bumped at once: the writer's own reads see the change
        assert cache.get(7, "k", load) == 4
        # another process reads here, before the commit, and caches what it sees ...
    assert cache.get(7, "k", load) == 5  # ... which the bump after commit throws away
    assert cache.get(7, "k", load) == 5


def test_errors_are_not_cached() -> None:
    cache = GenerationCache("t2")

    def fail() -> int:
        raise LookupError("nope")

    with pytest.raises(LookupError):
        cache.get(1, "k", fail)
    assert cache.get(1, "k", lambda: 5) == 5


def test_max_age_and_no_redis(monkeypatch) -> None:
    aged = GenerationCache("t3", max_age=0.0)
    load = Loader()
    assert (aged.get(1, "k", load), aged.get(1, "k", load)) == (1, 2)

    cache = GenerationCache("t4")

    class Down:
        def get(self, key: str) -> bytes:
            raise RedisConnectionError("down")

    monkeypatch.setattr("apps.core.gencache.shared_redis", lambda: Down())
    load = Loader()
    assert (cache.get(1, "k", load), cache.get(1, "k", load)) == (1, 2)
