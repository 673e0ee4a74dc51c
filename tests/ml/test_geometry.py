"""Segmentation geometry against pycocotools (the reference for COCO's RLE) and hand-worked
areas: our RLE string parser and writer agree with pycocotools on random masks, malformed
strings are refused before any C code sees them, polygons rasterise as COCO does with holes
cut out, and areas and IoUs come out as worked by hand."""

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from ml.geometry import (
    mask_rle,
    polygon_area,
    polygon_bbox,
    polygon_iou,
    polygon_rle,
    rings_of,
    rle_area,
    rle_bbox,
    rle_check,
    rle_counts,
    rle_iou,
    rle_mask,
    rle_string,
)

SQUARE = [[10, 10], [30, 10], [30, 30], [10, 30]]
HOLE = [[15, 15], [25, 15], [25, 25], [15, 25]]


@pytest.mark.parametrize("seed", range(6))
def test_rle_strings_agree_with_pycocotools(seed) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
    mask = (rng.random((h, w)) < rng.random()).astype(np.uint8)
    if seed == 0:
        mask[:] = 0  # one run of zeros
    if seed == 1:
        mask[:] = 1  # a zero-length first run
    theirs = coco_mask.encode(np.asfortranarray(mask))
    counts = theirs["counts"].decode("ascii")
    runs = rle_counts(counts)
    assert sum(runs) == h * w and rle_string(runs) == counts
    ours = mask_rle(mask)
    assert ours.counts == counts and (ours.height, ours.width) == (h, w)
    assert np.array_equal(rle_mask(rle_check(ours.json())), mask)  # identical pixel for pixel
    assert rle_area(ours) == int(mask.sum())


@pytest.mark.parametrize(("value", "message"), [
    ({"size": [4, 4], "counts": "0"}, "covers 0 pixels"),
    ({"size": [4, 4], "counts": "4\x7f"}, "never writes"),
    ({"size": [4, 4], "counts": "Z"}, "middle of a number"),
    ({"size": [4, 4]}, "a mask is"),
    ({"size": [4, True], "counts": ""}, "size"),
    ({"size": [4, 4], "counts": 16}, "compressed"),
    ({"size": [4, 4], "counts": "0@"}, "negative"),
])  # fmt: skip
def test_malformed_masks_are_refused(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        rle_check(value)


def test_polygon_area_bbox_and_holes() -> None:
    donut = rings_of([SQUARE, HOLE])
    assert polygon_area(donut) == 400 - 100
    assert polygon_bbox(donut) == (10, 10, 20, 20)
    assert rings_of([*SQUARE, SQUARE[0]]) == rings_of(SQUARE)  # a closing point is dropped
    rle = polygon_rle(donut, 40, 40)
    mask = rle_mask(rle)
    assert mask[20, 20] == 0 and mask[12, 12] == 1 and mask[5, 5] == 0  # the hole is cut out
    solid = polygon_rle(rings_of(SQUARE), 40, 40)
    assert rle_area(solid) - rle_area(rle) == pytest.approx(100, abs=25)
    assert rle_bbox(solid) == pytest.approx((10, 10, 20, 20), abs=1)


def test_ious_as_worked_by_hand() -> None:
    a = rings_of(SQUARE)
    b = rings_of([[20, 10], [40, 10], [40, 30], [20, 30]])  # half of a over a: 200 / 600
    assert polygon_iou(a, b, 50, 50) == pytest.approx(1 / 3, abs=0.03)
    assert polygon_iou(a, a, 50, 50) == 1.0
    disjoint = mask_rle(np.zeros((50, 50), np.uint8))
    assert rle_iou(polygon_rle(a, 50, 50), disjoint) == 0.0


@pytest.mark.parametrize(("value", "message"), [
    ([], "list"), ([[0, 0], [1, 1]], "at least 3"), ([[0, 0], [1, "a"], [2, 2]], "two numbers"),
    ([[0, 0], [1, float("nan")], [2, 2]], "finite"), ([[0, 0], [1, 1], [2, 2]], "no area"),
    ("square", "list"), ([[0, 0, 1], [1, 1], [2, 2]], "[x, y]"),
])  # fmt: skip
def test_malformed_polygons_are_refused(value, message) -> None:
    with pytest.raises(ValueError, match=message):
        rings_of(value)
