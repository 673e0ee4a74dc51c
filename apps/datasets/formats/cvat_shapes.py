"""CVAT for images 1.1's polygons and masks.

    <polygon label= occluded= points="x1,y1;x2,y2;..." z_order=>
    <mask label= occluded= rle="r1, r2, ..." left= top= width= height= z_order=>

A mask's RLE is CVAT's own, not COCO's: run lengths over the mask's bounding box (left,
top, width, height in whole pixels), row by row (row-major), alternating background and
object and starting with a background run (0 when the box's first pixel is set). Points are
written with as many digits as the coordinate has, so vertices come back exactly, in their
order. CVAT polygons have no holes: a polygon with holes goes out as a mask, its rings
kept in a `labelforge_rings` XML attribute (other readers ignore it) for our own import."""

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement

import numpy as np

from ml.geometry import mask_rle, polygon_rle, rings_of, rle_check, rle_mask

from .base import Item, Shape

MAX_RUNS = 4_000_000
MAX_PIXELS = 100_000_000  # an image's, as the XML gives it: a mask is drawn at that size
RINGS_ATTRIBUTE = "labelforge_rings"


def _attributes(node: Element) -> dict[str, Any]:
    out: dict[str, Any] = {a.get("name", ""): (a.text or "").strip()
                           for a in node.iterfind("attribute") if a.get("name")}  # fmt: skip
    if node.get("occluded") == "1":
        out["occluded"] = True
    return out


def _points(text: str) -> list[tuple[float, float]]:
    points = []
    for pair in text.strip().split(";"):
        parts = pair.split(",")
        if len(parts) != 2:
            raise ValueError(f"points is not 'x1,y1;x2,y2;...' ({pair!r:.40})")
        points.append((float(parts[0]), float(parts[1])))
    return points


def _whole(node: Element, key: str) -> int:
    text = node.get(key, "")
    if not re.fullmatch(r"\s*\d+(\.0*)?\s*", text):
        raise ValueError(f"{key}={text!r:.20} is not a whole number of pixels")
    return int(float(text))


def runs_decode(text: str, width: int, height: int) -> np.ndarray:
    """The (height, width) uint8 crop CVAT's runs describe (ValueError when they do not)."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts or len(parts) > MAX_RUNS or not all(p.isdigit() for p in parts):
        raise ValueError("rle is not a list of whole run lengths")
    runs = np.array([int(p) for p in parts], dtype=np.int64)
    if int(runs.sum()) != width * height:
        raise ValueError(f"rle covers {int(runs.sum()):,} pixels, not {width} x {height}")
    values = (np.arange(len(runs)) % 2).astype(np.uint8)  # background first
    return np.repeat(values, runs).reshape(height, width)


def runs_encode(mask: np.ndarray) -> tuple[list[int], int, int, int, int]:
    """(runs, left, top, width, height) of a mask's bounding box; the mask must have a pixel."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    top, left = int(rows[0]), int(cols[0])
    height, width = int(rows[-1]) - top + 1, int(cols[-1]) - left + 1
    flat = mask[top : top + height, left : left + width].astype(np.int8).ravel()
    starts = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], starts, [flat.size]])).tolist()
    return ([0] if flat[0] else []) + runs, left, top, width, height


def read_shape(node: Element, item: Item) -> Shape:
    """The shape a <polygon> or <mask> holds (ValueError for one that is malformed or does
    not fit its image)."""
    label, attributes = node.get("label", "").strip(), _attributes(node)
    if node.tag == "polygon":
        rings = rings_of([list(p) for p in _points(node.get("points", ""))])
        return Shape(label, polygon=[list(r) for r in rings], attributes=attributes)
    if node.get(RINGS_ATTRIBUTE):
        try:
            rings = rings_of(json.loads(node.get(RINGS_ATTRIBUTE, "")))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{RINGS_ATTRIBUTE} is not JSON") from exc
        return Shape(label, polygon=[list(r) for r in rings], attributes=attributes)
    if not item.width or not item.height:
        raise ValueError("the image's width and height are not given")
    if item.width * item.height > MAX_PIXELS:
        raise ValueError(f"the image is {item.width}x{item.height}: too many pixels for a mask")
    left, top = _whole(node, "left"), _whole(node, "top")
    width, height = _whole(node, "width"), _whole(node, "height")
    if width < 1 or height < 1 or left + width > item.width or top + height > item.height:
        raise ValueError(f"its box {left},{top} {width}x{height} is not inside the "
                         f"{item.width}x{item.height} image")  # fmt: skip
    crop = runs_decode(node.get("rle", ""), width, height)
    full = np.zeros((item.height, item.width), np.uint8)
    full[top : top + height, left : left + width] = crop
    return Shape(label, mask=mask_rle(full).json(), attributes=attributes)


def _number(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def write_shape(image: Element, shape: Shape, item: Item) -> None:
    """The shape as a <polygon> or <mask> of `image`; a mask with no pixel is left out."""
    common = {"label": shape.label, "source": "manual",
              "occluded": "1" if shape.attributes.get("occluded") else "0"}  # fmt: skip
    extra: dict[str, str] = {}
    if shape.polygon is not None:
        rings = rings_of(shape.polygon)
        if len(rings) == 1:
            points = ";".join(f"{_number(x)},{_number(y)}" for x, y in rings[0])
            node = SubElement(image, "polygon", **common, points=points, z_order="0")
            _write_attributes(node, shape)
            return
        mask = rle_mask(polygon_rle(rings, item.height or 0, item.width or 0))
        extra[RINGS_ATTRIBUTE] = json.dumps([[list(p) for p in r] for r in rings])
    else:
        mask = rle_mask(rle_check(shape.mask))
    if not mask.any():
        return
    runs, left, top, width, height = runs_encode(mask)
    node = SubElement(image, "mask", **common, rle=", ".join(map(str, runs)), left=str(left),
                      top=str(top), width=str(width), height=str(height), z_order="0", **extra)  # fmt: skip
    _write_attributes(node, shape)


def _write_attributes(node: Element, shape: Shape) -> None:
    for key, value in shape.attributes.items():
        if key != "occluded":
            SubElement(node, "attribute", name=key).text = str(value)
