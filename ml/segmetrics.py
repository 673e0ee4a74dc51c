"""Segmentation metrics, fractions in 0..1.

mask_map: COCO mask mAP (pycocotools COCOeval, iouType "segm") of predicted instance masks
against the samples' polygons and masks, at the images' own size: `map` (IoU .5:.95) and
`map50`; the boxes are scored too, as `box_map` and `box_map50`.

Semantic: a confusion matrix over (background + classes) accumulated pixel by pixel, then
per-class IoU = TP / (TP + FP + FN); `miou` is the mean over the classes (background left
out) that appear in the ground truth or the predictions; `pixel_accuracy` over all pixels.
"""

import contextlib
import io
from typing import Any

import numpy as np

from . import geometry
from .evaluate import _per_class_ap, coco_map
from .manifest import Sample

# (x, y, w, h, class index, score, {"size": [h, w], "counts": str} in image pixels)
InstanceRow = tuple[float, float, float, float, int, float, dict]


def _gt_rle(segment: dict, height: int, width: int) -> dict:
    if segment.get("polygon") is not None:
        return geometry.polygon_rle(segment["polygon"], height, width).coco()
    return geometry.rle_check(segment["mask"]).coco()


def mask_map(samples: list[Sample], predictions: dict[int, list[InstanceRow]],
             num_classes: int, score_threshold: float,
             per_class: bool = False) -> dict[str, Any]:  # fmt: skip
    """Mask mAP (map, map50) and box mAP (box_map, box_map50); with `per_class`, also
    `per_class_ap` [{"ap", "ap50"}] of the masks per class index (None: no instances)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    boxes = coco_map(samples, {i: [r[:6] for r in rows] for i, rows in predictions.items()},
                     num_classes, score_threshold)  # fmt: skip
    out: dict[str, Any] = {"map": 0.0, "map50": 0.0, "box_map": boxes["map"],
                           "box_map50": boxes["map50"]}  # fmt: skip
    images, annotations = [], []
    for i, s in enumerate(samples):
        images.append({"id": i, "width": s.width, "height": s.height})
        for box, segment in zip(s.boxes, s.segments, strict=True):
            rle = _gt_rle(segment, s.height, s.width)
            annotations.append({
                "id": len(annotations) + 1, "image_id": i, "category_id": int(box[4]) + 1,
                "segmentation": rle, "area": float(geometry.coco_mask.area(rle)),
                "bbox": list(box[:4]), "iscrowd": 0,
            })  # fmt: skip
    results = [
        {"image_id": i, "category_id": int(c) + 1, "score": score, "bbox": [x, y, w, h],
         "segmentation": {"size": rle["size"], "counts": rle["counts"].encode("ascii")}}
        for i, rows in predictions.items()
        for x, y, w, h, c, score, rle in rows
        if score >= score_threshold
    ]  # fmt: skip
    if not annotations or not results:
        if per_class:
            out["per_class_ap"] = [{"ap": None, "ap50": None} for _ in range(num_classes)]
        return out
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": annotations,
                      "categories": [{"id": c + 1, "name": str(c)} for c in range(num_classes)]}  # fmt: skip
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(results), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out["map"], out["map50"] = max(0.0, float(ev.stats[0])), max(0.0, float(ev.stats[1]))
    if per_class:
        out["per_class_ap"] = _per_class_ap(ev.eval["precision"], num_classes)
    return out


def confusion(truth: np.ndarray, predicted: np.ndarray, n: int) -> np.ndarray:
    """int64 (n, n): [true class, predicted class] pixel counts."""
    index = truth.astype(np.int64).ravel() * n + predicted.astype(np.int64).ravel()
    return np.bincount(index, minlength=n * n).reshape(n, n)


def iou_report(matrix: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """miou, pixel_accuracy, background_iou and per_class [{label, iou, support}] from a
    confusion over (background, *classes); a class in neither truth nor prediction has iou
    None and is left out of the mean."""
    tp = np.diag(matrix).astype(np.float64)
    union = matrix.sum(0) + matrix.sum(1) - tp
    iou = [float(t / u) if u else None for t, u in zip(tp, union, strict=True)]
    per_class = [{"label": name, "iou": iou[c + 1], "support": int(matrix[c + 1].sum())}
                 for c, name in enumerate(classes)]  # fmt: skip
    present = [v for v in iou[1:] if v is not None]
    total = matrix.sum()
    return {
        "miou": float(np.mean(present)) if present else 0.0,
        "pixel_accuracy": float(tp.sum() / total) if total else 0.0,
        "background_iou": iou[0],
        "per_class": per_class,
    }
