"""ml/ callbacks for a run in a worker: metrics to the database in batches, live progress over
the channel layer, heartbeats, and the cancel flag read back from the database."""

import hashlib
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from apps.core.broadcast import broadcast, project_group
from apps.core.storage import storage_replace
from apps.models.models import RunMetric, RunStatus, TrainingRun
from apps.models.runs.lifecycle import run_status
from apps.models.training.serializers import eta_seconds, run_payload
from apps.models.training.services import run_log_append
from ml.callbacks import Callbacks
from ml.eta import EtaEstimator

FLUSH_SECONDS = 0.5
STOP_CHECK_SECONDS = 1.0


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class RunReporter(Callbacks):
    def __init__(self, run: TrainingRun, work_dir: Path) -> None:
        self.run = run
        self.work_dir = work_dir
        self.group = project_group(run.project_id)
        self.pending: list[RunMetric] = []
        self.log_lines: list[str] = []
        self.last_flush = 0.0
        self.last_stop_check = 0.0
        self.stop = False
        self.first_step: int | None = None
        self.eta = EtaEstimator(0)

    # -- ml callbacks -------------------------------------------------------------------------
    def on_start(self, info: dict[str, Any]) -> None:
        self.run.device = str(info.get("device", ""))[:64]
        self.run.total_steps = int(info.get("total_steps", 0))
        self.eta = EtaEstimator(self.run.total_steps)
        self.run.save(update_fields=["device", "total_steps", "updated_at"])
        broadcast(self.group, "run.status", self._payload())

    def on_step(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        if self.first_step is None:
            self.first_step = step
            # a resumed run repeats the steps after its last checkpoint: drop their old rows
            RunMetric.objects.filter(run=self.run, step__gte=step).delete()
        self._add(step, epoch, metrics)
        self.eta.step(step)
        self.run.step, self.run.epoch = step, epoch
        self.run.latest_metrics = {**self.run.latest_metrics, **metrics}
        self._maybe_flush()

    def on_epoch(
        self, epoch: int, step: int, metrics: dict[str, float], *, best: bool = False
    ) -> None:
        self._add(step, float(epoch), metrics)
        self.run.latest_metrics = {**self.run.latest_metrics, **metrics}
        if best:  # the epoch whose weights the run keeps: its figures, together
            self.run.best_metrics = dict(metrics)
        self.flush()
        self.sync_checkpoint()

    def on_log(self, line: str) -> None:
        self.log_lines.append(line)

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self.stop and now - self.last_stop_check >= STOP_CHECK_SECONDS:
            self.last_stop_check = now
            self.stop = run_status(TrainingRun, self.run.pk) != RunStatus.RUNNING
        return self.stop

    # -- helpers ------------------------------------------------------------------------------
    def _add(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        self.pending.extend(
            RunMetric(run=self.run, step=step, epoch=epoch, name=name, value=float(value))
            for name, value in metrics.items()
        )

    def _maybe_flush(self) -> None:
        if time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        rows, self.pending = self.pending, []
        if rows:
            RunMetric.objects.bulk_create(rows, batch_size=1000)
        total = max(1, self.run.total_steps)
        self.run.progress = min(1.0, self.run.step / total)
        left = self.eta.seconds_left()
        self.run.expected_end_at = (
            None if left is None else timezone.now() + timedelta(seconds=left)
        )
        TrainingRun.objects.filter(pk=self.run.pk).update(
            expected_end_at=self.run.expected_end_at,
            step=self.run.step,
            epoch=self.run.epoch,
            progress=self.run.progress,
            latest_metrics=self.run.latest_metrics,
            best_metrics=self.run.best_metrics,
            heartbeat_at=timezone.now(),
        )
        self._append_log()
        broadcast(
            self.group,
            "run.progress",
            {
                "id": self.run.pk,
                "step": self.run.step,
                "total_steps": self.run.total_steps,
                "progress": self.run.progress,
                "epoch": self.run.epoch,
                "eta_seconds": eta_seconds(self.run),
                "latest": self.run.latest_metrics,
                "best_metrics": self.run.best_metrics,
                "metrics": [
                    {"step": r.step, "epoch": r.epoch, "name": r.name, "value": r.value}
                    for r in rows
                ],
            },
        )

    def _append_log(self) -> None:
        lines, self.log_lines = self.log_lines, []
        if lines:
            run_log_append(run=self.run, text="".join(f"{line.rstrip()}\n" for line in lines))
            broadcast(self.group, "run.log", {"id": self.run.pk, "lines": lines})

    def sync_checkpoint(self) -> None:
        """Store this host's checkpoint as the run's, with its SHA-256 (what a later attempt
        on this host checks its copy against before trusting it)."""
        local = self.work_dir / "checkpoint.pt"
        if local.is_file():
            with open(local, "rb") as fh:  # one open file: hashed and stored are the same bytes
                sha256 = hashlib.file_digest(fh, "sha256").hexdigest()
                fh.seek(0)
                self.run.checkpoint = storage_replace(f"{self.run.storage_dir}/checkpoint.pt", fh)
            self.run.checkpoint_sha256 = sha256
            TrainingRun.objects.filter(pk=self.run.pk).update(
                checkpoint=self.run.checkpoint, checkpoint_sha256=sha256
            )

    def _payload(self) -> dict[str, Any]:
        return run_payload(self.run)
