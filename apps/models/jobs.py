"""The `train` queue job: claim the run, materialise its snapshot on this host, call ml/,
write results back. Safe to run twice: only a queued run is claimed."""

import json
import logging
import os
import socket
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from apps.core.storage import storage_fetch, storage_replace
from apps.images.imaging import InvalidImage, load_rgb
from apps.images.models import Image
from apps.webhooks.services import webhook_emit
from ml.config import TrainConfig
from ml.manifest import Manifest

from . import autoannotate
from .inference import predictor_for, version_file
from .models import (
    ACTIVE_STATUSES,
    AutoAnnotateMode,
    AutoAnnotationRun,
    ModelVersion,
    RunStatus,
    TrainingRun,
    VersionStatus,
)
from .reporter import Heartbeat, RunReporter, run_log_append
from .services import run_broadcast_status
from .versions import model_version_prepare, model_version_register, preset_classes

log = logging.getLogger(__name__)


def _claim(run_id: int) -> TrainingRun | None:
    now = timezone.now()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    claimed = TrainingRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, worker=worker, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None
    run = TrainingRun.objects.select_related("snapshot", "init_from").get(pk=run_id)
    run.attempts += 1
    run.save(update_fields=["attempts"])
    run_broadcast_status(run=run, on_commit=False)
    return run


def _materialise(run: TrainingRun, work_dir: Path) -> Manifest:
    """Copy the snapshot's images (through the storage API) into a per-host cache by hash."""
    with default_storage.open(run.snapshot.manifest, "rb") as fh:
        data = json.load(fh)
    cache = Path(settings.LABELFORGE_WORK_DIR) / "image-cache"
    for sample in data["samples"]:
        local = cache / f"{sample['sha256']}{Path(sample['path']).suffix}"
        sample["path"] = str(storage_fetch(sample["path"], local))
    (work_dir / "manifest.json").write_text(json.dumps(data))
    return Manifest.from_dict(data)


def _checkpoint(run: TrainingRun, work_dir: Path) -> Path | None:
    local = work_dir / "checkpoint.pt"
    if not local.exists() and run.checkpoint and default_storage.exists(run.checkpoint):
        storage_fetch(run.checkpoint, local)
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
    work_dir = Path(settings.LABELFORGE_WORK_DIR) / "runs" / str(run.pk)
    work_dir.mkdir(parents=True, exist_ok=True)
    reporter = RunReporter(run, work_dir)
    with Heartbeat(run.pk):
        try:
            manifest = _materialise(run, work_dir)
            config = TrainConfig(**run.params)
            if run.init_from is not None:
                config.pretrained = str(version_file(run.init_from, "model.pt"))
                reporter.on_log(f"Fine-tuning from model version v{run.init_from.version}")
            resume = _checkpoint(run, work_dir)
            if resume:
                reporter.on_log(f"Resuming from checkpoint {resume.name}")
            result = train(manifest, config, work_dir, callbacks=reporter, resume_from=resume)
            reporter.flush()
            reporter.sync_checkpoint()
            if result.status == "stopped":
                _finish(run, status=RunStatus.CANCELLED)
                return "cancelled"
            weights = ""
            if result.weights_path:
                weights = _store(run, Path(result.weights_path), "model.pt")
                _register(run, Path(result.weights_path), manifest, reporter)
            _store(run, work_dir / "metrics.csv", "metrics.csv")
        except Exception as exc:  # a failed run records why, for the user
            log.exception("run %s failed", run.pk)
            reporter.flush()
            run_log_append(run, traceback.format_exc())
            _finish(run, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
            return "failed"
    reporter.flush()
    _finish(
        run,
        status=RunStatus.SUCCEEDED,
        weights=weights,
        best_metrics=result.best_metrics or run.best_metrics,
        progress=1.0,
        step=result.step,
    )
    return "succeeded"


def model_version_prepare_job(*, version_id: int, classes_preset: str | None = None) -> str:
    """An imported checkpoint: check it loads, export ONNX. Safe to run twice."""
    version = ModelVersion.objects.filter(pk=version_id, status=VersionStatus.PENDING).first()
    if version is None:
        return "not pending"
    if classes_preset:
        version.classes = preset_classes(classes_preset)
        version.save(update_fields=["classes"])
    version = model_version_prepare(version=version, weights=version_file(version, "model.pt"),
                                    manifest=None, log=log.info)  # fmt: skip
    return str(version.status)


def _propose(run: AutoAnnotationRun, model: Any, images: list) -> list:
    from ml import autolabel

    if run.mode == AutoAnnotateMode.CLASSIFY:
        return autolabel.classify_proposals(model, images, run.threshold)
    if run.mode == AutoAnnotateMode.DETECT:
        return autolabel.detect_proposals(model, images, run.threshold)
    classifier = predictor_for(run.classifier_version)
    return autolabel.two_stage_proposals(model, classifier, images, run.threshold)


JPEG_MAGIC = b"\xff\xd8\xff"


def _decode_on_device(run: AutoAnnotationRun, model: Any) -> bool:
    """Classifier batches of JPEGs decode where the model runs (nvJPEG on a GPU worker):
    LABELFORGE_DEVICE_DECODE auto = on CUDA only, on = any torch backend, off = never."""
    setting = settings.LABELFORGE_DEVICE_DECODE
    if (
        run.mode != AutoAnnotateMode.CLASSIFY
        or setting == "off"
        or not hasattr(model, "classify_jpegs")
    ):
        return False
    return setting == "on" or model.backend == "torch-cuda"


def _predict_batch(
    run: AutoAnnotationRun, batch: list[Image], counts: dict[str, int]
) -> tuple[list, list]:
    """(the images that could be read, their proposals); unreadable ones are counted."""
    from ml import autolabel

    blobs: list[bytes | None] = []
    for image in batch:
        try:
            blobs.append(autoannotate.read_image(image))
        except OSError:
            blobs.append(None)
    model = predictor_for(run.model_version)
    if _decode_on_device(run, model) and all(
        b is not None and b.startswith(JPEG_MAGIC) for b in blobs
    ):
        try:
            return batch, autolabel.tags_from(model.classify_jpegs(blobs, top_k=2), run.threshold)
        except RuntimeError:
            log.warning("device JPEG decode failed for a batch; decoding with Pillow")
    draft = run.model_version.image_size if run.mode == AutoAnnotateMode.CLASSIFY else None
    readable, pixels = [], []
    for image, blob in zip(batch, blobs, strict=True):
        try:
            if blob is None:
                raise InvalidImage("missing from storage")
            pixels.append(
                load_rgb(blob, draft_side=draft, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)
            )
            readable.append(image)
        except (InvalidImage, OSError):
            counts["unreadable"] += 1
    return readable, (_propose(run, model, pixels) if readable else [])


def run_autoannotate(*, run_id: int) -> str:
    """The `infer` queue job: batches of images through the model, predictions written per
    batch, progress after each, cancel honoured between batches. Safe to run twice."""
    run = autoannotate.claim(run_id)
    if run is None:
        return "not queued"
    with Heartbeat(run.pk, AutoAnnotationRun):
        return _autoannotate(run)


def _autoannotate(run: AutoAnnotationRun) -> str:
    try:
        labels = dict(run.project.labels.values_list("name", "pk"))
        ids = list(autoannotate.selection(project=run.project, scope=run.scope, filters=run.filters)
                   .order_by("id").values_list("pk", flat=True))  # fmt: skip
        AutoAnnotationRun.objects.filter(pk=run.pk).update(total=len(ids))
        counts = {"predictions": 0, "replaced": 0, "unmapped": 0, "images_with_predictions": 0,
                  "unreadable": 0}  # fmt: skip
        for lo in range(0, len(ids), autoannotate.BATCH):
            batch = list(
                Image.objects.filter(pk__in=ids[lo : lo + autoannotate.BATCH]).order_by("id")
            )
            readable, results = _predict_batch(run, batch, counts)
            if readable:
                written = autoannotate.write_predictions(
                    run=run, images=readable, results=results, labels=labels
                )
                for key, value in written.items():
                    counts[key] += value
            status = autoannotate.progress(run, lo + len(batch), counts)
            if status == RunStatus.CANCELLING:
                autoannotate.finish(run, RunStatus.CANCELLED)
                return "cancelled"
    except Exception as exc:  # the run records why, for the user
        log.exception("auto-annotation %s failed", run.pk)
        autoannotate.finish(run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    autoannotate.finish(run, RunStatus.SUCCEEDED)
    return "succeeded"
