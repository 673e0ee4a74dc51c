"""ml/mistakes.py: confident disagreement scores high, agreement low, doubt in between; for
detection each kind of disagreement (another class, a box the model found and nobody drew, a
box nobody else sees) is named with its box."""

import pytest

from ml.mistakes import (
    Predicted,
    classification_mistakenness,
    detection_mistakenness,
    iou,
)


def test_a_confident_other_class_scores_near_one_and_is_named() -> None:
    verdict = classification_mistakenness({"cat": 0.96, "dog": 0.03, "fox": 0.01}, ["dog"])
    assert verdict.score == pytest.approx((1 + 0.96 - 0.03) / 2)
    [suspect] = verdict.suspects
    assert (suspect.kind, suspect.label, suspect.given) == ("wrong_label", "cat", "dog")


def test_agreement_scores_low_and_doubt_in_between() -> None:
    agree = classification_mistakenness({"dog": 0.97, "cat": 0.03}, ["dog"])
    torn = classification_mistakenness({"dog": 0.5, "cat": 0.5}, ["dog"])
    sure_other = classification_mistakenness({"cat": 0.99, "dog": 0.01}, ["dog"])
    assert agree.score < 0.05 and not agree.suspects
    assert torn.score == pytest.approx(0.5) and not torn.suspects  # not a disagreement
    assert agree.score < torn.score < sure_other.score


def test_a_label_outside_the_top_k_counts_as_zero_and_no_label_no_score() -> None:
    assert classification_mistakenness({"cat": 0.6, "fox": 0.3}, ["dog"]).score == pytest.approx(
        0.8
    )
    assert classification_mistakenness({"cat": 0.6}, []).score == 0.0


def test_several_labels_take_the_worst_against_a_class_nobody_gave() -> None:
    verdict = classification_mistakenness({"cat": 0.7, "dog": 0.25, "fox": 0.05}, ["cat", "fox"])
    # cat is given too, so it is not fox's rival: dog is
    assert verdict.score == pytest.approx((1 + 0.25 - 0.05) / 2)
    [suspect] = verdict.suspects
    assert (suspect.label, suspect.given) == ("dog", "fox")


def test_a_multi_label_image_the_model_agrees_with_is_not_suspect() -> None:
    verdict = classification_mistakenness({"cat": 0.55, "dog": 0.44, "fox": 0.01}, ["cat", "dog"])
    assert verdict.suspects == []
    assert verdict.score == pytest.approx((1 + 0.01 - 0.44) / 2)


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


CAR, PERSON = (10, 10, 50, 30), (100, 20, 20, 60)


def test_detection_agreement_scores_zero() -> None:
    verdict = detection_mistakenness(
        [Predicted("car", 0.9, (11, 10, 50, 30)), Predicted("person", 0.8, PERSON)],
        [("car", CAR), ("person", PERSON)],
    )
    assert verdict.score == 0.0 and verdict.suspects == []


def test_detection_names_each_kind_of_disagreement() -> None:
    missing_box = (200, 200, 30, 30)
    verdict = detection_mistakenness(
        [
            Predicted("truck", 0.85, (12, 11, 48, 30)),  # on the car: another class
            Predicted("dog", 0.7, missing_box),  # nobody drew it
            Predicted("car", 0.04, (300, 300, 5, 5)),  # too weak to show
        ],
        [("car", CAR), ("person", PERSON)],  # nothing near the person
    )
    kinds = [(s.kind, s.label, s.given, s.box) for s in verdict.suspects]
    assert kinds == [
        ("wrong_label", "truck", "car", CAR),
        ("missing", "dog", None, missing_box),
        ("spurious", None, "person", PERSON),
    ]
    assert verdict.score == pytest.approx(0.85)
    assert verdict.suspects[-1].score == pytest.approx(0.5)


def test_a_weak_overlap_makes_a_box_less_suspect() -> None:
    alone = detection_mistakenness([], [("person", PERSON)])
    near = detection_mistakenness(
        [Predicted("person", 0.4, (105, 40, 20, 60))], [("person", PERSON)]
    )
    assert alone.score == pytest.approx(0.5)
    # IoU 1/3: too little to match, enough to count as the model seeing something there
    assert [(s.kind, s.score) for s in near.suspects] == [
        ("missing", pytest.approx(0.4)), ("spurious", pytest.approx(0.5 * (1 - 0.4)))
    ]  # fmt: skip


def test_each_prediction_matches_one_box() -> None:
    """Two boxes, one prediction over both: the closer box is matched, the other spurious."""
    verdict = detection_mistakenness(
        [Predicted("car", 0.9, (0, 0, 10, 10))],
        [("car", (0, 0, 10, 10)), ("car", (1, 0, 10, 10))],
    )
    assert [s.kind for s in verdict.suspects] == []  # the second scores 0.5 * 0.1 < shown
    assert verdict.score == pytest.approx(0.5 * (1 - 0.9))


def test_a_second_guess_at_a_matched_object_is_not_a_missing_box() -> None:
    verdict = detection_mistakenness(
        [Predicted("car", 0.9, CAR), Predicted("truck", 0.6, (11, 10, 50, 30))],
        [("car", CAR)],
    )
    assert verdict.score == 0.0 and verdict.suspects == []


def test_suspects_serialise_for_the_api() -> None:
    row = detection_mistakenness([], [("car", CAR)]).suspects[0].as_dict()
    assert row == {"kind": "spurious", "score": 0.5, "label": None, "given": "car",
                   "box": {"x": 10, "y": 10, "w": 50, "h": 30}}  # fmt: skip
