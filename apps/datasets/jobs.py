"""The `default` queue's dataset jobs. Each claims its row (a job delivered twice runs once),
beats a heartbeat, reports progress over the websocket at most every PROGRESS_SECONDS,
stops at a cancel after the current image, and ends with its report (counts, errors)."""

import logging
import tempfile
import time
import zipfile
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from apps.core.storage import storage_replace
from apps.images.archives import InvalidArchive
from apps.images.services import archive_limits
from apps.models.models import RunStatus
from apps.models.runs.lifecycle import Heartbeat, run_claim, run_record_outcome, run_status

from .exporter import export_dataset, export_images
from .formats.base import Archive, FormatError
from .formats.registry import detect_format, format_module
from .importer import ImportReport, import_dataset, import_frames
from .models import DatasetExport, DatasetImport
from .services import dataset_job_broadcast, export_expiry
from .video import VideoOptions, read_frames

log = logging.getLogger(__name__)
PROGRESS_SECONDS = 0.5
MAX_VIDEO_FRAMES = 20_000  # frames one video import may keep


class _Progress:
    """Rate-limited progress writes and cancel checks for one job."""

    def __init__(self, job: DatasetImport | DatasetExport) -> None:
        self.job, self.last = job, 0.0

    def __call__(self, done: int, total: int) -> bool:
        now = time.monotonic()
        if done < total and now - self.last < PROGRESS_SECONDS:
            return True
        self.last = now
        self.job.processed, self.job.total = done, total
        type(self.job).objects.filter(pk=self.job.pk).update(processed=done, total=total)
        dataset_job_broadcast(job=self.job)
        return run_status(type(self.job), self.job.pk) == RunStatus.RUNNING


def _finish(job: DatasetImport | DatasetExport, **fields: object) -> None:
    with transaction.atomic():
        job = run_record_outcome(job, **fields)
    dataset_job_broadcast(job=job)


def run_import(*, import_id: int) -> str:
    if not run_claim(DatasetImport, import_id):
        return "not queued"
    job = DatasetImport.objects.select_related("project", "created_by").get(pk=import_id)
    report = ImportReport()
    with Heartbeat(DatasetImport, job.pk):
        try:
            with default_storage.open(job.file, "rb") as fh:
                reader = _import_video if job.format == "video" else _import_archive
                done = reader(job, fh, report)
        except (InvalidArchive, FormatError, zipfile.BadZipFile, OSError) as exc:
            detail = getattr(exc, "detail", None) or f"Not a readable zip archive: {exc}"
            _finish(job, status=RunStatus.FAILED, error=detail, counts=report.counts(),
                    errors=report.errors[:1000])  # fmt: skip
            return "failed"
        except Exception as exc:  # a bug: the job ends failed, with why, not stuck running
            log.exception("import %s failed", job.pk)
            _finish(job, status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}",
                    counts=report.counts(), errors=report.errors[:1000])  # fmt: skip
            return "failed"
        finally:
            default_storage.delete(job.file)  # the upload is not kept, whatever happened
    status = RunStatus.SUCCEEDED if done else RunStatus.CANCELLED
    _finish(job, status=status, counts=report.counts(), errors=report.errors[:1000])
    return str(status)


def run_export(*, export_id: int) -> str:
    if not run_claim(DatasetExport, export_id):
        return "not queued"
    job = DatasetExport.objects.select_related("project").get(pk=export_id)
    module = format_module(job.format)
    progress = _Progress(job)
    with Heartbeat(DatasetExport, job.pk), tempfile.TemporaryDirectory() as tmp:
        images = export_images(project=job.project, filters=job.filters)
        dataset = export_dataset(project=job.project, images=images,
                                 everything=module.NAME == "labelforge")  # fmt: skip
        total, done = len(dataset.items), 0

        def image_bytes(item: object) -> bytes:
            nonlocal done
            done += 1
            if not progress(done, total):
                raise _Cancelled
            with default_storage.open(item.path, "rb") as fh:  # type: ignore[attr-defined]
                return fh.read()

        local = Path(tmp) / "export.zip"
        try:
            with zipfile.ZipFile(local, "w", zipfile.ZIP_DEFLATED) as zf:
                module.write(dataset, zf, image_bytes if job.include_images else None)
        except _Cancelled:
            _finish(job, status=RunStatus.CANCELLED)
            return "cancelled"
        with open(local, "rb") as fh:
            path = storage_replace(f"projects/{job.project_id}/exports/{job.pk}.zip", fh)
        counts = {
            "images": total,
            "annotations": sum(len(i.boxes) + len(i.tags) + len(i.shapes) for i in dataset.items),
        }
        _finish(job, status=RunStatus.SUCCEEDED, file=path, size_bytes=local.stat().st_size,
                counts=counts, processed=total, total=total, expires_at=export_expiry())  # fmt: skip
    return "succeeded"


def _import_archive(job: DatasetImport, fh: IO[bytes], report: ImportReport) -> bool:
    with zipfile.ZipFile(fh) as zf:
        archive = Archive(zf, archive_limits())
        module = format_module(job.format) if job.format != "auto" else detect_format(archive)
        if module is None:
            raise FormatError("Could not tell the archive's format: choose one (COCO, YOLO, VOC, "
                              "CVAT, Label Studio, folder-per-class, Labelforge).",
                              code="unknown_format")  # fmt: skip
        dataset = module.read(archive)
        _detected(job, module.NAME)
        report.errors.extend(dataset.errors)
        return import_dataset(project=job.project, user=job.created_by, archive=archive,
                              dataset=dataset, report=report, progress=_Progress(job))  # fmt: skip


def _import_video(job: DatasetImport, fh: IO[bytes], report: ImportReport) -> bool:
    _detected(job, "video")
    frames = read_frames(fh, VideoOptions.from_dict(job.options),
                         max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS,
                         max_frames=MAX_VIDEO_FRAMES)  # fmt: skip
    return import_frames(project=job.project, user=job.created_by, video_name=job.filename,
                         frames=frames, report=report, progress=_Progress(job))  # fmt: skip


def _detected(job: DatasetImport, name: str) -> None:
    job.detected_format = name
    job.save(update_fields=["detected_format"])


class _Cancelled(Exception):
    pass
