"""Gold scoring and consensus merging on hand-worked cases."""

import numpy as np
import pytest

from ml.agreement import (
    Labels,
    Score,
    Shape,
    gold_score,
    iou,
    labels_from,
    match_boxes,
    match_shapes,
    merge,
    shape_ious,
)
from ml.geometry import mask_outline, mask_rle, polygon_rle, rle_area, rle_mask

CAR = (0.0, 0.0, 10.0, 10.0)
CAR_SHIFTED = (0.0, 0.0, 10.0, 8.0)  # IoU 80/100 = 0.8 with CAR
CAR_FAR = (0.0, 0.0, 10.0, 4.0)  # IoU 0.4 with CAR: below the bar
PERSON = (50.0, 50.0, 20.0, 20.0)


def test_iou_and_one_to_one_matching():
    assert iou(CAR, CAR_SHIFTED) == pytest.approx(0.8)
    assert iou(CAR, PERSON) == 0.0
    # Two attempts at one reference box: only the better one matches.
    assert match_boxes([CAR], [CAR_SHIFTED, CAR]) == [(0, 1, 1.0)]
    assert match_boxes([CAR], [CAR_FAR]) == []


def test_tags_accuracy_counts_each_label_either_side_once():
    reference = Labels(frozenset({"cat", "indoor"}))
    attempt = Labels(frozenset({"cat", "dog"}))
    score = gold_score(reference, attempt)
    # cat right; indoor missed; dog wrongly added -> 1 of 3 decisions right.
    assert score.overall.tag_accuracy == pytest.approx(1 / 3)
    assert score.by_label["cat"].tag_accuracy == 1.0
    assert score.by_label["indoor"].tag_accuracy == 0.0
    assert score.by_label["dog"].tag_accuracy == 0.0
    assert gold_score(Labels(), Labels()).overall.tag_accuracy is None


def test_boxes_precision_recall_and_mean_iou_within_a_class():
    reference = Labels(boxes=(("car", CAR), ("person", PERSON)))
    # The car is found (IoU 0.8); the person is drawn as a car (wrong class: no match);
    # a loose extra car (IoU 0.4) is not a match either.
    attempt = Labels(boxes=(("car", CAR_SHIFTED), ("car", PERSON), ("car", CAR_FAR)))
    score = gold_score(reference, attempt)
    assert (score.overall.matched, score.overall.attempt_boxes, score.overall.reference_boxes) == (
        1,
        3,
        2,
    )
    assert score.overall.precision == pytest.approx(1 / 3)
    assert score.overall.recall == pytest.approx(1 / 2)
    assert score.overall.mean_iou == pytest.approx(0.8)
    assert score.by_label["person"].recall == 0.0 and score.by_label["person"].precision is None
    assert (
        score.by_label["car"].precision == pytest.approx(1 / 3)
        and score.by_label["car"].recall == 1.0
    )
    # Agreement: box F1 = 2 * 1 / (2 + 3) = 0.4, no tags.
    assert score.overall.agreement == pytest.approx(0.4)


def test_scores_combine_over_images():
    perfect = gold_score(Labels(frozenset({"cat"})), Labels(frozenset({"cat"})))
    wrong = gold_score(Labels(frozenset({"cat"})), Labels(frozenset({"dog"})))
    total = Score.combine([perfect, wrong])
    # 1 right of 3 decisions (cat, cat, dog).
    assert total.overall.tag_accuracy == pytest.approx(1 / 3)
    assert total.by_label["cat"].tag_accuracy == pytest.approx(1 / 2)


def test_merge_majority_tags_and_fused_boxes():
    a = Labels(frozenset({"cat"}), (("car", CAR), ("person", PERSON)))
    b = Labels(frozenset({"cat", "dog"}), (("car", CAR_SHIFTED),))
    c = Labels(frozenset({"dog", "cat"}), (("car", CAR), ("car", (80.0, 0.0, 5.0, 5.0))))
    merged = merge([a, b, c])
    assert merged.tags == {"cat": 3, "dog": 2}
    assert merged.tag_votes == {"cat": 3, "dog": 2}
    [car] = merged.boxes
    assert car.label == "car" and car.votes == 3
    assert car.box == pytest.approx((0.0, 0.0, 10.0, 28 / 3))
    # The lone person and the lone far car are below the quorum of 2.
    assert merged.unmatched == 2
    assert 0 < merged.agreement < 1
    # With a quorum of 1 everything anyone drew is kept.
    assert len(merge([a, b, c], quorum=1).boxes) == 3


def test_merge_of_identical_attempts_agrees_fully():
    same = Labels(frozenset({"cat"}), (("car", CAR),))
    merged = merge([same, same])
    assert merged.agreement == 1.0 and merged.unmatched == 0
    assert merged.boxes[0].box == CAR and merged.boxes[0].mean_iou == 1.0


def test_labels_from_annotation_rows():
    labels = labels_from(
        [
            {"kind": "tag", "label": "cat"},
            {"kind": "box", "label": "car", "box": {"x": 1, "y": 2, "w": 3, "h": 4}},
        ]
    )
    assert labels == Labels(frozenset({"cat"}), (("car", (1.0, 2.0, 3.0, 4.0)),))
    with pytest.raises(ValueError):
        labels_from([{"kind": "box", "label": "car", "box": None}])


# ---- polygons and masks -------------------------------------------------------------------
# A 20 x 20 image. COCO rasterises a polygon with whole-number corners to exactly the pixels
# inside it: the square (0, 0)-(10, 10) is columns 0-9, rows 0-9, 100 pixels.

H = W = 20


def _poly(x0: float, y0: float, x1: float, y1: float) -> Shape:
    return Shape.of_polygon([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]], H, W)


def _mask(rows: slice, cols: slice) -> Shape:
    m = np.zeros((H, W), np.uint8)
    m[rows, cols] = 1
    return Shape.of_mask(mask_rle(m))


SQ = _poly(0, 0, 10, 10)  # 100 px
SQ_MASK = _mask(slice(0, 10), slice(0, 8))  # 80 px inside SQ: IoU 0.8 (a mask against a polygon)
SQ_LOOSE = _poly(0, 0, 10, 4)  # 40 px inside SQ: IoU 0.4, below the bar
DOT = _poly(12, 12, 18, 18)


def test_polygons_and_masks_are_matched_by_mask_iou_across_kinds():
    assert shape_ious([SQ], [SQ_MASK, SQ_LOOSE, DOT]) == [pytest.approx([0.8, 0.4, 0.0])]
    assert match_shapes([SQ], [SQ_LOOSE, SQ_MASK]) == [(0, 1, pytest.approx(0.8))]
    assert match_shapes([SQ], [SQ_LOOSE]) == []


def test_shapes_precision_recall_mean_iou_and_agreement_over_kinds():
    reference = Labels(boxes=(("car", CAR),), shapes=(("car", SQ), ("person", DOT)))
    attempt = Labels(boxes=(("car", CAR),), shapes=(("car", SQ_MASK), ("car", SQ_LOOSE)))
    score = gold_score(reference, attempt)
    o = score.overall
    assert (o.shapes_matched, o.attempt_shapes, o.reference_shapes) == (1, 2, 2)
    assert o.shape_precision == 0.5 and o.shape_recall == 0.5
    assert o.shape_mean_iou == pytest.approx(0.8)
    # box F1 = 1 (one box each, matched); shape F1 = 2 * 1 / (2 + 2) = 0.5 -> mean 0.75
    assert o.agreement == pytest.approx(0.75)
    car = score.by_label["car"]  # box F1 1, shape F1 2 * 1 / (1 + 2)
    assert car.agreement == pytest.approx((1 + 2 / 3) / 2)
    person = score.by_label["person"]
    assert person.shape_recall == 0.0 and person.shape_precision is None
    assert person.agreement == 0.0
    assert Score.combine([score, score]).overall.shape_mean_iou == pytest.approx(0.8)


def test_merge_votes_pixels_and_traces_a_polygon_when_all_were_polygons():
    # A: columns 0-9 x rows 0-9; B: columns 0-9 x rows 0-7; C: columns 2-11 x rows 0-9.
    # IoU(A, B) = 0.8, IoU(A, C) = 80 / 120: one group of three. A pixel needs 2 votes:
    # columns 0-1 x rows 0-7 (A, B) and columns 2-9 x rows 0-9 (A and C at least): an L of 96.
    a, b, c = _poly(0, 0, 10, 10), _poly(0, 0, 10, 8), _poly(2, 0, 12, 10)
    merged = merge([Labels(shapes=(("car", a),)), Labels(shapes=(("car", b),)),
                    Labels(shapes=(("car", c), ("car", DOT)))])  # fmt: skip
    [car] = merged.shapes
    assert car.votes == 3 and car.label == "car" and car.shape.kind == "polygon"
    assert car.shape.polygon == [[(0, 0), (10, 0), (10, 10), (2, 10), (2, 8), (0, 8)]]
    assert rle_area(car.shape.rle) == 96
    assert (rle_mask(polygon_rle(car.shape.polygon, H, W)) == rle_mask(car.shape.rle)).all()
    assert car.mean_iou == pytest.approx((96 / 100 + 80 / 96 + 80 / 116) / 3)
    assert merged.unmatched_shapes == 1  # the lone dot
    # Quorum 1: every group kept, and a pixel anyone covered: the union, 10 + 2 columns.
    union = merge([Labels(shapes=(("car", a),)), Labels(shapes=(("car", c),))], quorum=1)
    assert [rle_area(s.shape.rle) for s in union.shapes] == [120]


def test_merge_with_a_mask_in_the_group_gives_a_mask():
    merged = merge([Labels(shapes=(("car", SQ),)), Labels(shapes=(("car", SQ_MASK),))])
    [car] = merged.shapes
    # Two shapes: a pixel needs both -> the mask's 80 pixels.
    assert car.shape.kind == "mask" and car.shape.polygon is None
    assert rle_area(car.shape.rle) == 80 and car.mean_iou == pytest.approx((0.8 + 1.0) / 2)
    assert 0 < merged.agreement <= 1


def test_mask_outline_follows_pixel_edges_holes_and_refuses_two_regions():
    m = np.zeros((H, W), np.uint8)
    m[2:12, 2:12] = 1
    m[5:7, 5:8] = 0  # a hole
    rings = mask_outline(m)
    assert rings is not None and len(rings) == 2
    assert rings[0] == [(2, 2), (12, 2), (12, 12), (2, 12)]
    assert (rle_mask(polygon_rle(rings, H, W)) == m).all()
    m[15, 15] = 1  # a second region
    assert mask_outline(m) is None
    diagonal = np.eye(3, dtype=np.uint8)  # touching only at corners: three regions
    assert mask_outline(diagonal) is None
    assert mask_outline(np.zeros((3, 3), np.uint8)) is None


def test_labels_from_polygon_and_mask_rows():
    rle = SQ_MASK.rle.json()
    labels = labels_from(
        [{"kind": "polygon", "label": "car", "polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]},
         {"kind": "mask", "label": "car", "mask": rle}], size=(H, W),
    )  # fmt: skip
    assert [s.kind for _, s in labels.shapes] == ["polygon", "mask"]
    assert labels.shapes[0][1].rle == SQ.rle
    with pytest.raises(ValueError):
        labels_from([{"kind": "polygon", "label": "car", "polygon": [[0, 0], [1, 0], [1, 1]]}])
