"""Segmentation outputs as rows, torch-free (the torch and ONNX backends share it): a mask
-> Segmentation(box, polygon, RLE), a semantic model's per-pixel probabilities -> one row
per connected class region.

Semantic input: the image squashed to image_size x image_size, ImageNet-normalised. Regions:
the class map is the probabilities' argmax; every 8-connected region of a class covering at
least MIN_REGION_FRACTION of the image (4 px at least) is one row, scored by its mean
probability of that class, its polygon the region's outline and holes (ml/assist.mask_rings).
"""

import numpy as np
from PIL import Image

from . import geometry
from .assist import mask_rings
from .preprocess import load_rgb, normalize
from .results import ImageInput, Segmentation

MIN_REGION_FRACTION = 0.0005  # of the image's pixels (and 4 px at least)


def semantic_array(image: ImageInput, image_size: int) -> tuple[np.ndarray, tuple[int, int]]:
    """float32 (3, S, S) ImageNet-normalised, and the image's (width, height)."""
    pil = load_rgb(image)
    square = pil.resize((image_size, image_size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return normalize(np.asarray(square, dtype=np.uint8)), pil.size


def upsample(logits: np.ndarray, width: int, height: int) -> np.ndarray:
    """(C, h, w) logits -> (C, height, width) softmax probabilities (bilinear, per channel)."""
    big = np.stack([
        np.asarray(Image.fromarray(c.astype(np.float32), "F").resize((width, height), Image.Resampling.BILINEAR))
        for c in logits
    ])  # fmt: skip
    big = np.exp(big - big.max(0, keepdims=True))
    return big / big.sum(0, keepdims=True)


def segmentation_row(mask: np.ndarray, box: tuple[float, float, float, float], label: str,
                     score: float, rle: bool) -> Segmentation:  # fmt: skip
    rings = mask_rings(mask) if mask.any() else []
    return Segmentation(*box, label, score, polygon=rings,
                        mask=geometry.mask_rle(mask).json() if rle else None)  # fmt: skip


def class_map(probabilities: np.ndarray) -> np.ndarray:
    """(classes + 1, h, w) probabilities -> int (h, w), 0 the background."""
    return probabilities.argmax(0)


def regions(probabilities: np.ndarray, classes: list[str], score_threshold: float,
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
        prob = probabilities[c]
        for k in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[k])
            if area < least:
                continue
            mask = (parts == k).astype(np.uint8)
            score = float(prob[mask > 0].mean())
            if score < score_threshold:
                continue
            row = segmentation_row(mask, (float(x), float(y), float(w), float(h)),
                                   classes[c - 1], score, rle)  # fmt: skip
            if row.polygon:  # a sliver with no outline left after simplifying is dropped
                rows.append(row)
    rows.sort(key=lambda r: -r.score)
    return rows
