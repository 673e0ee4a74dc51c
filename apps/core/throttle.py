"""Sign-in throttling against password guessing, shared by the login page and the token
endpoint: at most LABELFORGE_LOGIN_ATTEMPTS attempts per username and client address in a
window of LABELFORGE_LOGIN_WINDOW_SECONDS that starts at the first one. A successful sign-in
clears the count; an attempt over the limit is refused before the password is checked, so
the right password does not get in either until the window has passed. Counted in Redis,
so every web process sees the same numbers."""

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from redis.commands.core import AsyncScript, Script

from .redis import shared_redis

log = logging.getLogger(__name__)
KEY_PREFIX = "lf:signin:"
# count this attempt; the window starts with the first one (a key left without a TTL by any
# race gets one, so a count can never stick forever)
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused


@cache
def _count_script() -> Script | AsyncScript:
    return shared_redis().register_script(_COUNT)


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(username: str, address: str) -> str:
    """One count however the name is spelt (case, spaces around it, Unicode forms)."""
    name = unicodedata.normalize("NFKC", username).strip().casefold()
    digest = hashlib.sha256(f"{name}\n{address}".encode()).hexdigest()
    return KEY_PREFIX + digest


def signin_attempt(*, username: str, address: str) -> Verdict:
    """Count one sign-in attempt; refused when it is over the limit for this window."""
    limit = settings.LABELFORGE_LOGIN_ATTEMPTS
    count, ttl = _count_script()(keys=[_key(username, address)],
                                 args=[settings.LABELFORGE_LOGIN_WINDOW_SECONDS])  # fmt: skip
    if int(count) <= limit:
        return Verdict(True)
    if int(count) == limit + 1:  # once per window; never the password
        log.warning("sign-in throttled for user %r from %s", username, address)
    return Verdict(False, max(int(ttl), 1))


def signin_succeeded(*, username: str, address: str) -> None:
    shared_redis().delete(_key(username, address))


def throttled_message(retry_after: int) -> str:
    minutes = -(-retry_after // 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}" if retry_after >= 60 else (
        f"{retry_after} second{'s' if retry_after != 1 else ''}")  # fmt: skip
    return f"Too many failed sign-in attempts. Try again in {wait}."
