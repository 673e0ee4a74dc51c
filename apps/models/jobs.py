"""The `train` queue job: claim the run, materialise its snapshot on this host, call ml/,
write results back. Safe to run twice: only a queued run is claimed."""

import json
import logging
import os
import shutil
import socket
import traceback
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.core.storage import storage_replace
from ml.config import TrainConfig
from ml.manifest import Manifest

from .models import ACTIVE_STATUSES, RunStatus, TrainingRun
from .reporter import Heartbeat, RunReporter, run_log_append
from .services import run_broadcast_status

log = logging.getLogger(__name__)


def _claim(run_id: int) -> TrainingRun | None:
    now = timezone.now()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    claimed = TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    run = TrainingRun.objects.select_related("snapshot").get(pk=run_id)
    run.attempts += 1
    run.save(update_fields=["attempts"])
    run_broadcast_status(run=run, on_commit=False)
    return run


def _materialise(run: TrainingRun, work_dir: Path) -> Manifest:
    """Copy the snapshot's images (through the storage API) into a per-host cache by hash."""
    with default_storage.open(run.snapshot.manifest, "rb") as fh:
        data = json.load(fh)
    cache = Path(settings.LABELFORGE_WORK_DIR) / "image-cache"
    cache.mkdir(parents=True, exist_ok=True)
    for sample in data["samples"]:
        local = cache / f"{sample['sha256']}{Path(sample['path']).suffix}"
        if not local.exists():
            tmp = local.with_suffix(local.suffix + ".part")
            with default_storage.open(sample["path"], "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, local)
        sample["path"] = str(local)
    (work_dir / "manifest.json").write_text(json.dumps(data))
    return Manifest.from_dict(data)


def _checkpoint(run: TrainingRun, work_dir: Path) -> Path | None:
    local = work_dir / "checkpoint.pt"
    if not local.exists() and run.checkpoint and default_storage.exists(run.checkpoint):
        with default_storage.open(run.checkpoint, "rb") as src, open(local, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return local if local.exists() else None


def _store(run: TrainingRun, local: Path, name: str) -> str:
    with open(local, "rb") as fh:
        return storage_replace(f"{run.storage_dir}/{name}", fh)


def _finish(run: TrainingRun, **fields: object) -> None:
    """Record the outcome unless the reaper already declared this run interrupted."""
    with transaction.atomic():
        fields.setdefault("finished_at", timezone.now())
        TrainingRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(**fields)
        run.refresh_from_db()
    run_broadcast_status(run=run, on_commit=False)


def run_train(*, run_id: int) -> str:
    from ml.train import train  # torch is imported by workers only

    run = _claim(run_id)
    if run is None:
        return "not queued"
    work_dir = Path(settings.LABELFORGE_WORK_DIR) / "runs" / str(run.pk)
    work_dir.mkdir(parents=True, exist_ok=True)
    reporter = RunReporter(run, work_dir)
    with Heartbeat(run.pk):
        try:
            manifest = _materialise(run, work_dir)
            config = TrainConfig(**run.params)
            resume = _checkpoint(run, work_dir)
            if resume:
                reporter.on_log(f"Resuming from checkpoint {resume.name}")
            result = train(manifest, config, work_dir, callbacks=reporter, resume_from=resume)
        except Exception as exc:  # a failed run records why, for the user
            log.exception("run %s failed", run.pk)
            reporter.flush()
            run_log_append(run, traceback.format_exc())
            _finish(run, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            return "failed"
    reporter.flush()
    reporter.sync_checkpoint()
    if result.status == "stopped":
        _finish(run, status=RunStatus.CANCELLED)
        return "cancelled"
    weights = _store(run, Path(result.weights_path), "model.pt") if result.weights_path else ""
    _store(run, work_dir / "metrics.csv", "metrics.csv")
    _finish(
        run,
        status=RunStatus.SUCCEEDED,
        weights=weights,
        best_metrics=result.best_metrics or run.best_metrics,
        progress=1.0,
        step=result.step,
    )
    return "succeeded"
