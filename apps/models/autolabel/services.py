"""Auto-annotation: a model version pre-labels images on the `infer` queue. Predictions are
annotations (source=model, the version, its score, review=pending). A run replaces the
pending predictions its version made earlier on the same images, so running it twice never
duplicates; what people accepted, rejected or fixed is kept."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from apps.annotations.models import USABLE, Annotation
from apps.annotations.services import Prediction, predictions_replace
from apps.core.broadcast import broadcast, broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError
from apps.core.jobs import enqueue_on_commit
from apps.images.models import Image
from apps.images.selectors import ImageFilters, image_queryset
from apps.images.services import image_uncertainty_set
from apps.models.autolabel.serializers import autoannotate_payload
from apps.models.models import (
    AutoAnnotateMode,
    AutoAnnotateScope,
    AutoAnnotationRun,
    ModelVersion,
    Task,
)
from apps.models.registry.selectors import ready_version
from apps.models.runs.lifecycle import (
    run_claim,
    run_record_outcome,
    run_request_cancel,
    runs_reap,
)
from apps.projects.models import Project
from apps.webhooks.services import webhook_emit
from ml.autolabel import ImageProposals

JOB = "apps.models.autolabel.jobs.run_autoannotate"
BATCH = 32
FILTER_KEYS = {"status", "split", "label", "source", "has_annotations", "review"}


def autoannotate_broadcast(run: AutoAnnotationRun, *, on_commit: bool = True) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    send(project_group(run.project_id), "autoannotate.progress", autoannotate_payload(run))


def _check_classes(project: Project, detector: ModelVersion, per_class: dict[str, int]) -> None:
    """Each key one of the detector's classes, each value a ready classifier here."""
    unknown = sorted(set(per_class) - set(detector.classes))
    if unknown:
        raise ApplicationError(f"classifiers: v{detector.version} has no class {unknown[0]!r} "
                               f"(its classes: {', '.join(detector.classes)}).",
                               code="invalid_classifiers")  # fmt: skip
    for name, version_id in per_class.items():
        ready_version(
            project=project,
            version_id=version_id,
            task=Task.CLASSIFY,
            role=f"classifiers[{name!r}]",
        )


def _segmenter(project: Project, version_id: int | None) -> ModelVersion:
    """A ready segment or semantic version (without an id: the production segment one)."""
    if version_id is None:
        return ready_version(project=project, version_id=None, task=Task.SEGMENT,
                             role="model_version")  # fmt: skip
    version = ready_version(project=project, version_id=version_id, task=None,
                            role="model_version")  # fmt: skip
    if version.task not in (Task.SEGMENT, Task.SEMANTIC):
        raise ApplicationError(f"model_version: v{version.version} is a {version.task} model; "
                               "mode segment needs a segment or semantic one.",
                               code="invalid_model_version")  # fmt: skip
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
    classifiers: dict[str, int] | None = None, filters: dict[str, Any] | None = None,
) -> AutoAnnotationRun:  # fmt: skip
    if mode == AutoAnnotateMode.SEGMENT:
        version = _segmenter(project, model_version)
    else:
        task = Task.CLASSIFY if mode == AutoAnnotateMode.CLASSIFY else Task.DETECT
        version = ready_version(
            project=project, version_id=model_version, task=task, role="model_version"
        )
    classifier, per_class = None, classifiers or {}
    if per_class and mode != AutoAnnotateMode.TWO_STAGE:
        raise ApplicationError("classifiers: only a two_stage run has classifiers per class.",
                               code="invalid_classifiers")  # fmt: skip
    if mode == AutoAnnotateMode.TWO_STAGE:
        _check_classes(project, version, per_class)
        if classifier_version or not per_class:  # a default for the classes not named
            classifier = ready_version(
                project=project,
                version_id=classifier_version,
                task=Task.CLASSIFY,
                role="classifier_version",
            )
    filters = filters or {}
    total = selection(project=project, scope=scope, filters=filters).count()
    if not total:
        raise ApplicationError("No images match: nothing to annotate.", code="no_images")
    run = AutoAnnotationRun.objects.create(
        project=project, model_version=version, classifier_version=classifier,
        classifiers=per_class, mode=mode,
        scope=scope, filters=filters, threshold=threshold, total=total, created_by=user,
    )  # fmt: skip
    enqueue_on_commit("infer", JOB, run_id=run.pk)
    autoannotate_broadcast(run)
    return run


def autoannotate_cancel(*, run: AutoAnnotationRun) -> AutoAnnotationRun:
    run = run_request_cancel(run)  # a running job stops before its next batch
    autoannotate_broadcast(run)
    return run


# ---- the job's steps ---------------------------------------------------------------------


def claim(run_id: int) -> AutoAnnotationRun | None:
    if not run_claim(AutoAnnotationRun, run_id):
        return None
    run = AutoAnnotationRun.objects.select_related("model_version", "classifier_version").get(
        pk=run_id
    )
    autoannotate_broadcast(run, on_commit=False)
    return run


def write_predictions(
    *, run: AutoAnnotationRun, images: list[Image], results: list[ImageProposals],
    labels: dict[str, int],
) -> dict[str, int]:  # fmt: skip
    """One batch: the annotations app replaces this version's pending predictions on these
    images (with history); the images get their uncertainty. One transaction."""
    predictions, unmapped = [], 0
    for image, result in zip(images, results, strict=True):
        image.uncertainty = result.uncertainty
        for p in result.proposals:
            label_id = labels.get(p.label)
            if label_id is None:
                unmapped += 1
                continue
            predictions.append(Prediction(image_id=image.pk, label_id=label_id, score=p.score,
                                          box=tuple(p.box) if p.box else None,
                                          polygon=p.polygon))  # fmt: skip
    with transaction.atomic():
        replaced = predictions_replace(
            project_id=run.project_id, model_version_id=run.model_version_id,
            image_ids=[image.pk for image in images], predictions=predictions,
        )  # fmt: skip
        image_uncertainty_set(images=images)
    return {"predictions": len(predictions), "replaced": replaced, "unmapped": unmapped,
            "images_with_predictions": len({p.image_id for p in predictions})}  # fmt: skip


def progress(run: AutoAnnotationRun, processed: int, counts: dict[str, int]) -> str:
    """Record progress; returns the run's status as the database has it (cancel requests)."""
    AutoAnnotationRun.objects.filter(pk=run.pk).update(processed=processed, counts=counts)
    run.refresh_from_db()
    autoannotate_broadcast(run, on_commit=False)
    return run.status


def finish(run: AutoAnnotationRun, status: str, error: str = "") -> None:
    """Record the outcome (unless the reaper interrupted the run meanwhile) and announce it."""
    run = run_record_outcome(run, status=status, error=error)
    autoannotate_broadcast(run, on_commit=False)
    webhook_emit(project_id=run.project_id, event="autoannotate.finished", data={
        "auto_annotation_run": run.pk, "status": run.status, "model_version": run.model_version_id,
        "processed": run.processed, "total": run.total, "counts": run.counts, "error": run.error,
    })  # fmt: skip


# starting the same version again is safe: it replaces the pending predictions already written
STALE_ERROR = (
    "The worker stopped responding. Start the run again: it replaces the pending predictions "
    "it already wrote."
)


def autoannotate_reap_stale() -> int:
    """Auto-annotation runs whose worker stopped beating become `interrupted`."""
    return runs_reap(AutoAnnotationRun, error=STALE_ERROR, announce=autoannotate_broadcast)
