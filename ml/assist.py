"""The labeller's segmentation assist: a box around an object (and optional clicks, positive
on the object, negative on the background) -> the object's mask and polygon, by OpenCV's
GrabCut (no weights). Plain inputs and outputs.

    segment(rgb, box, points) -> Segment(mask, rings, ms)

When a Segment-Anything weight file is in the weights folder, the app uses ml.sam instead
(same inputs, same Segment), and this GrabCut when there is none or it cannot be loaded.

Speed: GrabCut runs on the box and a margin around it, scaled so its longer side is at most
WORK_SIDE pixels, then the mask is scaled back: a few hundred milliseconds on one CPU core
whatever the image's size. A click marks the patch of like colour around it (a flood fill,
FLOOD_DIFF apart at most) as sure foreground or background, so one click takes away (or
adds) a whole part; then GrabCut is refined from the previous pass's labels.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WORK_SIDE = 320
MARGIN = 0.15  # of the box's size, each side: background for GrabCut to learn from
ITERATIONS = 4
CLICK_RADIUS = 4  # work pixels: at least this disc around a click
FLOOD_DIFF = 24  # per channel, neighbour to neighbour
SIMPLIFY = 1.0  # polygon tolerance in image pixels (Douglas-Peucker)


@dataclass(frozen=True)
class Click:
    x: float
    y: float
    positive: bool


@dataclass(frozen=True)
class Segment:
    mask: np.ndarray  # uint8 (height, width), 1 on the object
    rings: list[list[tuple[float, float]]]  # the largest region's outline, then its holes
    ms: float


def _cv2():
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - a dependency of the app
        raise RuntimeError("the segmentation assist needs opencv-python-headless") from exc
    return cv2


def segment(rgb: np.ndarray, box: tuple[float, float, float, float],
            clicks: Sequence[Click] = ()) -> Segment:  # fmt: skip
    """The object in `box` (x, y, w, h in image pixels) of an (h, w, 3) uint8 image."""
    cv2 = _cv2()
    started = time.perf_counter()
    height, width = rgb.shape[:2]
    bx, by, bw, bh = box
    mx, my = bw * MARGIN, bh * MARGIN
    x0, y0 = max(0, int(bx - mx)), max(0, int(by - my))
    x1, y1 = min(width, int(np.ceil(bx + bw + mx))), min(height, int(np.ceil(by + bh + my)))
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1, ::-1])  # OpenCV works in BGR
    scale = min(1.0, WORK_SIDE / max(crop.shape[:2]))
    work = (
        cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if scale < 1
        else crop
    )
    wh, ww = work.shape[:2]
    rect = (
        max(0, int((bx - x0) * scale)), max(0, int((by - y0) * scale)),
        max(1, min(ww - 1, int(bw * scale))), max(1, min(wh - 1, int(bh * scale))),
    )  # fmt: skip
    mask = np.zeros((wh, ww), np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(work, mask, rect, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_RECT)
    if clicks:
        for c in clicks:
            centre = (min(ww - 1, max(0, int((c.x - x0) * scale))),
                      min(wh - 1, max(0, int((c.y - y0) * scale))))  # fmt: skip
            label = int(cv2.GC_FGD if c.positive else cv2.GC_BGD)
            patch = np.zeros((wh + 2, ww + 2), np.uint8)
            diff = (FLOOD_DIFF,) * 3
            flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
            cv2.floodFill(work, patch, centre, (0, 0, 0), diff, diff, flags)
            mask[patch[1:-1, 1:-1] > 0] = label
            cv2.circle(mask, centre, CLICK_RADIUS, label, -1)
        cv2.grabCut(work, mask, None, bgd, fgd, ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    if scale < 1:
        fg = cv2.resize(fg, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    full = np.zeros((height, width), np.uint8)
    full[y0:y1, x0:x1] = fg
    full = _largest_region(cv2, full)
    return Segment(full, mask_rings(full), (time.perf_counter() - started) * 1000)


def largest_region(mask: np.ndarray) -> np.ndarray:
    """The mask's largest 8-connected region (the mask itself when it has one or none)."""
    return _largest_region(_cv2(), mask)


def _largest_region(cv2, mask: np.ndarray) -> np.ndarray:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 2:
        return mask
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return (labels == biggest).astype(np.uint8)


def mask_rings(mask: np.ndarray, tolerance: float = SIMPLIFY) -> list[list[tuple[float, float]]]:
    """The polygon of a mask's largest region: its outline, then its holes, simplified;
    [] for an empty mask. Points are the boundary pixels' centres."""
    cv2 = _cv2()
    if not mask.any():
        return []
    padded = np.pad(mask.astype(np.uint8), 1)
    contours, hierarchy = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    outers = [i for i, h in enumerate(hierarchy[0]) if h[3] < 0]
    outer = max(outers, key=lambda i: cv2.contourArea(contours[i]))
    rings = [contours[outer]] + [c for i, c in enumerate(contours) if hierarchy[0][i][3] == outer]
    out = []
    for contour in rings:
        simple = cv2.approxPolyDP(contour, tolerance, True).reshape(-1, 2)
        if len(simple) >= 3:
            out.append([(float(x) - 1.0 + 0.5, float(y) - 1.0 + 0.5) for x, y in simple])
    return out
