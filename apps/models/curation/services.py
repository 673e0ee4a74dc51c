"""Writes for curation: start an embeddings run (the `infer` queue), the job's steps
(store a batch of vectors and predictions, score every image's uniqueness and likely label
errors, place it on the 2-D map), and the curation actions on a
set of images (set aside, take back, gold, move to a split, pick diverse ones), each
answering what it changed so the page can undo it."""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.core.broadcast import broadcast, broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError
from apps.core.jobs import enqueue_on_commit
from apps.images.models import Image, Split
from apps.models.curation.selectors import (
    embedding_matrix,
    judged_annotations,
    labels_by_image,
    metric_of,
    verdict_of,
)
from apps.models.curation.serializers import embedding_run_payload
from apps.models.models import (
    EmbeddingRun,
    ImageEmbedding,
    ModelVersion,
    embedding_space,
)
from apps.models.registry.selectors import ready_version
from apps.models.runs.lifecycle import run_claim, run_record_outcome, run_request_cancel, runs_reap
from apps.projects.models import Project
from ml.neighbours import farthest_points, project_2d, uniqueness

JOB = "apps.models.curation.jobs.run_embeddings"
BATCH = 32
GOLD_WEIGHT = 2.0  # "mark as gold": drawn twice as often in training


def embeddings_broadcast(run: EmbeddingRun, *, on_commit: bool = True) -> None:
    send = broadcast_on_commit if on_commit else broadcast
    send(project_group(run.project_id), "embeddings.progress", embedding_run_payload(run))


def missing_images(*, project: Project, space: str) -> QuerySet[Image]:
    """The project's images with no vector in `space` yet (in a model's space, or no
    predictions: vectors stored before predictions were kept are done again)."""
    done = ImageEmbedding.objects.filter(space=space, image__project=project)
    if space != "dhash":
        done = done.filter(predictions__isnull=False)
    return project.images.exclude(pk__in=done.values("image_id"))


@transaction.atomic
def embeddings_start(*, project: Project, user: AbstractBaseUser,
                     model_version: int | None) -> EmbeddingRun:  # fmt: skip
    version = None
    if model_version is not None:
        version = ready_version(project=project, version_id=model_version, task=None,
                                role="model_version")  # fmt: skip
    if not project.images.exists():
        raise ApplicationError("The project has no images to embed.", code="no_images")
    total = missing_images(project=project, space=embedding_space(model_version)).count()
    run = EmbeddingRun.objects.create(project=project, model_version=version, total=total,
                                      created_by=user)  # fmt: skip
    enqueue_on_commit("infer", JOB, run_id=run.pk)
    embeddings_broadcast(run)
    return run


def embeddings_cancel(*, run: EmbeddingRun) -> EmbeddingRun:
    run = run_request_cancel(run)
    embeddings_broadcast(run)
    return run


# ---- the job's steps ---------------------------------------------------------------------


def claim(run_id: int) -> EmbeddingRun | None:
    if not run_claim(EmbeddingRun, run_id):
        return None
    run = EmbeddingRun.objects.select_related("model_version").get(pk=run_id)
    embeddings_broadcast(run, on_commit=False)
    return run


def store(*, run: EmbeddingRun, image_ids: list[int], vectors: np.ndarray,
          predictions: list[list[dict[str, Any]]] | None = None) -> int:  # fmt: skip
    """One batch's vectors (and the model's predictions). The same model gives the same
    rows, so an image a concurrent run stored first is simply written again. Returns how
    many images were stored."""
    opinions = predictions if predictions is not None else [None] * len(image_ids)
    rows = [
        ImageEmbedding(image_id=i, model_version_id=run.model_version_id, space=run.space,
                       vector=np.ascontiguousarray(v, dtype=np.float32).tobytes(), dim=len(v),
                       predictions=p)
        for i, v, p in zip(image_ids, vectors, opinions, strict=True)
    ]  # fmt: skip
    ImageEmbedding.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["image", "space"],
        update_fields=["vector", "dim", "predictions"],
    )  # fmt: skip
    return len(rows)


def uniqueness_update(*, project: Project, space: str) -> int:
    """Every embedded image's uniqueness in `space` (the image list's order=uniqueness)."""
    ids, vectors = embedding_matrix(project=project, space=space)
    if not len(ids):
        return 0
    scores = uniqueness(vectors, metric_of(space))
    images = [Image(pk=int(i), uniqueness=float(s)) for i, s in zip(ids, scores, strict=True)]
    Image.objects.bulk_update(images, ["uniqueness"], batch_size=2000)
    return len(images)


def mistakenness_update(*, project: Project, version: ModelVersion) -> int:
    """Every image's likely-label-error score from `version`'s stored predictions against
    its labels now; images it has not seen, or nobody labelled, get none. Returns how many
    were scored."""
    stored = dict(
        ImageEmbedding.objects.filter(image__project=project, space=embedding_space(version.pk),
                                      predictions__isnull=False)
        .values_list("image_id", "predictions")
    )  # fmt: skip
    given = labels_by_image(judged_annotations(images=list(stored), task=version.task))
    scores = {
        pk: verdict_of(task=version.task, predictions=stored[pk], given=labels).score
        for pk, labels in given.items()
    }
    images = [Image(pk=pk, mistakenness=scores.get(pk))
              for pk in project.images.values_list("pk", flat=True)]  # fmt: skip
    Image.objects.bulk_update(images, ["mistakenness"], batch_size=2000)
    return len(scores)


def map_update(*, project: Project, space: str) -> str:
    """Place every embedded image on the space's 2-D map; answers the method (umap | pca)."""
    ids, vectors = embedding_matrix(project=project, space=space)
    if not len(ids):
        return "pca"
    coords, method = project_2d(vectors)
    pks = dict(ImageEmbedding.objects.filter(space=space, image_id__in=ids.tolist())
               .values_list("image_id", "pk"))  # fmt: skip
    rows = [ImageEmbedding(pk=pks[int(i)], map_x=float(x), map_y=float(y))
            for i, (x, y) in zip(ids, coords, strict=True)]  # fmt: skip
    ImageEmbedding.objects.bulk_update(rows, ["map_x", "map_y"], batch_size=2000)
    return method


def progress(run: EmbeddingRun, processed: int, counts: dict[str, Any]) -> str:
    EmbeddingRun.objects.filter(pk=run.pk).update(processed=processed, counts=counts)
    run.refresh_from_db()
    embeddings_broadcast(run, on_commit=False)
    return run.status


def finish(run: EmbeddingRun, status: str, error: str = "") -> None:
    run = run_record_outcome(run, status=status, error=error)
    embeddings_broadcast(run, on_commit=False)


STALE_ERROR = "The worker stopped responding. Start it again: what it stored is kept."


def embeddings_reap_stale() -> int:
    return runs_reap(EmbeddingRun, error=STALE_ERROR, announce=embeddings_broadcast)


# ---- curation actions --------------------------------------------------------------------

STATE_FIELDS = ("excluded", "split", "sample_weight")


@dataclass(frozen=True)
class Change:
    """What an action changed: `before` restores it (action "restore")."""

    changed: int
    before: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "before": self.before}


def _apply(project: Project, updates: dict[int, dict[str, Any]]) -> Change:
    """Set each image's fields (only those that differ), in one transaction, and tell open
    pages once."""
    images = {i.pk: i for i in project.images.select_for_update().filter(pk__in=updates)}
    missing = sorted(set(updates) - set(images))
    if missing:
        raise ApplicationError(f"image_ids: {missing[:5]} are not in this project.",
                               code="unknown_image")  # fmt: skip
    before, touched, now = [], [], timezone.now()
    for pk, fields in updates.items():
        image = images[pk]
        if all(getattr(image, f) == v for f, v in fields.items()):
            continue
        before.append({"id": pk, **{f: getattr(image, f) for f in STATE_FIELDS}})
        for f, v in fields.items():
            setattr(image, f, v)
        image.updated_at = now
        touched.append(image)
    if touched:
        Image.objects.bulk_update(touched, [*STATE_FIELDS, "updated_at"])
        broadcast_on_commit(project_group(project.pk), "images.curated",
                            {"ids": [i.pk for i in touched]})  # fmt: skip
    return Change(len(touched), before)


@transaction.atomic
def curation_apply(*, project: Project, action: str, image_ids: list[int],
                   split: str | None = None) -> Change:  # fmt: skip
    """exclude / include: set aside from training or take back; gold: sample weight 2 (left
    alone where already higher); split: move them all to `split`."""
    if action == "split" and split not in Split.values:
        raise ApplicationError("split: name the split to move the images to.", code="invalid_split")
    weights = dict(project.images.filter(pk__in=image_ids).values_list("pk", "sample_weight"))
    fields_for = {
        "exclude": lambda pk: {"excluded": True},
        "include": lambda pk: {"excluded": False},
        "gold": lambda pk: {"sample_weight": max(GOLD_WEIGHT, weights.get(pk, 1.0))},
        "split": lambda pk: {"split": split},
    }[action]
    return _apply(project, {pk: fields_for(pk) for pk in dict.fromkeys(image_ids)})


@transaction.atomic
def curation_restore(*, project: Project, images: list[dict[str, Any]]) -> Change:
    """Undo: put back the fields an action's `before` recorded."""
    return _apply(project, {row["id"]: {f: row[f] for f in STATE_FIELDS} for row in images})


@transaction.atomic
def curation_pick_diverse(*, project: Project, space: str, n: int, split: str) -> Change:
    """Move `n` images with no split yet, as unlike each other (and the images already in
    `split`) as the embeddings tell (farthest-point sampling), to `split`."""
    ids, vectors = embedding_matrix(project=project, space=space)
    if not len(ids):
        raise ApplicationError("No embeddings in that space yet: compute them first.",
                               code="no_embeddings")  # fmt: skip
    splits = dict(project.images.filter(pk__in=ids.tolist()).values_list("pk", "split"))
    pool = [k for k, i in enumerate(ids) if splits.get(int(i)) == Split.UNASSIGNED]
    chosen = [k for k, i in enumerate(ids) if splits.get(int(i)) == split]
    if not pool:
        raise ApplicationError("Every embedded image already has a split.", code="no_images")
    subset = np.array(chosen + pool)
    picked = farthest_points(vectors[subset], n, metric_of(space), start=range(len(chosen)))
    return _apply(project, {int(ids[subset[k]]): {"split": split} for k in picked})
