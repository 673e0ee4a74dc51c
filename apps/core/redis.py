"""One Redis client per process for app data (presence, cache generations). django_rq's
get_connection() builds a new client and connection on every call (~3 ms); redis-py clients
are thread-safe and their pools reconnect after a fork."""

import functools

import django_rq
from redis import Redis


@functools.cache
def shared_redis() -> Redis:
    return django_rq.get_connection("default")
