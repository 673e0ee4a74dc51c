"""Validation metrics: loss / top-1 / top-5 for classifiers, COCO mAP (pycocotools) for
detectors. All fractions in 0..1."""

import contextlib
import io
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .manifest import Box, Sample


@torch.no_grad()
def evaluate_classify(
    model: nn.Module, batches: Iterable, autocast: AbstractContextManager
) -> dict[str, float]:
    model.eval()
    n, sums = 0, None
    for images, labels, _ in batches:
        with autocast:
            logits = model(images)
        logits = logits.float()
        k = min(5, logits.shape[1])
        topk = logits.topk(k, dim=1).indices
        hits = topk == labels.unsqueeze(1)
        batch = torch.stack([
            F.cross_entropy(logits, labels, reduction="sum"),
            hits[:, 0].sum().float(),
            hits.any(1).sum().float(),
        ])  # fmt: skip
        sums = batch if sums is None else sums + batch
        n += labels.shape[0]
    if not n or sums is None:
        return {}
    loss, top1, top5 = sums.tolist()  # one synchronisation for the whole pass
    return {"val_loss": loss / n, "val_accuracy": top1 / n, "val_top5": top5 / n}


@torch.no_grad()
def predict_detect(
    model: nn.Module, batches: Iterable, offset: int, autocast: AbstractContextManager
) -> dict[int, list[Box | tuple]]:
    """Val index -> [(x, y, w, h, class index, score)] in original image pixels."""
    model.eval()
    out: dict[int, list] = {}
    for images, _, meta in batches:
        with autocast:
            results = model(images)
        for result, (index, fx, fy) in zip(results, meta, strict=True):
            boxes = result["boxes"].float().cpu()
            scores = result["scores"].float().cpu().tolist()
            labels = result["labels"].cpu().tolist()
            rows = []
            for (x1, y1, x2, y2), label, score in zip(boxes.tolist(), labels, scores, strict=True):
                if label - offset < 0:
                    continue
                rows.append(
                    (x1 / fx, y1 / fy, (x2 - x1) / fx, (y2 - y1) / fy, label - offset, score)
                )
            out[index] = rows
    return out


def coco_map(
    samples: list[Sample],
    predictions: dict[int, list],
    num_classes: int,
    score_threshold: float,
    per_class: bool = False,
) -> dict[str, Any]:
    """mAP@[.5:.95] and mAP@.5 of `predictions` against the samples' boxes (COCOeval); with
    `per_class`, also `per_class_ap`: [{"ap", "ap50"}] per class index (None: no boxes)."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations = [], []
    for i, s in enumerate(samples):
        images.append({"id": i, "width": s.width, "height": s.height})
        for x, y, w, h, c in s.boxes:
            annotations.append({
                "id": len(annotations) + 1, "image_id": i, "category_id": int(c) + 1,
                "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
            })  # fmt: skip
    results = [
        {"image_id": i, "category_id": int(c) + 1, "bbox": [x, y, w, h], "score": score}
        for i, rows in predictions.items()
        for x, y, w, h, c, score in rows
        if score >= score_threshold
    ]
    if not annotations or not results:
        empty: dict[str, Any] = {"map": 0.0, "map50": 0.0}
        if per_class:
            empty["per_class_ap"] = [{"ap": None, "ap50": None} for _ in range(num_classes)]
        return empty
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": c + 1, "name": str(c)} for c in range(num_classes)],
        }
        gt.createIndex()
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    out: dict[str, Any] = {
        "map": max(0.0, float(ev.stats[0])),
        "map50": max(0.0, float(ev.stats[1])),
    }
    if per_class:
        out["per_class_ap"] = _per_class_ap(ev.eval["precision"], num_classes)
    return out


def _per_class_ap(precision: Any, num_classes: int) -> list[dict[str, float | None]]:
    """COCOeval's precision array is [iou, recall, class, area, max_dets]; area "all" and
    100 detections are indices 0 and 2. -1 marks classes without ground truth."""
    rows = []
    for k in range(num_classes):
        p = precision[:, :, k, 0, 2]
        valid, valid50 = p[p > -1], p[0][p[0] > -1]
        rows.append({
            "ap": float(valid.mean()) if valid.size else None,
            "ap50": float(valid50.mean()) if valid50.size else None,
        })  # fmt: skip
    return rows
