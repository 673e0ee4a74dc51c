"""The `train` queue job: claim the run, materialise its snapshot on this host, call ml/,
write results back. Safe to run twice: only a queued run is claimed."""

import json
import logging
import os
import traceback
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from apps.core.storage import storage_fetch, storage_replace
from apps.images.imaging import crop_rotated
from apps.models.models import RunStatus, TrainingRun, VersionStatus
from apps.models.registry.files import version_file
from apps.models.registry.services import model_version_prepare, model_version_register
from apps.models.runs.lifecycle import Heartbeat, run_claim, run_record_outcome
from apps.models.training.reporter import RunReporter, file_sha256
from apps.models.training.services import run_broadcast_status, run_log_append
from apps.webhooks.services import webhook_emit
from ml.config import TrainConfig
from ml.manifest import Manifest
from ml.timing import Stopwatch

log = logging.getLogger(__name__)
# a run's job, in the log's "job time" line: copying the snapshot's images to this host, ml's
# train() (its own split is the "time" line), storing weights and metrics, registering the
# version (held-out evaluation, ONNX export)
JOB_PHASES = ("materialise", "train", "store", "register")


def _claim(run_id: int) -> TrainingRun | None:
    if not run_claim(TrainingRun, run_id):
        return None
    run = TrainingRun.objects.select_related("snapshot", "init_from").get(pk=run_id)
    run.attempts += 1
    run.save(update_fields=["attempts"])
    run_broadcast_status(run=run, on_commit=False)
    return run


def _pretrained(config: TrainConfig) -> str | None:
    """The pretrained weights' path on this worker (the run stores the file's name)."""
    if not config.pretrained:
        return None
    name = Path(config.pretrained).name  # older runs stored a web host's full path
    path = Path(settings.LABELFORGE_WEIGHTS_DIR) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"Pretrained weights not found on this worker: put torchvision's '{name}' in "
            f"{settings.LABELFORGE_WEIGHTS_DIR} (workers cannot download it)."
        )
    return str(path)


def _cut(source: Path, crop: list[float], cache: Path) -> Path:
    """A crop sample's pixels as a file of its own, kept beside its image's copy."""
    x, y, w, h = crop
    out = cache / "crops" / f"{source.stem}_{x:g}_{y:g}_{w:g}_{h:g}{source.suffix}"
    if not out.exists():
        pixels = crop_rotated(source.read_bytes(), box=(x, y, w, h), angle=0,
                              max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)  # fmt: skip
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.{os.getpid()}")
        partial.write_bytes(pixels)
        partial.replace(out)  # whole or absent, with two workers on one host
    return out


def _materialise(run: TrainingRun, work_dir: Path) -> Manifest:
    """Copy the snapshot's images (through the storage API) into a per-host cache by hash;
    box crops are cut out of them there."""
    with default_storage.open(run.snapshot.manifest, "rb") as fh:
        data = json.load(fh)
    cache = Path(settings.LABELFORGE_WORK_DIR) / "image-cache"
    for sample in data["samples"]:
        local = storage_fetch(
            sample["path"], cache / f"{sample['sha256']}{Path(sample['path']).suffix}"
        )
        crop = sample.pop("crop", None)
        sample["path"] = str(_cut(local, crop, cache) if crop else local)
    (work_dir / "manifest.json").write_text(json.dumps(data))
    return Manifest.from_dict(data)


def _checkpoint(run: TrainingRun, work_dir: Path) -> Path | None:
    """The checkpoint to resume from: only this run's own, the one it stored. The copy on
    this host is used when it is that very file (its SHA-256 is recorded on the row), else
    the stored one is fetched again; a file of any other origin is never trusted. A run
    with nothing stored starts from scratch."""
    local = work_dir / "checkpoint.pt"
    if not run.checkpoint or not default_storage.exists(run.checkpoint):
        local.unlink(missing_ok=True)
        return None
    if not (local.is_file() and run.checkpoint_sha256 == file_sha256(local)):
        local.unlink(missing_ok=True)
        storage_fetch(run.checkpoint, local)
    return local


def _store(run: TrainingRun, local: Path, name: str) -> str:
    with open(local, "rb") as fh:
        return storage_replace(f"{run.storage_dir}/{name}", fh)


def _finish(run: TrainingRun, **fields: object) -> None:
    """Record the outcome unless the reaper already declared this run interrupted."""
    with transaction.atomic():
        run = run_record_outcome(run, **fields)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            version = getattr(run, "model_version", None)
            webhook_emit(project_id=run.project_id, event=f"run.{run.status}", data={
                "run": run.pk, "architecture": run.architecture, "task": run.task,
                "best_metrics": run.best_metrics, "error": run.error,
                "model_version": version.pk if version else None,
            })  # fmt: skip
    run_broadcast_status(run=run, on_commit=False)


def _register(run: TrainingRun, weights: Path, manifest: Manifest, reporter: RunReporter) -> None:
    version = model_version_register(run=run, weights=weights)
    if version.status == VersionStatus.PENDING:
        model_version_prepare(version=version, weights=weights, manifest=manifest,
                              seed=int(run.params.get("seed", 0)), log=reporter.on_log)  # fmt: skip
    reporter.on_log(f"Registered model version v{version.version} ({version.status})")


def run_train(*, run_id: int) -> str:
    from ml.train import train  # torch is imported by workers only

    run = _claim(run_id)
    if run is None:
        return "not queued"
    work_dir = run.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    reporter = RunReporter(run, work_dir)
    clock = Stopwatch(JOB_PHASES)
    with Heartbeat(TrainingRun, run.pk):
        try:
            manifest = _materialise(run, work_dir)
            clock.lap("materialise")
            config = TrainConfig(**run.params)
            config.pretrained = _pretrained(config)
            if run.init_from is not None:
                config.pretrained = str(version_file(run.init_from, "model.pt"))
                reporter.on_log(f"Fine-tuning from model version v{run.init_from.version}")
            resume = _checkpoint(run, work_dir)
            if resume:
                reporter.on_log(f"Resuming from checkpoint {resume.name}")
            with reporter:  # its writer thread does the database and channel-layer writes
                result = train(manifest, config, work_dir, callbacks=reporter,
                               resume_from=resume)  # fmt: skip
            reporter.sync_checkpoint()
            clock.lap("train")
            if result.status == "stopped":
                _finish(run, status=RunStatus.CANCELLED)
                return "cancelled"
            weights = ""
            if result.weights_path:
                weights = _store(run, Path(result.weights_path), "model.pt")
                clock.lap("store")
                _register(run, Path(result.weights_path), manifest, reporter)
                clock.lap("register")
            _store(run, work_dir / "metrics.csv", "metrics.csv")
            clock.lap("store")
            reporter.on_log(f"job time: {clock.summary()}")
        except Exception as exc:  # a failed run records why, for the user
            log.exception("run %s failed", run.pk)
            reporter.close()
            run_log_append(run=run, text=traceback.format_exc())
            _finish(run, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            return "failed"
    reporter.close()
    _finish(
        run,
        status=RunStatus.SUCCEEDED,
        weights=weights,
        best_metrics=result.best_metrics,
        progress=1.0,
        step=result.step,
    )
    return "succeeded"
