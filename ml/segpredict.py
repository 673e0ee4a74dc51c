"""Segmentation inference in torch (called by ml/predict.Predictor): model outputs -> masks
in the input image's pixels -> Segmentation rows (box, polygon, RLE on request).

Instances (Mask R-CNN): the image at the detector's scale (ml/preprocess.detect_array), each
kept instance's mask probabilities resized to the image and cut at 0.5; its polygon is the
mask's largest region with its holes (ml/assist.mask_rings: OpenCV contours, simplified by
one pixel); an instance whose mask comes out empty keeps its box and no polygon.

Semantic: the image squashed to image_size x image_size and ImageNet-normalised, the logits
resized back to the image, the class map their argmax; every connected region of a class
(8-connected, at least MIN_REGION_FRACTION of the image) is one row, scored by its mean
softmax probability of that class.
"""

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import geometry
from .assist import mask_rings
from .preprocess import detect_array, load_rgb, normalize
from .results import ImageInput, Segmentation
from .segeval import instance_masks

MIN_REGION_FRACTION = 0.0005  # of the image's pixels (and 4 px at least)


def _row(mask: np.ndarray, box: tuple[float, float, float, float], label: str, score: float,
         rle: bool) -> Segmentation:  # fmt: skip
    rings = mask_rings(mask) if mask.any() else []
    return Segmentation(*box, label, score, polygon=rings,
                        mask=geometry.mask_rle(mask).json() if rle else None)  # fmt: skip


def instances(model: torch.nn.Module, device: torch.device, autocast, images: Sequence[ImageInput],
              classes: list[str], offset: int, image_size: int, max_size: int,
              score_threshold: float, rle: bool) -> list[list[Segmentation]]:  # fmt: skip
    out = []
    for image in images:
        pil = load_rgb(image)
        width, height = pil.size
        array, fx, fy = detect_array(pil, image_size, max_size)
        with autocast:
            result = model([torch.from_numpy(array).to(device)])[0]
        labels = result["labels"] - offset
        keep = (result["scores"] >= score_threshold) & (labels >= 0) & (labels < len(classes))
        masks = instance_masks(result["masks"][keep], height, width)
        rows = []
        for (x1, y1, x2, y2), c, score, mask in zip(
            result["boxes"][keep].float().cpu().tolist(), labels[keep].tolist(),
            result["scores"][keep].float().cpu().tolist(), masks, strict=True,
        ):  # fmt: skip
            box = (x1 / fx, y1 / fy, (x2 - x1) / fx, (y2 - y1) / fy)
            rows.append(_row(mask, box, classes[c], float(score), rle))
        out.append(rows)
    return out


def semantic_probabilities(model: torch.nn.Module, device: torch.device, autocast,
                           image: ImageInput, image_size: int) -> torch.Tensor:  # fmt: skip
    """float (classes + 1, height, width) softmax probabilities at the image's own size."""
    pil = load_rgb(image)
    width, height = pil.size
    square = pil.resize((image_size, image_size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    x = torch.from_numpy(normalize(np.asarray(square, dtype=np.uint8)))[None].to(device)
    with autocast:
        logits = model(x)["out"]
    logits = F.interpolate(logits.float(), size=(height, width), mode="bilinear",
                           align_corners=False)  # fmt: skip
    return logits[0].softmax(0)


def class_map(probabilities: torch.Tensor) -> np.ndarray:
    return probabilities.argmax(0).cpu().numpy()


def regions(probabilities: torch.Tensor, classes: list[str], score_threshold: float,
            rle: bool) -> list[Segmentation]:  # fmt: skip
    import cv2

    labels = class_map(probabilities)
    height, width = labels.shape
    least = max(4, int(MIN_REGION_FRACTION * height * width))
    rows = []
    for c in range(1, len(classes) + 1):
        present = (labels == c).astype(np.uint8)
        if not present.any():
            continue
        count, parts, stats, _ = cv2.connectedComponentsWithStats(present, connectivity=8)
        prob = probabilities[c].cpu().numpy()
        for k in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[k])
            if area < least:
                continue
            mask = (parts == k).astype(np.uint8)
            score = float(prob[mask > 0].mean())
            if score >= score_threshold:
                rows.append(_row(mask, (float(x), float(y), float(w), float(h)),
                                 classes[c - 1], score, rle))  # fmt: skip
    rows.sort(key=lambda r: -r.score)
    return rows
