"""ml/ callbacks for a run in a worker: metrics to the database in batches, live progress over
the channel layer, heartbeats, and the cancel flag read back from the database."""

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import close_old_connections, models
from django.utils import timezone

from apps.core.realtime import broadcast, project_group
from apps.core.storage import storage_replace
from ml.callbacks import Callbacks
from ml.eta import EtaEstimator

from .models import RunMetric, RunStatus, TrainingRun
from .serializers import eta_seconds

FLUSH_SECONDS = 0.5
STOP_CHECK_SECONDS = 1.0


class Heartbeat:
    """Beats from a thread so that long data loading or evaluation still counts as alive."""

    def __init__(self, run_id: int, model: type[models.Model] | None = None) -> None:
        self.run_id, self.model = run_id, model or TrainingRun
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

    def on_epoch(self, epoch: int, step: int, metrics: dict[str, float]) -> None:
        self._add(step, float(epoch), metrics)
        self.run.latest_metrics = {**self.run.latest_metrics, **metrics}
        self._update_best(metrics)
        self.flush()
        self.sync_checkpoint()

    def on_log(self, line: str) -> None:
        self.log_lines.append(line)

    def should_stop(self) -> bool:
        now = time.monotonic()
        if not self.stop and now - self.last_stop_check >= STOP_CHECK_SECONDS:
            self.last_stop_check = now
            status = (
                TrainingRun.objects.filter(pk=self.run.pk).values_list("status", flat=True).first()
            )
            self.stop = status != RunStatus.RUNNING
        return self.stop

    # -- helpers ------------------------------------------------------------------------------
    def _add(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        self.pending.extend(
            RunMetric(run=self.run, step=step, epoch=epoch, name=name, value=float(value))
            for name, value in metrics.items()
        )

    def _update_best(self, metrics: dict[str, float]) -> None:
        best = dict(self.run.best_metrics)
        for name, value in metrics.items():
            lower_is_better = name.endswith("loss")
            if name not in best or (value < best[name] if lower_is_better else value > best[name]):
                best[name] = value
        self.run.best_metrics = best

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
                "metrics": [
                    {"step": r.step, "epoch": r.epoch, "name": r.name, "value": r.value}
                    for r in rows
                ],
            },
        )

    def _append_log(self) -> None:
        lines, self.log_lines = self.log_lines, []
        if lines:
            run_log_append(self.run, "".join(f"{line.rstrip()}\n" for line in lines))
            broadcast(self.group, "run.log", {"id": self.run.pk, "lines": lines})

    def sync_checkpoint(self) -> None:
        local = self.work_dir / "checkpoint.pt"
        if local.is_file():
            with open(local, "rb") as fh:
                self.run.checkpoint = storage_replace(f"{self.run.storage_dir}/checkpoint.pt", fh)
            TrainingRun.objects.filter(pk=self.run.pk).update(checkpoint=self.run.checkpoint)

    def _payload(self) -> dict[str, Any]:
        from .services import run_payload

        return run_payload(self.run)


def run_log_append(run: TrainingRun, text: str) -> None:
    """The run's log lives in storage (runs/<id>/log.txt) so any web process can tail it.
    Storage has no append: the (small) log is rewritten."""
    name = f"{run.storage_dir}/log.txt"
    existing = b""
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as fh:
            existing = fh.read()
    storage_replace(name, ContentFile(existing + text.encode()))
