"""The labeller's segmentation assist (POST /images/{id}/segment/): a box around an object,
and optional clicks on it (positive) or off it (negative), -> the object's polygon and mask,
computed on the server from the stored image. Nothing is stored: the labeller makes an
annotation of the answer like any other.

The method: Segment-Anything (ml.sam, `method: "sam"`) when a SAM weight file is in
LABELFORGE_WEIGHTS_DIR (sam_vit_b_01ec64.pth and the like, never downloaded), loaded once per
process; else GrabCut (ml.assist, `method: "grabcut"`). A weight file that cannot be used
(unreadable, or its tensors do not fit) is logged and the answer comes from GrabCut, with
why in `fallback`: the assist keeps working, and the labeller can say so."""

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage

from apps.core.exceptions import ApplicationError
from apps.images.imaging import InvalidImage, load_rgb
from apps.images.models import Image
from ml.assist import Click, Segment, segment
from ml.geometry import mask_rle
from ml.sam import SamError, sam_load, sam_segment, sam_weights

MAX_CLICKS = 50
logger = logging.getLogger(__name__)
_warned: set[str] = set()


@dataclass(frozen=True)
class Assisted:
    polygon: list[list[list[float]]] | None  # rings
    mask: dict[str, Any] | None
    ms: float
    method: str = "grabcut"  # or "sam"
    fallback: str | None = None  # why a SAM weight file present was not used


def _with_sam(image: Image, rgb: np.ndarray, box: tuple[float, float, float, float],
              clicks: list[Click]) -> tuple[Segment | None, str | None]:  # fmt: skip
    """SAM's answer (None without weights), and why SAM was not used when it should have."""
    path = sam_weights(settings.LABELFORGE_WEIGHTS_DIR)
    if path is None:
        return None, None
    try:
        model = sam_load(path)
        return sam_segment(model, rgb, box, clicks, key=(image.pk, image.sha256)), None
    except (SamError, RuntimeError) as exc:  # RuntimeError: torch at run time (memory)
        reason = f"Segment-Anything not used: {exc}"[:500]
        if reason not in _warned:
            _warned.add(reason)
            logger.warning("segment assist falls back to GrabCut: %s", reason)
        return None, reason


def image_segment(*, image: Image, box: dict[str, float], points: list[dict[str, Any]]) -> Assisted:
    started = time.perf_counter()
    x, y, w, h = (float(box[k]) for k in ("x", "y", "w", "h"))
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(image.width), x + w), min(float(image.height), y + h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise ApplicationError(f"box: it must cover at least 2x2 pixels of the {image.width}x"
                               f"{image.height} image.", code="invalid_box")  # fmt: skip
    if len(points) > MAX_CLICKS:
        raise ApplicationError(f"points: at most {MAX_CLICKS}.", code="invalid_points")
    for n, p in enumerate(points):
        if not (0 <= p["x"] <= image.width and 0 <= p["y"] <= image.height):
            raise ApplicationError(f"points[{n}]: ({p['x']}, {p['y']}) is outside the image.",
                                   code="invalid_points")  # fmt: skip
    try:
        with default_storage.open(image.file.name, "rb") as fh:
            rgb = np.asarray(load_rgb(fh.read(), max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS))
    except (InvalidImage, OSError) as exc:
        raise ApplicationError("The image's file cannot be read.", code="unreadable_image") from exc
    clicks = [Click(float(p["x"]), float(p["y"]), bool(p["positive"])) for p in points]
    region = (x0, y0, x1 - x0, y1 - y0)
    found, fallback = _with_sam(image, rgb, region, clicks)
    method = "sam" if found is not None else "grabcut"
    if found is None:
        found = segment(rgb, region, clicks)
    ms = round((time.perf_counter() - started) * 1000, 1)
    if not found.mask.any() or not found.rings:
        return Assisted(None, None, ms, method, fallback)
    rings = [[[round(px, 2), round(py, 2)] for px, py in ring] for ring in found.rings]
    return Assisted(rings, mask_rle(found.mask).json(), ms, method, fallback)
