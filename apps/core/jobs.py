"""Background work: enqueue after commit so a worker never sees a row that is not there yet.
Redis is asked first, inside the transaction: when it does not answer, the request fails with
a 503 and the transaction rolls back, so no row waits for a job that was never queued."""

from collections.abc import Callable
from typing import Any

import django_rq
from django.db import transaction
from redis.exceptions import RedisError
from rest_framework.exceptions import APIException

from apps.core.exceptions import RETRY_AFTER_SECONDS


class QueueUnavailable(APIException):
    """503 (with Retry-After: DRF sends `wait` as the header)."""

    status_code = 503
    wait = RETRY_AFTER_SECONDS
    default_detail = "The job queue (Redis) is not answering; nothing was stored. Try again."
    default_code = "unavailable"


def enqueue_on_commit(queue: str, func: Callable[..., Any] | str, **kwargs: Any) -> None:
    """`func` may be a dotted path, so web processes need not import heavy job modules."""
    rq_queue = django_rq.get_queue(queue)
    try:
        rq_queue.connection.ping()
    except RedisError as exc:
        raise QueueUnavailable() from exc
    transaction.on_commit(lambda: rq_queue.enqueue(func, **kwargs))
