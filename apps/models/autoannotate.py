"""Auto-annotation: a model version pre-labels images on the `infer` queue. Predictions are
annotations (source=model, the version, its score, review=pending). A run replaces the
pending predictions its version made earlier on the same images, so running it twice never
duplicates; what people accepted, rejected or fixed is kept."""

import os
import socket
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from apps.annotations.models import Annotation, AnnotationEvent, EventAction, Kind, Review, Source
from apps.annotations.serializers import annotation_state
from apps.core.exceptions import ApplicationError, Conflict
from apps.core.jobs import enqueue_on_commit
from apps.core.realtime import broadcast, broadcast_on_commit, project_group
from apps.images.models import Image
from apps.images.selectors import ImageFilters, image_queryset
from apps.projects.models import Project
from apps.webhooks.services import webhook_emit

from .models import (
    AutoAnnotateMode,
    AutoAnnotateScope,
    AutoAnnotationRun,
    ModelVersion,
    RunStatus,
    Stage,
    Task,
    VersionStatus,
)
from .snapshots import USABLE

JOB = "apps.models.jobs.run_autoannotate"
BATCH = 32
FILTER_KEYS = {"status", "split", "label", "source", "has_annotations", "review"}


def autoannotate_payload(run: AutoAnnotationRun) -> dict[str, Any]:
    from .serializers import AutoAnnotationRunSerializer

    return dict(AutoAnnotationRunSerializer(run).data)


def autoannotate_broadcast(run: AutoAnnotationRun, *, on_commit: bool = True) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    send(project_group(run.project_id), "autoannotate.progress", autoannotate_payload(run))


def _version(project: Project, version_id: int | None, task: str, role: str) -> ModelVersion:
    qs = project.model_versions.filter(task=task)
    version = (
        qs.filter(pk=version_id).first()
        if version_id
        else qs.filter(stage=Stage.PRODUCTION).first()
    )
    if version is None:
        which = f"model version {version_id}" if version_id else f"a production {task} model"
        raise ApplicationError(
            f"{role}: {which} is not in this project.", code="invalid_model_version"
        )
    if version.status != VersionStatus.READY:
        raise Conflict(f"{role}: v{version.version} is {version.status}.", code="model_not_ready")
    return version


def selection(*, project: Project, scope: str, filters: dict[str, Any]) -> QuerySet[Image]:
    if scope == AutoAnnotateScope.ALL:
        return project.images.all()
    if scope == AutoAnnotateScope.UNLABELLED:  # nothing a person made or accepted
        usable = Annotation.objects.filter(USABLE, image_id=OuterRef("pk"))
        return project.images.exclude(Exists(usable))
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ApplicationError(f"filters: unknown keys {sorted(unknown)}.", code="invalid_filters")
    return image_queryset(project=project, filters=ImageFilters(**filters))


@transaction.atomic
def autoannotate_create(
    *, project: Project, user: AbstractBaseUser, mode: str, scope: str, threshold: float,
    model_version: int | None = None, classifier_version: int | None = None,
    filters: dict[str, Any] | None = None,
) -> AutoAnnotationRun:  # fmt: skip
    task = Task.CLASSIFY if mode == AutoAnnotateMode.CLASSIFY else Task.DETECT
    version = _version(project, model_version, task, "model_version")
    classifier = None
    if mode == AutoAnnotateMode.TWO_STAGE:
        classifier = _version(project, classifier_version, Task.CLASSIFY, "classifier_version")
    filters = filters or {}
    total = selection(project=project, scope=scope, filters=filters).count()
    if not total:
        raise ApplicationError("No images match: nothing to annotate.", code="no_images")
    run = AutoAnnotationRun.objects.create(
        project=project, model_version=version, classifier_version=classifier, mode=mode,
        scope=scope, filters=filters, threshold=threshold, total=total, created_by=user,
    )  # fmt: skip
    enqueue_on_commit("infer", JOB, run_id=run.pk)
    autoannotate_broadcast(run)
    return run


@transaction.atomic
def autoannotate_cancel(*, run: AutoAnnotationRun) -> AutoAnnotationRun:
    run = AutoAnnotationRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.QUEUED:
        run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
    elif run.status == RunStatus.RUNNING:
        run.status = RunStatus.CANCELLING  # the job stops before its next batch
    else:
        raise Conflict(f"A {run.status} run cannot be cancelled.", code="not_cancellable")
    run.save(update_fields=["status", "finished_at"])
    autoannotate_broadcast(run)
    return run


# ---- the job's steps ---------------------------------------------------------------------


def claim(run_id: int) -> AutoAnnotationRun | None:
    now = timezone.now()
    claimed = AutoAnnotationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )  # fmt: skip
    if not claimed:
        return None
    run = AutoAnnotationRun.objects.select_related("model_version", "classifier_version").get(
        pk=run_id
    )
    autoannotate_broadcast(run, on_commit=False)
    return run


def read_image(image: Image) -> bytes:
    with default_storage.open(image.file.name, "rb") as fh:
        return fh.read()


def _event(
    annotation: Annotation, project_id: int, action: str, before: Any, after: Any
) -> AnnotationEvent:
    return AnnotationEvent(project_id=project_id, image_id=annotation.image_id,
                           annotation_id=annotation.pk, action=action, before=before, after=after)  # fmt: skip


@transaction.atomic
def write_predictions(
    *, run: AutoAnnotationRun, images: list[Image], results: list[Any], labels: dict[str, int]
) -> dict[str, int]:
    """One batch: replace this version's pending predictions on these images with the new
    ones, all with history rows, in one transaction. `results`: ml.autolabel.ImageProposals."""
    version = run.model_version
    old = list(Annotation.objects.select_for_update().filter(
        image__in=images, model_version=version, source=Source.MODEL, review=Review.PENDING
    ))  # fmt: skip
    events = [
        _event(a, run.project_id, EventAction.DELETED, annotation_state(a), None) for a in old
    ]
    Annotation.objects.filter(pk__in=[a.pk for a in old]).delete()
    created, unmapped = [], 0
    for image, result in zip(images, results, strict=True):
        image.uncertainty = result.uncertainty
        for p in result.proposals:
            label_id = labels.get(p.label)
            if label_id is None:
                unmapped += 1
                continue
            box = dict(zip("xywh", p.box, strict=True)) if p.box else {}
            created.append(Annotation(
                image=image, label_id=label_id, kind=Kind.BOX if p.box else Kind.TAG,
                source=Source.MODEL, model_version=version, score=round(p.score, 6),
                review=Review.PENDING, **box,
            ))  # fmt: skip
    Annotation.objects.bulk_create(created)
    events += [
        _event(a, run.project_id, EventAction.CREATED, None, annotation_state(a)) for a in created
    ]
    AnnotationEvent.objects.bulk_create(events)
    Image.objects.bulk_update(images, ["uncertainty"])
    image_ids = [image.pk for image in images]
    broadcast_on_commit(project_group(run.project_id), "predictions.updated",
                        {"image_ids": image_ids, "model_version": version.pk})  # fmt: skip
    return {"predictions": len(created), "replaced": len(old), "unmapped": unmapped,
            "images_with_predictions": len({a.image_id for a in created})}  # fmt: skip


def progress(run: AutoAnnotationRun, processed: int, counts: dict[str, int]) -> str:
    """Record progress; returns the run's status as the database has it (cancel requests)."""
    AutoAnnotationRun.objects.filter(pk=run.pk).update(processed=processed, counts=counts)
    run.refresh_from_db()
    autoannotate_broadcast(run, on_commit=False)
    return run.status


def finish(run: AutoAnnotationRun, status: str, error: str = "") -> None:
    AutoAnnotationRun.objects.filter(pk=run.pk).update(status=status, error=error,
                                                       finished_at=timezone.now())  # fmt: skip
    run.refresh_from_db()
    autoannotate_broadcast(run, on_commit=False)
    webhook_emit(project_id=run.project_id, event="autoannotate.finished", data={
        "auto_annotation_run": run.pk, "status": run.status, "model_version": run.model_version_id,
        "processed": run.processed, "total": run.total, "counts": run.counts, "error": run.error,
    })  # fmt: skip


# for the reaper (services.run_reap_stale): starting the same version again is safe, it
# replaces the pending predictions already written
STALE_ERROR = (
    "The worker stopped responding. Start the run again: it replaces the pending predictions "
    "it already wrote."
)
