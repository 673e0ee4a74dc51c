"""ml/ callbacks for a run in a worker: metrics to the database in batches, live progress over
the channel layer, the run's checkpoint to storage, and the cancel flag read back from the
database.

None of that happens on the training thread. Its callbacks only record into memory under a
lock; a writer thread started by `with reporter:` does the writes every FLUSH_SECONDS (at
once after an epoch) and the last ones when the block ends. The writer uses the job's own
database connection, shared for the purpose (so it sees what the job sees, a test's
transaction included): the job does not touch the database while train() runs, and the
heartbeat thread has a connection of its own. A write that fails (the database restarting)
is logged and retried with the next batch; the run goes on training."""

import contextlib
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import connections
from django.utils import timezone

from apps.core.broadcast import broadcast, project_group
from apps.core.storage import STORAGE_ERRORS, storage_save
from apps.models.models import RunMetric, RunStatus, TrainingRun
from apps.models.runs.lifecycle import run_status
from apps.models.training.serializers import eta_seconds, run_payload
from apps.models.training.services import run_log_append
from ml.callbacks import Callbacks
from ml.eta import EtaEstimator

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
STOP_CHECK_SECONDS = 1.0


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass
class _Batch:
    """What the training thread recorded since the last write."""

    rows: list[RunMetric] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    started: bool = False  # on_start came: store device and total steps, announce the status
    drop_from: int | None = None  # a resumed run's first step: older rows from it on go
    checkpoint: bool = False  # an epoch ended: store this host's checkpoint

    def merge(self, later: "_Batch") -> None:
        """`later` came after a write of this batch failed: both go in the next one."""
        self.rows += later.rows
        self.log_lines += later.log_lines
        self.started |= later.started
        self.checkpoint |= later.checkpoint
        if self.drop_from is None:
            self.drop_from = later.drop_from


class RunReporter(Callbacks):
    def __init__(self, run: TrainingRun, work_dir: Path) -> None:
        self.run = run
        self.work_dir = work_dir
        self.group = project_group(run.project_id)
        self.lock = threading.Lock()
        self.batch = _Batch()
        self.failed: _Batch | None = None  # a batch whose write failed, for the next try
        self.wake = threading.Event()
        self.closing = False
        self.writer: threading.Thread | None = None
        self.last_stop_check = 0.0
        self.stop = False
        self.first_step: int | None = None
        self.eta = EtaEstimator(0)

    # -- the writer thread --------------------------------------------------------------------
    def __enter__(self) -> "RunReporter":
        connection = connections["default"]
        connection.inc_thread_sharing()
        self.writer = threading.Thread(target=self._loop, args=(connection,), daemon=True,
                                       name=f"run-reporter-{self.run.pk}")  # fmt: skip
        self.writer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the writer and write what is left, on the caller's thread. Idempotent."""
        if self.writer is not None:
            self.closing = True
            self.wake.set()
            self.writer.join()
            self.writer = None
            connections["default"].dec_thread_sharing()
        self.write()

    def _loop(self, connection: Any) -> None:
        connections["default"] = connection  # the job's connection, shared (see the docstring)
        while not self.closing:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            if self.closing:
                return
            try:
                self.write()
                self._check_stop()
            except Exception:  # the database or Redis away for a moment: retried next time
                log.exception("run %s: progress not written, retrying", self.run.pk)

    # -- ml callbacks (the training thread: memory only) --------------------------------------
    def on_start(self, info: dict[str, Any]) -> None:
        with self.lock:
            self.run.device = str(info.get("device", ""))[:64]
            self.run.total_steps = int(info.get("total_steps", 0))
            self.eta = EtaEstimator(self.run.total_steps)
            self.batch.started = True
        self.wake.set()

    def on_step(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        with self.lock:
            if self.first_step is None:
                self.first_step = self.batch.drop_from = step
            self._add(step, epoch, metrics)
            self.eta.step(step)
            self.run.step, self.run.epoch = step, epoch
            self.run.latest_metrics = {**self.run.latest_metrics, **metrics}

    def on_epoch(
        self, epoch: int, step: int, metrics: dict[str, float], *, best: bool = False
    ) -> None:
        with self.lock:
            self._add(step, float(epoch), metrics)
            self.run.latest_metrics = {**self.run.latest_metrics, **metrics}
            if best:  # the epoch whose weights the run keeps: its figures, together
                self.run.best_metrics = dict(metrics)
            self.batch.checkpoint = True
        self.wake.set()

    def on_log(self, line: str) -> None:
        with self.lock:
            self.batch.log_lines.append(line)

    def should_stop(self) -> bool:
        if self.writer is None:  # no writer (outside a job's `with`): ask here
            self._check_stop()
        return self.stop

    # -- writes ---------------------------------------------------------------------------------
    def _add(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        self.batch.rows.extend(
            RunMetric(run=self.run, step=step, epoch=epoch, name=name, value=float(value))
            for name, value in metrics.items()
        )

    def _check_stop(self) -> None:
        now = time.monotonic()
        if not self.stop and now - self.last_stop_check >= STOP_CHECK_SECONDS:
            self.last_stop_check = now
            self.stop = run_status(TrainingRun, self.run.pk) != RunStatus.RUNNING

    def write(self) -> None:
        """Write what was recorded since the last write: metrics, progress, log, checkpoint."""
        with self.lock:
            batch, self.batch = self.batch, _Batch()
            if self.failed is not None:
                self.failed.merge(batch)
                batch, self.failed = self.failed, None
            state = {
                "step": self.run.step, "epoch": self.run.epoch,
                "latest_metrics": dict(self.run.latest_metrics),
                "best_metrics": dict(self.run.best_metrics),
                "progress": min(1.0, self.run.step / max(1, self.run.total_steps)),
                "expected_end_at": self._expected_end(),
            }  # fmt: skip
        try:
            self._write(batch, state)
        except Exception:
            with self.lock:
                self.failed = batch
            raise

    def _expected_end(self) -> Any:
        left = self.eta.seconds_left()
        return None if left is None else timezone.now() + timedelta(seconds=left)

    def _write(self, batch: _Batch, state: dict[str, Any]) -> None:
        if batch.started:
            TrainingRun.objects.filter(pk=self.run.pk).update(
                device=self.run.device, total_steps=self.run.total_steps,
                updated_at=timezone.now(),
            )  # fmt: skip
            broadcast(self.group, "run.status", run_payload(self.run))
        if batch.drop_from is not None:
            # a resumed run repeats the steps after its last checkpoint: drop their old rows
            RunMetric.objects.filter(run=self.run, step__gte=batch.drop_from).delete()
        if batch.rows:
            RunMetric.objects.bulk_create(batch.rows, batch_size=1000)
        self.run.progress, self.run.expected_end_at = state["progress"], state["expected_end_at"]
        TrainingRun.objects.filter(pk=self.run.pk).update(**state, heartbeat_at=timezone.now())
        if batch.log_lines:
            text = "".join(f"{line.rstrip()}\n" for line in batch.log_lines)
            run_log_append(run=self.run, text=text)
            broadcast(self.group, "run.log", {"id": self.run.pk, "lines": batch.log_lines})
        broadcast(self.group, "run.progress", {
            "id": self.run.pk, "step": state["step"], "total_steps": self.run.total_steps,
            "progress": state["progress"], "epoch": state["epoch"],
            "eta_seconds": eta_seconds(self.run), "latest": state["latest_metrics"],
            "best_metrics": state["best_metrics"],
            "metrics": [{"step": r.step, "epoch": r.epoch, "name": r.name, "value": r.value}
                        for r in batch.rows],
        })  # fmt: skip
        if batch.checkpoint:
            self.sync_checkpoint()

    def sync_checkpoint(self) -> None:
        """Store this host's checkpoint as the run's, with its SHA-256 (what a later attempt
        on this host checks its copy against before trusting it). ml replaces the file
        atomically, so the open file is one whole checkpoint. The store is not atomic (a
        filesystem write, an upload): each checkpoint goes under a new name, the row points
        at it only once it is whole, and the previous one is deleted after, so a worker
        killed mid-write leaves the run on its last whole checkpoint."""
        local = self.work_dir / "checkpoint.pt"
        if local.is_file():
            with open(local, "rb") as fh:  # one open file: hashed and stored are the same bytes
                sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
                fh.seek(0)
                name = f"{self.run.storage_dir}/checkpoint-{uuid.uuid4().hex[:12]}.pt"
                path = storage_save(name, fh)
            previous = self.run.checkpoint
            self.run.checkpoint, self.run.checkpoint_sha256 = path, sha256
            TrainingRun.objects.filter(pk=self.run.pk).update(
                checkpoint=path, checkpoint_sha256=sha256
            )
            if previous and previous != path:
                with contextlib.suppress(*STORAGE_ERRORS):
                    default_storage.delete(previous)
