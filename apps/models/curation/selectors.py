"""Reads for curation: embeddings runs, a space's vectors as one matrix, near-duplicate
groups (with the groups that cross splits: a leak), and the project's spaces."""

from typing import Any

import numpy as np
from django.db.models import Count, QuerySet

from apps.core.exceptions import ApplicationError, NotFound
from apps.images.models import Image
from apps.models.models import EmbeddingRun, ImageEmbedding, ModelVersion, embedding_space
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role
from ml.manifest import TRAIN_SPLITS
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
