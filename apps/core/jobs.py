"""Background work: enqueue after commit so a worker never sees a row that is not there yet."""

from collections.abc import Callable
from typing import Any

import django_rq
from django.db import transaction


def enqueue_on_commit(queue: str, func: Callable[..., Any] | str, **kwargs: Any) -> None:
    """`func` may be a dotted path, so web processes need not import heavy job modules."""
    transaction.on_commit(lambda: django_rq.get_queue(queue).enqueue(func, **kwargs))
