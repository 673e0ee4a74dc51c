"""Segmentation geometry: polygons (rings in image pixels, the first the outline, the rest
holes) and masks as COCO run-length encoding (RLE), plain inputs and outputs.

    rings_of(value)                 -> Polygon   ([[x, y], ...] or [[[x, y], ...], ...], checked)
    polygon_area / polygon_bbox     -> float / (x, y, w, h)
    polygon_rle(polygon, h, w)      -> Rle       (rasterised as COCO does, holes cut out)
    rle_counts / rle_string         -> the run lengths of a COCO compressed string, and back
    rle_check(rle)                  -> Rle       (a string that decodes to exactly h * w pixels)
    rle_mask / mask_rle             -> a uint8 (h, w) array, and back
    rle_area / rle_bbox / rle_iou   -> int / (x, y, w, h) / float

The compressed string is COCO's (pycocotools' maskApi rleToString): each run length, less
the one two before it from the third on, in 5-bit groups with a continuation bit, offset by
48 into printable ASCII. Runs alternate 0s and 1s, starting with 0s, over the mask in
column-major (Fortran) order. We parse and check the string ourselves before any C code
sees it: a malformed one is a ValueError, never a crash. pycocotools does the rasterising
and the pixel arithmetic.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]  # [outline, hole, hole, ...]

MAX_RINGS = 100
MAX_POINTS = 10_000  # over all rings of one polygon
MAX_RLE_CHARS = 4_000_000


@dataclass(frozen=True)
class Rle:
    height: int
    width: int
    counts: str  # COCO compressed

    def json(self) -> dict[str, Any]:
        return {"size": [self.height, self.width], "counts": self.counts}

    def coco(self) -> dict[str, Any]:
        return {"size": [self.height, self.width], "counts": self.counts.encode("ascii")}


def _point(value: Any) -> Point:
    if not (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2):
        raise ValueError(f"a point is [x, y], not {value!r:.40}")
    x, y = value
    if (
        isinstance(x, bool)
        or isinstance(y, bool)
        or not all(isinstance(v, int | float) for v in (x, y))
    ):
        raise ValueError(f"a point is two numbers, not {value!r:.40}")
    if not (np.isfinite(x) and np.isfinite(y)):
        raise ValueError("a point's coordinates must be finite")
    return float(x), float(y)


def rings_of(value: Any) -> Polygon:
    """A polygon from the wire: one ring [[x, y], ...] or several [[[x, y], ...], ...] (the
    first the outline, the rest holes), each of 3 or more points, closing on itself (a last
    point equal to the first is dropped)."""
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise ValueError("a polygon is a list of [x, y] points, or a list of such rings")
    first = value[0]
    nested = isinstance(first, Sequence) and not isinstance(first, str) and first and \
        isinstance(first[0], Sequence) and not isinstance(first[0], str)  # fmt: skip
    raw = value if nested else [value]
    if len(raw) > MAX_RINGS:
        raise ValueError(f"a polygon has at most {MAX_RINGS} rings")
    rings: Polygon = []
    for ring in raw:
        if not isinstance(ring, Sequence) or isinstance(ring, str):
            raise ValueError("a ring is a list of [x, y] points")
        points = [_point(p) for p in ring]
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            raise ValueError("a ring needs at least 3 points")
        rings.append(points)
    if sum(len(r) for r in rings) > MAX_POINTS:
        raise ValueError(f"a polygon has at most {MAX_POINTS:,} points")
    if abs(ring_area(rings[0])) == 0:
        raise ValueError("the polygon's outline encloses no area")
    return rings


def ring_area(ring: Ring) -> float:
    """Signed (shoelace): positive when the points run clockwise in image coordinates (y down)."""
    xs = np.array([p[0] for p in ring])
    ys = np.array([p[1] for p in ring])
    return float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2.0


def polygon_area(polygon: Polygon) -> float:
    """The outline's area less its holes' (holes taken to lie inside it)."""
    return abs(ring_area(polygon[0])) - sum(abs(ring_area(r)) for r in polygon[1:])


def polygon_bbox(polygon: Polygon) -> tuple[float, float, float, float]:
    xs = [p[0] for p in polygon[0]]
    ys = [p[1] for p in polygon[0]]
    return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)


def _flat(ring: Ring) -> list[float]:
    return [v for point in ring for v in point]


def polygon_rle(polygon: Polygon, height: int, width: int) -> Rle:
    """Rasterised as COCO rasterises polygons (pycocotools frPyObjects), holes cut out."""
    outline = coco_mask.merge(coco_mask.frPyObjects([_flat(polygon[0])], height, width))
    if len(polygon) == 1:
        return _rle(outline)
    holes = coco_mask.merge(coco_mask.frPyObjects([_flat(r) for r in polygon[1:]], height, width))
    mask = coco_mask.decode(outline) & (1 - coco_mask.decode(holes))
    return mask_rle(mask)


def _rle(coco: dict[str, Any]) -> Rle:
    height, width = (int(v) for v in coco["size"])
    counts = coco["counts"]
    return Rle(height, width, counts.decode("ascii") if isinstance(counts, bytes) else counts)


def rle_counts(counts: str) -> list[int]:
    """The run lengths in a COCO compressed string (ValueError for anything malformed)."""
    if len(counts) > MAX_RLE_CHARS:
        raise ValueError("the mask's RLE string is too long")
    runs: list[int] = []
    value, shift = 0, 0
    for ch in counts:
        c = ord(ch) - 48
        if not 0 <= c < 64:
            raise ValueError(f"the RLE string holds a character COCO never writes: {ch!r}")
        value |= (c & 0x1F) << shift
        shift += 5
        if c & 0x20:
            continue
        if c & 0x10:
            value |= -1 << shift
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
        value, shift = 0, 0
    if shift:
        raise ValueError("the RLE string ends in the middle of a number")
    if any(r < 0 for r in runs):
        raise ValueError("the RLE string decodes to a negative run")
    return runs


def rle_string(runs: Sequence[int]) -> str:
    out = []
    for i, run in enumerate(runs):
        x = int(run) - (int(runs[i - 2]) if i > 2 else 0)
        while True:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
            if not more:
                break
    return "".join(out)


def rle_check(value: Any) -> Rle:
    """A mask from the wire, {size: [height, width], counts: "<COCO compressed RLE>"}: the
    runs must cover exactly height * width pixels."""
    if not isinstance(value, dict) or set(value) != {"size", "counts"}:
        raise ValueError('a mask is {size: [height, width], counts: "<COCO compressed RLE>"}')
    size, counts = value["size"], value["counts"]
    if not (
        isinstance(size, Sequence)
        and len(size) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)
    ):
        raise ValueError("a mask's size is [height, width], two positive whole numbers")  # fmt: skip
    if not isinstance(counts, str):
        raise ValueError("a mask's counts is COCO's compressed RLE string")
    runs = rle_counts(counts)
    height, width = size
    if sum(runs) != height * width:
        raise ValueError(f"the RLE covers {sum(runs):,} pixels, not {height} x {width}")
    return Rle(int(height), int(width), counts)


def mask_rle(mask: np.ndarray) -> Rle:
    return _rle(coco_mask.encode(np.asfortranarray(mask.astype(np.uint8))))


def rle_mask(rle: Rle) -> np.ndarray:
    return coco_mask.decode(rle.coco())


def rle_area(rle: Rle) -> int:
    return int(coco_mask.area(rle.coco()))


def rle_bbox(rle: Rle) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in coco_mask.toBbox(rle.coco()))
    return x, y, w, h


def rle_iou(a: Rle, b: Rle) -> float:
    if (a.height, a.width) != (b.height, b.width):
        raise ValueError("masks of different sizes")
    return float(coco_mask.iou([a.coco()], [b.coco()], [0])[0][0])


def polygon_iou(a: Polygon, b: Polygon, height: int, width: int) -> float:
    return rle_iou(polygon_rle(a, height, width), polygon_rle(b, height, width))


def mask_outline(mask: np.ndarray, max_points: int = MAX_POINTS) -> Polygon | None:
    """A mask as one polygon whose rings follow its pixels' edges (corners at whole pixel
    coordinates), so rasterising it as COCO does (polygon_rle) gives back exactly these
    pixels: the outline, then the holes. None when the mask is empty, has more than one
    region (4-connected: pixels touching only at a corner are separate regions), or would
    take more than `max_points` corners.

    Each set pixel's side facing an unset pixel (or the border) is a directed edge with the
    pixel on its right (clockwise in image coordinates, y down); the edges chain into closed
    rings (at a corner two rings touch, the walk turns right, keeping 4-connected regions
    apart), collinear corners are dropped. Positive area (clockwise): an outline; negative:
    a hole."""
    m = np.pad(mask.astype(bool), 1)
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def add(starts: np.ndarray, dx: int, dy: int) -> None:
        for y, x in starts.tolist():
            edges.setdefault((x, y), []).append((x + dx, y + dy))

    inner = m[1:-1, 1:-1]
    # pixel (r, c) of the mask has corners (c, r) .. (c + 1, r + 1); padded index = mask + 1
    top = np.argwhere(inner & ~m[:-2, 1:-1])  # left to right along its top
    add(top, 1, 0)
    right = np.argwhere(inner & ~m[1:-1, 2:]) + np.array((0, 1))  # down its right side
    add(right, 0, 1)
    bottom = np.argwhere(inner & ~m[2:, 1:-1]) + np.array((1, 1))  # right to left along its bottom
    add(bottom, -1, 0)
    left = np.argwhere(inner & ~m[1:-1, :-2]) + np.array((1, 0))  # up its left side
    add(left, 0, -1)
    if not edges:
        return None
    if sum(len(v) for v in edges.values()) > 4 * max_points:
        return None
    rings: list[tuple[float, Ring]] = []
    while edges:
        start = next(iter(edges))
        first = edges[start][0]
        ring: list[tuple[int, int]] = [start]
        at, heading = first, (first[0] - start[0], first[1] - start[1])
        while True:
            outs = edges[at]
            right_turn = (-heading[1], heading[0])  # at a corner two rings share
            pick = next((o for o in outs if (o[0] - at[0], o[1] - at[1]) == right_turn), outs[0])
            if at == start and pick == first:
                break
            outs.remove(pick)
            if not outs:
                del edges[at]
            ring.append(at)
            heading = (pick[0] - at[0], pick[1] - at[1])
            at = pick
        edges[start].remove(first)
        if not edges[start]:
            del edges[start]
        corners = [
            p for i, p in enumerate(ring)
            if (p[0] - ring[i - 1][0]) * (ring[(i + 1) % len(ring)][1] - p[1])
            != (p[1] - ring[i - 1][1]) * (ring[(i + 1) % len(ring)][0] - p[0])
        ]  # fmt: skip
        points: Ring = [(float(x), float(y)) for x, y in corners]
        rings.append((ring_area(points), points))
    outlines = [r for a, r in rings if a > 0]
    holes = [r for a, r in rings if a < 0]
    if len(outlines) != 1 or sum(len(r) for _, r in rings) > max_points:
        return None
    return [outlines[0], *holes]


def mask_without_specks(mask: np.ndarray, min_area: int) -> np.ndarray:
    """The mask (uint8, h x w) without its regions of fewer than `min_area` pixels (regions
    8-connected, as OpenCV counts them); all zeros when none is that large."""
    import cv2  # lazily: ml/ runs without OpenCV until this is asked for

    binary = (mask > 0).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False  # the background
    return keep[labels].astype(np.uint8) if count > 1 else binary
