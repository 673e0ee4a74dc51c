"""Reads for curation: embeddings runs, a space's vectors as one matrix, near-duplicate
groups (with the groups that cross splits: a leak), the project's spaces, a version's
opinion of an image (likely label errors) and the 2-D map."""

from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet

from apps.annotations.models import Annotation, Kind, Review, Source
from apps.core.exceptions import ApplicationError, NotFound
from apps.images.models import Image
from apps.models.models import (
    EmbeddingRun,
    ImageEmbedding,
    ModelVersion,
    RunStatus,
    embedding_space,
)
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role
from ml.manifest import TRAIN_SPLITS
from ml.mistakes import Box, Predicted, Verdict, classification_mistakenness, detection_mistakenness
from ml.neighbours import duplicate_groups


def embedding_run_get_for_user(
    *, run_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR
) -> EmbeddingRun:
    run = (
        EmbeddingRun.objects.select_related("model_version", "created_by").filter(pk=run_id).first()
    )
    if run is None:
        raise NotFound("Embeddings run not found.")
    require_role(project_id=run.project_id, user=user, min_role=min_role)
    return run


def embedding_run_list(*, project: Project) -> QuerySet[EmbeddingRun]:
    return project.embedding_runs.select_related("model_version", "created_by")


def metric_of(space: str) -> str:
    """Perceptual hashes compare bit by bit; model embeddings by angle."""
    return "hamming" if space == "dhash" else "cosine"


def space_for(*, project: Project, model_version: int | None) -> str:
    if model_version and not project.model_versions.filter(pk=model_version).exists():
        raise ApplicationError(f"model_version: {model_version} is not in this project.",
                               code="invalid_model_version")  # fmt: skip
    return embedding_space(model_version)


def embedding_matrix(*, project: Project, space: str) -> tuple[np.ndarray, np.ndarray]:
    """(image ids, float32 vectors) of the project's images embedded in `space`, by id."""
    rows = list(
        ImageEmbedding.objects.filter(image__project=project, space=space)
        .order_by("image_id")
        .values_list("image_id", "vector")
    )
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.stack([np.frombuffer(bytes(r[1]), dtype=np.float32) for r in rows])
    return ids, vectors


def _leak(splits: list[str]) -> bool:
    """A group trained on and scored on at once: it spans train (or no split), val, test."""
    return len({"train" if s in TRAIN_SPLITS else s for s in splits}) > 1


def duplicate_report(*, project: Project, space: str, threshold: float) -> dict[str, Any]:
    """Groups of images closer than `threshold` in `space` (a fraction of differing bits for
    the perceptual hash, 1 - cosine for a model), largest first, and which cross splits."""
    ids, vectors = embedding_matrix(project=project, space=space)
    groups = duplicate_groups(vectors, ids, threshold, metric_of(space)) if len(ids) else []
    members = [i for g in groups for i in g]
    fields = Image.objects.filter(pk__in=members).values_list("pk", "split", "excluded")
    split, excluded = {}, {}
    for pk, s, ex in fields:
        split[pk], excluded[pk] = s, ex
    return {
        "space": space, "metric": metric_of(space), "threshold": threshold,
        "embedded": len(ids), "images": project.images.count(),
        "groups": groups,
        "splits": [[split[i] for i in g] for g in groups],
        "excluded": [[excluded[i] for i in g] for g in groups],
        "leaks": [_leak([split[i] for i in g]) for g in groups],
    }  # fmt: skip


def embedding_spaces(*, project: Project) -> list[dict[str, Any]]:
    """The spaces this project's images are embedded in, with how many images each holds."""
    counts = dict(
        ImageEmbedding.objects.filter(image__project=project)
        .values_list("space").annotate(n=Count("id")).order_by()
    )  # fmt: skip
    versions = {f"version:{v.pk}": v for v in ModelVersion.objects.filter(project=project)}
    out = []
    for space, n in sorted(counts.items()):
        v = versions.get(space)
        out.append({"space": space, "images": n, "model_version": v.pk if v else None,
                    "title": f"v{v.version} · {v.architecture}" if v else "Perceptual hash"})  # fmt: skip
    return out


# ---- likely label errors -----------------------------------------------------------------


def judged_annotations(*, images: QuerySet[Image] | list[int], task: str) -> QuerySet[Annotation]:
    """What people said of these images, as a version's task reads it: their own tags (or
    boxes), and predictions a person accepted."""
    kind = Kind.BOX if task == "detect" else Kind.TAG
    people = Q(source=Source.HUMAN) | Q(source=Source.MODEL, review=Review.ACCEPTED)
    return Annotation.objects.filter(people, image__in=images, kind=kind).select_related("label")


def labels_by_image(annotations: QuerySet[Annotation]) -> dict[int, list[tuple[str, Box]]]:
    out: dict[int, list[tuple[str, Box]]] = {}
    for a in annotations.order_by("id"):
        box = (a.x or 0.0, a.y or 0.0, a.w or 0.0, a.h or 0.0)
        out.setdefault(a.image_id, []).append((a.label.name, box))
    return out


def verdict_of(*, task: str, predictions: list[dict[str, Any]],
               given: list[tuple[str, Box]]) -> Verdict:  # fmt: skip
    """How strongly stored predictions (ml/embed.py's rows) disagree with what was given."""
    if task == "detect":
        predicted = [Predicted(p["label"], float(p["score"]), tuple(p["box"][k] for k in "xywh"))
                     for p in predictions]  # type: ignore[misc]  # fmt: skip
        return detection_mistakenness(predicted, given)
    probabilities = {p["label"]: float(p["confidence"]) for p in predictions}
    return classification_mistakenness(probabilities, [label for label, _ in given])


def image_opinion(*, image: Image, model_version: int | None) -> dict[str, Any]:
    """A version's opinion of one image next to its labels now: the predictions the embeddings
    run stored, and the suspects (scored against the labels as they are, not as they were)."""
    rows = ImageEmbedding.objects.filter(image=image, predictions__isnull=False)
    if model_version is not None:
        rows = rows.filter(model_version_id=model_version)
    row = rows.select_related("model_version").order_by("-model_version_id").first()
    if row is None or row.model_version is None:  # not an error: no model has looked yet
        return {"image": image.pk, "model_version": None, "labelled": False, "score": None,
                "suspects": [], "predictions": []}  # fmt: skip
    version = row.model_version
    given = labels_by_image(judged_annotations(images=[image.pk], task=version.task))
    verdict = verdict_of(task=version.task, predictions=row.predictions,
                         given=given.get(image.pk, []))  # fmt: skip
    return {
        "image": image.pk,
        "model_version": {"id": version.pk, "version": version.version,
                          "architecture": version.architecture, "task": version.task},
        "labelled": bool(given),
        "score": round(verdict.score, 6) if given else None,
        "suspects": [s.as_dict() for s in verdict.suspects] if given else [],
        "predictions": row.predictions,
    }  # fmt: skip


# ---- the 2-D map -------------------------------------------------------------------------

MAP_LIMIT = 100_000


def embedding_map(*, project: Project, space: str) -> dict[str, Any]:
    """The space's 2-D map (placed by the embeddings job), column by column for a big
    scatter: ids, x, y, and per point what it can be coloured by."""
    rows = list(
        ImageEmbedding.objects.filter(image__project=project, space=space, map_x__isnull=False)
        .order_by("image_id")
        .values_list("image_id", "map_x", "map_y", "image__split", "image__uniqueness",
                     "image__mistakenness", "image__excluded")[:MAP_LIMIT]
    )  # fmt: skip
    ids = [r[0] for r in rows]
    first_label: dict[int, int] = {}
    tagged = (
        Annotation.objects.filter(image__project=project, image_id__in=ids)
        .order_by("image_id", "-kind", "id")  # a tag before a box
        .values_list("image_id", "label_id")
    )
    for image_id, label_id in tagged:
        first_label.setdefault(image_id, label_id)
    version = int(space.split(":")[1]) if space.startswith("version:") else None
    run = (project.embedding_runs.filter(model_version_id=version, status=RunStatus.SUCCEEDED)
           .order_by("-id").first())  # fmt: skip
    return {
        "space": space,
        "method": (run.counts.get("map") if run else None) or "pca",
        "count": len(ids),
        "total": project.images.count(),
        "ids": ids,
        "x": [round(r[1], 5) for r in rows],
        "y": [round(r[2], 5) for r in rows],
        "label": [first_label.get(i) for i in ids],
        "split": [r[3] for r in rows],
        "uniqueness": [r[4] for r in rows],
        "mistakenness": [r[5] for r in rows],
        "excluded": [r[6] for r in rows],
        "labels": list(project.labels.order_by("id").values("id", "name", "color")),
    }
