"""Background work: enqueue after commit so a worker never sees a row that is not there yet.
Redis is asked first, inside the transaction: when it does not answer, the request fails with
a 503 and the transaction rolls back, so no row waits for a job that was never queued."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import django_rq
from django.db import transaction
from django.urls import reverse
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rq import Queue

from apps.core.exceptions import RETRY_AFTER_SECONDS


class QueueUnavailable(APIException):
    """503 (with Retry-After: DRF sends `wait` as the header)."""

    status_code = 503
    wait = RETRY_AFTER_SECONDS
    default_detail = "The job queue (Redis) is not answering; nothing was stored. Try again."
    default_code = "unavailable"


def enqueue_on_commit(
    queue: str, func: Callable[..., Any] | str, *, at: datetime | None = None, **kwargs: Any
) -> None:
    """`func` may be a dotted path, so web processes need not import heavy job modules.
    `queue` may be pinned, `train@<host>` or `train@<host>/gpu<N>` (apps/core/worker.py).
    `at`: not before then (RQ's scheduler, which `runstack`'s worker runs)."""
    base, _, pin = queue.partition("@")
    rq_queue = django_rq.get_queue(base)
    if pin:
        rq_queue = Queue(queue, connection=rq_queue.connection)
    try:
        rq_queue.connection.ping()
    except RedisError as exc:
        raise QueueUnavailable() from exc
    if at is not None:
        transaction.on_commit(lambda: rq_queue.enqueue_at(at, func, **kwargs))
    else:
        transaction.on_commit(lambda: rq_queue.enqueue(func, **kwargs))


def job_accepted(data: dict, request: Request, detail_name: str, pk: int) -> Response:
    """A background job's 202: its representation and `url`, the absolute URL to poll."""
    url = request.build_absolute_uri(reverse(detail_name, args=[pk]))
    return Response({**data, "url": url}, status=status.HTTP_202_ACCEPTED)
