"""Writes for dataset imports and exports: creating the jobs (the upload goes to storage
first; the job reads it), cancelling them, and their events."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from apps.core.broadcast import broadcast, broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError
from apps.core.jobs import enqueue_on_commit
from apps.core.storage import storage_save
from apps.images.archives import is_zip
from apps.models.runs.lifecycle import run_request_cancel, runs_reap
from apps.projects.models import Project

from .formats.base import FormatError
from .models import EXPORT_FORMATS, IMPORT_FORMATS, DatasetExport, DatasetImport
from .serializers import export_payload, import_payload
from .video import VIDEO_EXTENSIONS, is_video, probe

IMPORT_JOB = "apps.datasets.jobs.run_import"
EXPORT_JOB = "apps.datasets.jobs.run_export"
EXPORT_KEPT = timedelta(days=7)
EXPORT_FILTERS = {"split": ("train", "val", "test", "unassigned"),
                  "status": ("new", "in_progress", "done", "reviewed")}  # fmt: skip


def dataset_import_create(*, project: Project, user: AbstractBaseUser, file: UploadedFile,
                          format: str = "auto", options: dict[str, Any] | None = None
                          ) -> DatasetImport:  # fmt: skip
    """A zip in a dataset format, or a video (format `video`, or auto with a video's file
    name) with its frame options; checked enough here that a fake file is a 400."""
    if format not in IMPORT_FORMATS:
        raise ApplicationError(
            f"format: one of {', '.join(IMPORT_FORMATS)}.", code="unknown_format"
        )
    name = (file.name or "upload.zip")[:255]
    head = file.read(8)
    file.seek(0)
    if format == "video" or (format == "auto" and is_video(name) and not head.startswith(b"PK")):
        format, extension = "video", name.rsplit(".", 1)[-1].lower() if "." in name else "video"
        _check_video(file, name, options or {})
    elif not is_zip(name, head) or not head.startswith(b"PK"):
        raise ApplicationError(f"'{name}' is not a zip archive: send the dataset as a .zip "
                               f"(or a video: {', '.join(VIDEO_EXTENSIONS)}).",
                               code="not_an_archive")  # fmt: skip
    else:
        extension, options = "zip", {}
    path = storage_save(f"projects/{project.pk}/imports/{uuid.uuid4().hex}.{extension}", file)
    job = DatasetImport.objects.create(project=project, created_by=user, format=format,
                                       options=options or {}, file=path, filename=name)  # fmt: skip
    enqueue_on_commit("default", IMPORT_JOB, import_id=job.pk)
    broadcast_on_commit(project_group(project.pk), "import.progress", import_payload(job))
    return job


def _check_video(file: UploadedFile, name: str, options: dict[str, Any]) -> None:
    if options.get("every_n_frames") and options.get("fps"):
        raise ApplicationError("Choose every_n_frames or fps, not both.", code="invalid_options")
    start, end = options.get("start"), options.get("end")
    if start is not None and end is not None and end <= start:
        raise ApplicationError("end must be after start.", code="invalid_options")
    try:
        seconds = probe(file, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS)
    except FormatError as exc:
        raise ApplicationError(f"'{name}': {exc.detail}", code=exc.code) from exc
    finally:
        file.seek(0)
    if start is not None and seconds and start >= seconds:
        raise ApplicationError(f"start: the video is {seconds:.1f} s long.", code="invalid_options")


def dataset_export_create(*, project: Project, user: AbstractBaseUser, format: str,
                          filters: dict[str, Any], include_images: bool) -> DatasetExport:  # fmt: skip
    if format not in EXPORT_FORMATS:
        raise ApplicationError(
            f"format: one of {', '.join(EXPORT_FORMATS)}.", code="unknown_format"
        )
    for key, value in filters.items():
        if key == "reviewed_only":
            if not isinstance(value, bool):
                raise ApplicationError(
                    "filter.reviewed_only: true or false.", code="invalid_filter"
                )
        elif key not in EXPORT_FILTERS or value not in EXPORT_FILTERS[key]:
            allowed = ", ".join(f"{k} ({'|'.join(v)})" for k, v in EXPORT_FILTERS.items())
            raise ApplicationError(f"filter: {key}={value!r} is not one of {allowed}, reviewed_only.",
                                   code="invalid_filter")  # fmt: skip
    job = DatasetExport.objects.create(project=project, created_by=user, format=format,
                                       filters=filters, include_images=include_images)  # fmt: skip
    enqueue_on_commit("default", EXPORT_JOB, export_id=job.pk)
    broadcast_on_commit(project_group(project.pk), "export.progress", export_payload(job))
    return job


def dataset_job_cancel(*, job: DatasetImport | DatasetExport) -> DatasetImport | DatasetExport:
    job = run_request_cancel(job)  # a running job stops after its current image
    dataset_job_broadcast(job=job, on_commit=True)
    return job


def dataset_job_broadcast(*, job: DatasetImport | DatasetExport, on_commit: bool = False) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    if isinstance(job, DatasetImport):
        send(project_group(job.project_id), "import.progress", import_payload(job))
    else:
        send(project_group(job.project_id), "export.progress", export_payload(job))


def export_expiry() -> datetime:
    return timezone.now() + EXPORT_KEPT


JOB_STALE_ERROR = (
    "The worker stopped (killed or host lost). Start it again: images already stored are "
    "matched by content, so nothing is doubled."
)


def dataset_jobs_reap_stale() -> int:
    """Imports and exports whose worker stopped beating become `interrupted`; an import's
    upload is deleted (a new import starts from a new upload)."""

    def announce(job: DatasetImport | DatasetExport) -> None:
        if isinstance(job, DatasetImport) and job.file:
            default_storage.delete(job.file)
        dataset_job_broadcast(job=job, on_commit=True)

    return sum(runs_reap(model, error=JOB_STALE_ERROR, announce=announce)  # type: ignore[arg-type]
               for model in (DatasetImport, DatasetExport))  # fmt: skip


def exports_expire() -> int:
    """Delete the zips of exports past their expiry; the row stays, without a download."""
    expired = DatasetExport.objects.filter(expires_at__lt=timezone.now()).exclude(file="")
    count = 0
    for job in expired:
        default_storage.delete(job.file)
        count += DatasetExport.objects.filter(pk=job.pk, file=job.file).update(
            file="", size_bytes=0
        )
    return count
