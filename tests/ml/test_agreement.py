"""Gold scoring and consensus merging on hand-worked cases."""

import pytest

from ml.agreement import Labels, Score, gold_score, iou, labels_from, match_boxes, merge

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
