"""The life of a queued run, one for training and auto-annotation runs alike:

    queued -> running -> succeeded | failed | cancelled
       |         |--> cancelling -> cancelled       (a cancel while running)
       |         '--> interrupted                   (the reaper: no heartbeat)
       '--> cancelled                               (a cancel before a worker claimed it)

A worker claims a run with a conditional UPDATE (only a queued row), so a job delivered twice
runs once; it beats from a thread while it works; its outcome is recorded only while the run is
still active, so a reaper's `interrupted` is never overwritten. Callers broadcast."""

import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from apps.core.exceptions import Conflict
from apps.models.models import (
    ACTIVE_STATUSES,
    AutoAnnotationRun,
    EmbeddingRun,
    RunStatus,
    TrainingRun,
)

Run = TypeVar("Run", TrainingRun, AutoAnnotationRun, EmbeddingRun)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _touched(model: type[Run]) -> list[str]:
    """`updated_at` where the model has one (update() does not set auto_now fields)."""
    return ["updated_at"] if any(f.name == "updated_at" for f in model._meta.fields) else []


def run_claim(model: type[Run], run_id: int) -> bool:
    """queued -> running for this worker; False when another worker (or a cancel) got there
    first."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, worker=worker_name(), started_at=now, heartbeat_at=now
        )
    )


@transaction.atomic
def run_request_cancel(run: Run) -> Run:
    """A queued run is cancelled at once; a running one is asked to stop (`cancelling`) and
    its worker stops at the next step or batch."""
    model = type(run)
    run = model.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
    elif run.status == RunStatus.RUNNING:
        run.status = RunStatus.CANCELLING
    else:
        raise Conflict(f"A {run.status} run cannot be cancelled.", code="not_cancellable")
    run.save(update_fields=["status", "finished_at", *_touched(model)])
    return run


def run_record_outcome(run: Run, **fields: object) -> Run:
    """Write the outcome (status, error, results) unless the run is no longer active (the
    reaper declared it interrupted meanwhile); returns the row as the database has it."""
    model = type(run)
    fields.setdefault("finished_at", timezone.now())
    model.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(**fields)
    run.refresh_from_db()
    return run


def run_status(model: type[Run], run_id: int) -> str | None:
    return model.objects.filter(pk=run_id).values_list("status", flat=True).first()


def runs_reap(model: type[Run], *, error: str, announce: Callable[[Run], None]) -> int:
    """Active runs of `model` whose worker stopped beating (killed, host lost) become
    `interrupted`. The conditional UPDATE makes two reapers count each row once; `announce`
    sends its event after commit."""
    cutoff = timezone.now() - timedelta(seconds=settings.LABELFORGE_RUN_STALE_SECONDS)
    stale = model.objects.filter(status__in=ACTIVE_STATUSES, heartbeat_at__lt=cutoff)
    reaped = 0
    for row in list(stale):
        with transaction.atomic():
            updated = stale.filter(pk=row.pk).update(
                status=RunStatus.INTERRUPTED, finished_at=timezone.now(), error=error
            )
            if updated:
                reaped += 1
                row.refresh_from_db()
                announce(row)
    return reaped


SWEEPS: list[Callable[[], int]] = []  # what the reaper runs besides training and auto-annotation


def register_sweep(sweep: Callable[[], int]) -> None:
    """An app above this one adds its reaping or expiry (from its AppConfig.ready): a callable
    returning how many rows it changed. `manage.py reap_runs` runs every sweep."""
    if sweep not in SWEEPS:
        SWEEPS.append(sweep)


class Heartbeat:
    """Beats from a thread so that long data loading or evaluation still counts as alive.
    It only writes heartbeat_at: reaping is the reaper's job (`manage.py reap_runs`)."""

    def __init__(self, model: type[Run], run_id: int) -> None:
        self.model, self.run_id = model, run_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"heartbeat-{run_id}")

    def __enter__(self) -> "Heartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        try:
            while not self.stopped.wait(settings.LABELFORGE_HEARTBEAT_SECONDS):
                self.model.objects.filter(pk=self.run_id).update(heartbeat_at=timezone.now())
        finally:
            close_old_connections()
