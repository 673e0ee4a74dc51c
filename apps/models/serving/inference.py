"""Predict in web processes. Loaded predictors are cached per version uid (a version's
artifacts never change; an id may name another version once the database is recreated).
The production version comes from a per-process cache checked against a Redis generation on
every request (a promotion bumps it after commit), so every process picks up a promotion on
its next request, without a restart."""

import base64
import binascii
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from apps.core.exceptions import ApplicationError, Conflict
from apps.core.gencache import FETCH
from apps.images.imaging import InvalidImage, load_rgb
from apps.models.caches import production_cache
from apps.models.models import ModelVersion, Stage, VersionStatus
from apps.models.registry.files import version_local_dir
from ml.engine import Predictor
from ml.results import Classification, Detection, Segmentation

SEGMENT_TASKS = ("segment", "semantic")


class PayloadTooLarge(ApplicationError):
    status_code = 413
    default_code = "too_large"


@dataclass(frozen=True)
class PredictInput:
    name: str
    data: bytes


_lock = threading.Lock()
_cache: OrderedDict[uuid.UUID, Predictor] = OrderedDict()
_loading: dict[uuid.UUID, threading.Lock] = {}


def predictor_for(version: ModelVersion) -> Predictor:
    """The loaded predictor for a ready version (loaded once per process, LRU-evicted)."""
    key = version.uid
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        loading = _loading.setdefault(key, threading.Lock())
    with loading:  # one load per version even when requests arrive together
        with _lock:
            if key in _cache:
                return _cache[key]
        from ml.serving import load_predictor

        predictor = load_predictor(
            version_local_dir(version), backend=settings.LABELFORGE_INFERENCE_BACKEND,
            threads=settings.LABELFORGE_INFERENCE_THREADS or None,
            spin=settings.LABELFORGE_INFERENCE_SPIN,
        )  # fmt: skip
        with _lock:
            _cache[key] = predictor
            while len(_cache) > settings.LABELFORGE_MODEL_CACHE_SIZE:
                _cache.popitem(last=False)
            _loading.pop(key, None)
    return predictor


def cached_versions() -> list[uuid.UUID]:
    with _lock:
        return list(_cache)


def production_version(
    *, project_id: int, task: str | None, generation: bytes | None = FETCH
) -> ModelVersion:
    versions = production_cache.get(
        project_id, "all", lambda: _production_versions(project_id), generation
    )
    if task:
        versions = [v for v in versions if v.task == task]
    if not versions:
        raise Conflict(
            "No model is in production for this project"
            + (f" and task '{task}'" if task else "")
            + ": promote a version first.",
            code="no_production_model",
        )
    if len(versions) > 1:
        raise ApplicationError(
            "This project has production models for several tasks "
            f"({', '.join(sorted(v.task for v in versions))}): pass task=<one of them>.",
            code="task_required",
        )
    return versions[0]


def _production_versions(project_id: int) -> list[ModelVersion]:
    qs = ModelVersion.objects.filter(project_id=project_id, stage=Stage.PRODUCTION)
    return list(qs.defer("classes", "metrics"))  # big JSON a request does not need


def decode_inputs(*, files: list[Any], encoded: list[Any]) -> list[PredictInput]:
    """Multipart files and/or base64 strings (data: URLs accepted) -> named byte strings."""
    inputs = []
    limit = settings.LABELFORGE_MAX_FILE_BYTES
    for f in files:
        if f.size > limit:
            raise PayloadTooLarge(f"{f.name}: {f.size:,} bytes is over the {limit:,}-byte limit.")
        inputs.append(PredictInput(f.name, f.read()))
    for i, item in enumerate(encoded):
        name = f"image {i + 1}"
        if isinstance(item, dict):
            name, item = str(item.get("name") or name), item.get("data")
        if not isinstance(item, str):
            raise ApplicationError(f"{name}: expected a base64 string.", code="invalid_base64")
        if item.startswith("data:"):
            item = item.partition(",")[2]
        if len(item) * 3 // 4 > limit:
            raise PayloadTooLarge(f"{name}: over the {limit:,}-byte limit.")
        try:
            inputs.append(PredictInput(name, base64.b64decode(item, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ApplicationError(f"{name}: not valid base64.", code="invalid_base64") from exc
    if not inputs:
        raise ApplicationError(
            "Send an image: multipart field 'image' (repeatable) or JSON {\"image\": <base64>} / "
            '{"images": [...]}.',
            code="no_image",
        )
    if len(inputs) > settings.LABELFORGE_PREDICT_MAX_IMAGES:
        raise PayloadTooLarge(
            f"{len(inputs)} images in one call; at most {settings.LABELFORGE_PREDICT_MAX_IMAGES}."
        )
    return inputs


def _prediction(row: Classification | Detection) -> dict[str, Any]:
    if isinstance(row, Classification):
        return {"label": row.label, "confidence": round(row.confidence, 6)}
    box = {"x": round(row.x, 2), "y": round(row.y, 2), "w": round(row.w, 2), "h": round(row.h, 2)}
    out: dict[str, Any] = {"label": row.label, "score": round(row.score, 6), "box": box}
    if isinstance(row, Segmentation):
        out["polygon"] = [[[round(x, 2), round(y, 2)] for x, y in ring] for ring in row.polygon]
        if row.mask is not None:
            out["mask"] = row.mask
    return out


def predict(
    *, version: ModelVersion, inputs: list[PredictInput], top_k: int, threshold: float,
    rle: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Classifiers: top_k classes; detectors: boxes at or above `threshold`; segmentation
    versions: polygons (and masks as COCO RLE with `rle`) at or above `threshold`."""
    if version.status != VersionStatus.READY:
        reason = f": {version.error}" if version.error else " (still being prepared)"
        raise Conflict(f"Model v{version.version} is {version.status}, not ready{reason}.",
                       code="model_not_ready")  # fmt: skip
    predictor = predictor_for(version)
    started = time.perf_counter()
    draft = version.image_size if version.task == "classify" else None
    images = []
    for item in inputs:
        try:
            images.append(load_rgb(item.data, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS,
                                   draft_side=draft))  # fmt: skip
        except InvalidImage as exc:
            raise ApplicationError(f"{item.name}: {exc.detail}", code=exc.code) from exc
    if version.task == "classify":
        rows = predictor.classify(images, top_k=top_k)
    elif version.task in SEGMENT_TASKS:
        rows = predictor.segment(images, score_threshold=threshold, rle=rle)  # type: ignore[attr-defined]
    else:
        rows = predictor.detect(images, score_threshold=threshold)
    results = [
        {"image": item.name, "predictions": [_prediction(r) for r in found]}
        for item, found in zip(inputs, rows, strict=True)
    ]
    out: dict[str, Any] = {
        "model_version": {"id": version.pk, "version": version.version, "task": version.task,
                          "architecture": version.architecture, "stage": version.stage},
        "backend": predictor.backend,
        "results": results,
        "inference_ms": round((time.perf_counter() - started) * 1000, 2),  # decode + model
    }  # fmt: skip
    if len(results) == 1:
        out["predictions"] = results[0]["predictions"]
    return out


def clear_cache() -> None:
    with _lock:
        _cache.clear()
