"""Validation passes of segmentation models inside train() (torch): Mask R-CNN instances
scored with mask mAP, semantic models with per-class IoU (ml/segmetrics.py)."""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import geometry
from .manifest import Sample
from .segmetrics import InstanceRow, confusion, iou_report

MASK_THRESHOLD = 0.5  # Mask R-CNN's per-pixel probability that makes the mask


def instance_masks(masks: torch.Tensor, height: int, width: int) -> np.ndarray:
    """Mask R-CNN's (n, 1, h, w) probabilities -> uint8 (n, height, width) masks."""
    if masks.shape[0] == 0:
        return np.zeros((0, height, width), np.uint8)
    if tuple(masks.shape[-2:]) != (height, width):
        masks = F.interpolate(masks.float(), size=(height, width), mode="bilinear",
                              align_corners=False)  # fmt: skip
    return (masks[:, 0] > MASK_THRESHOLD).to(torch.uint8).cpu().numpy()


@torch.no_grad()
def predict_instances(model: nn.Module, batches: Iterable, offset: int,
                      autocast: AbstractContextManager, samples: list[Sample],
                      score_threshold: float) -> dict[int, list[InstanceRow]]:  # fmt: skip
    """Val index -> [(x, y, w, h, class index, score, RLE)] in the images' own pixels."""
    model.eval()
    out: dict[int, list[InstanceRow]] = {}
    for images, _, meta in batches:
        with autocast:
            results = model(images)
        for image, result, (index, fx, fy) in zip(images, results, meta, strict=True):
            s = samples[index]
            width = s.width or round(image.shape[-1] / fx)
            height = s.height or round(image.shape[-2] / fy)
            keep = (result["scores"] >= score_threshold) & (result["labels"] >= offset)
            masks = instance_masks(result["masks"][keep], height, width)
            boxes = result["boxes"][keep].float().cpu().tolist()
            rows = []
            for (x1, y1, x2, y2), label, score, mask in zip(
                boxes, result["labels"][keep].tolist(), result["scores"][keep].tolist(), masks,
                strict=True,
            ):  # fmt: skip
                rle = geometry.mask_rle(mask).json()
                rows.append((x1 / fx, y1 / fy, (x2 - x1) / fx, (y2 - y1) / fy, label - offset,
                             float(score), rle))  # fmt: skip
            out[index] = rows
    return out


@torch.no_grad()
def evaluate_semantic(model: nn.Module, batches: Iterable, classes: list[str],
                      autocast: AbstractContextManager) -> dict[str, Any]:  # fmt: skip
    """val_loss, miou, pixel_accuracy at the model's input resolution, and the per-class
    report (iou_report) under "report"."""
    model.eval()
    n = len(classes) + 1
    matrix = np.zeros((n, n), np.int64)
    loss, pixels = 0.0, 0
    for images, targets, _ in batches:
        with autocast:
            logits = model(images)["out"]
        logits = logits.float()
        loss += float(F.cross_entropy(logits, targets, reduction="sum"))
        pixels += targets.numel()
        matrix += confusion(targets.cpu().numpy(), logits.argmax(1).cpu().numpy(), n)
    if not pixels:
        return {}
    report = iou_report(matrix, classes)
    return {"val_loss": loss / pixels, "miou": report["miou"],
            "pixel_accuracy": report["pixel_accuracy"], "report": report}  # fmt: skip
