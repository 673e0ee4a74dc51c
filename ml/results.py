"""What predictors take and return (torch-free: shared by the torch and ONNX backends)."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

ImageInput = str | Path | bytes | Image.Image


@dataclass
class Classification:
    label: str
    confidence: float


@dataclass
class Detection:
    x: float
    y: float
    w: float
    h: float
    label: str
    score: float


def open_image(image: ImageInput) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    if isinstance(image, bytes | bytearray):
        return Image.open(io.BytesIO(image))
    return Image.open(Path(image))


def to_detections(boxes: Iterable[Sequence[float]], labels: Iterable[int],
                  scores: Iterable[float], classes: Sequence[str], offset: int,
                  factors: tuple[float, float], score_threshold: float) -> list[Detection]:  # fmt: skip
    """Model outputs (x1, y1, x2, y2 at the model's scale, label = class + offset) -> rows in
    the input image's pixels, at or above the threshold, for known classes only."""
    fx, fy = factors
    rows = []
    for (x1, y1, x2, y2), label, score in zip(boxes, labels, scores, strict=True):
        c = int(label) - offset
        if score >= score_threshold and 0 <= c < len(classes):
            rows.append(Detection(float(x1) / fx, float(y1) / fy, float(x2 - x1) / fx,
                                  float(y2 - y1) / fy, classes[c], float(score)))  # fmt: skip
    return rows


@dataclass
class Segmentation(Detection):
    """An instance (Mask R-CNN) or a class region (semantic models): its box, its polygon
    (rings in the input image's pixels, the outline first, then holes) and, when asked for,
    its mask as COCO compressed RLE of the input image's size."""

    polygon: list[list[tuple[float, float]]] = field(default_factory=list)
    mask: dict | None = None  # {"size": [height, width], "counts": str}
