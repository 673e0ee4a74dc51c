"""The `infer` queue job: embed a project's images that have no vector in the run's space
yet (a model version's penultimate layer, or the perceptual hash), in batches with progress
and cancel between them, then score every image's uniqueness (and, with a model, how
strongly its predictions disagree with the labels) and place it on the 2-D map. Safe to run
twice: a second run finds nothing missing and only rescores."""

import logging
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage

from apps.images.imaging import InvalidImage, load_rgb
from apps.images.models import Image
from apps.models.curation import services as curation
from apps.models.models import EmbeddingRun, RunStatus
from apps.models.registry.files import version_local_dir
from apps.models.runs.lifecycle import Heartbeat
from ml.embed import Embedder, hash_embedder, model_embedder

log = logging.getLogger(__name__)


def _embedder(run: EmbeddingRun) -> Embedder:
    if run.model_version is None:
        return hash_embedder()
    from ml.serving import load_predictor

    # torch, not ONNX: the features come from inside the network
    predictor = load_predictor(version_local_dir(run.model_version), backend="torch")
    return model_embedder(predictor)  # type: ignore[arg-type]


def _pixels(batch: list[Image], counts: dict[str, Any]) -> tuple[list[int], list]:
    ids, pixels = [], []
    for image in batch:
        try:
            with default_storage.open(image.file.name, "rb") as fh:
                blob = fh.read()
            pixels.append(load_rgb(blob, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS))
            ids.append(image.pk)
        except (InvalidImage, OSError):
            counts["unreadable"] += 1
    return ids, pixels


def run_embeddings(*, run_id: int) -> str:
    run = curation.claim(run_id)
    if run is None:
        return "not queued"
    with Heartbeat(EmbeddingRun, run.pk):
        return _embed(run)


def _embed(run: EmbeddingRun) -> str:
    try:
        todo = list(curation.missing_images(project=run.project, space=run.space)
                    .order_by("id").values_list("pk", flat=True))  # fmt: skip
        EmbeddingRun.objects.filter(pk=run.pk).update(total=len(todo))
        counts: dict[str, Any] = {"computed": 0, "unreadable": 0, "scored": 0,
                                  "existing": run.project.images.count() - len(todo)}  # fmt: skip
        embedder = _embedder(run) if todo else None
        for lo in range(0, len(todo), curation.BATCH):
            batch = list(Image.objects.filter(pk__in=todo[lo : lo + curation.BATCH]).order_by("id"))
            ids, pixels = _pixels(batch, counts)
            if ids and embedder is not None:
                vectors, predictions = embedder.embed_and_predict(pixels)
                counts["computed"] += curation.store(run=run, image_ids=ids, vectors=vectors,
                                                     predictions=predictions)  # fmt: skip
            if curation.progress(run, lo + len(batch), counts) == RunStatus.CANCELLING:
                curation.finish(run, RunStatus.CANCELLED)
                return "cancelled"
        counts["scored"] = curation.uniqueness_update(project=run.project, space=run.space)
        if run.model_version is not None:
            counts["judged"] = curation.mistakenness_update(project=run.project,
                                                            version=run.model_version)  # fmt: skip
        counts["map"] = curation.map_update(project=run.project, space=run.space)
        curation.progress(run, len(todo), counts)
    except Exception as exc:  # the run records why, for the user
        log.exception("embeddings %s failed", run.pk)
        curation.finish(run, RunStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return "failed"
    curation.finish(run, RunStatus.SUCCEEDED)
    return "succeeded"
