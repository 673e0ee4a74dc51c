"""Score a trained model on data it never trained on: the test split when the snapshot has
one, else the validation images (which picked the best epoch: the report says which)."""

from typing import Any

from .data import training_splits
from .evaluate import coco_map
from .manifest import Manifest, Sample
from .report import classification_report
from .segmetrics import confusion, iou_report, mask_map

DETECT_SCORE_FLOOR = 0.05  # COCO-style: keep low-score boxes, the AP integrates over them


def holdout_samples(manifest: Manifest, seed: int = 0) -> tuple[str, list[Sample]]:
    test = manifest.split("test")
    if manifest.task == "classify":
        test = [s for s in test if s.labels]
    if test:
        return "test", test
    return "val", training_splits(manifest, seed).val


def evaluate_holdout(predictor: Any, manifest: Manifest, seed: int = 0) -> dict[str, Any]:
    """`predictor`: an ml.predict.Predictor (or anything with classify/detect)."""
    split, samples = holdout_samples(manifest, seed)
    report: dict[str, Any] = {"split": split, "count": len(samples)}
    if not samples:
        return report
    paths = [manifest.resolve(s) for s in samples]
    index = {name: i for i, name in enumerate(manifest.classes)}
    if manifest.task == "classify":
        top = predictor.classify(paths, top_k=1)
        y_pred = [index[rows[0].label] for rows in top]
        y_true = [s.labels[0] for s in samples]
        return {**report, **classification_report(y_true, y_pred, manifest.classes)}
    if manifest.task in ("segment", "semantic"):
        return {**report, **_segmentation(predictor, manifest, samples, paths)}
    found = predictor.detect(paths, score_threshold=DETECT_SCORE_FLOOR)
    predictions = {
        i: [(d.x, d.y, d.w, d.h, index[d.label], d.score) for d in rows]
        for i, rows in enumerate(found)
    }
    scores = coco_map(samples, predictions, len(manifest.classes), 0.0, per_class=True)
    return {**report, **scores, "per_class": _per_class_ap(manifest, samples, scores)}


def _per_class_ap(manifest: Manifest, samples: list[Sample], scores: dict) -> list[dict]:
    """Each class's AP figures (popped from `scores`) with its number of held-out boxes."""
    return [
        {"label": name, **ap, "support": sum(1 for s in samples for b in s.boxes if b[4] == c)}
        for c, (name, ap) in enumerate(
            zip(manifest.classes, scores.pop("per_class_ap"), strict=True)
        )
    ]


def _segmentation(predictor: Any, manifest: Manifest, samples: list[Sample],
                  paths: list) -> dict[str, Any]:  # fmt: skip
    """Mask R-CNN: mask mAP (and box mAP) with per-class AP; semantic: mIoU with per-class IoU,
    pixel by pixel at the images' own size."""
    from .segdata import class_map
    from .segshapes import class_map as predicted_map

    index = {name: i for i, name in enumerate(manifest.classes)}
    if manifest.task == "semantic":
        n = len(manifest.classes) + 1
        matrix = 0
        for sample, path in zip(samples, paths, strict=True):
            predicted = predicted_map(predictor.probabilities(path))
            height, width = predicted.shape
            truth = class_map(sample, height, width, 1.0, 1.0)
            matrix = matrix + confusion(truth, predicted, n)
        return iou_report(matrix, manifest.classes)
    found = predictor.segment(paths, score_threshold=DETECT_SCORE_FLOOR, rle=True)
    predictions = {
        i: [(d.x, d.y, d.w, d.h, index[d.label], d.score, d.mask) for d in rows]
        for i, rows in enumerate(found)
    }
    scores = mask_map(samples, predictions, len(manifest.classes), 0.0, per_class=True)
    per_class = _per_class_ap(manifest, samples, scores)
    return {**scores, "per_class": per_class}
