"""Proposals from predictors (stand-ins with known outputs): thresholds, margin uncertainty,
boxes clipped to the image, and the detector -> classifier two-stage pipeline."""

import pytest
from PIL import Image

from ml.autolabel import (
    classify_proposals,
    detect_proposals,
    margin_uncertainty,
    two_stage_proposals,
)
from ml.results import Classification, Detection


class Classifier:
    def __init__(self, answers):
        self.answers, self.seen = answers, []

    def classify(self, images, top_k=3):
        self.seen += [im.size for im in images]
        return [self.answers(im) for im in images]


class Detector:
    def __init__(self, boxes):
        self.boxes = boxes

    def detect(self, images, score_threshold=0.3):
        return [[d for d in self.boxes if d.score >= score_threshold] for _ in images]


def test_margin_uncertainty() -> None:
    assert margin_uncertainty(
        [Classification("a", 0.9), Classification("b", 0.1)]
    ) == pytest.approx(0.2)
    assert margin_uncertainty([Classification("a", 0.5), Classification("b", 0.5)]) == 1.0
    assert margin_uncertainty([Classification("a", 1.0)]) == 0.0
    assert margin_uncertainty([]) is None


def test_classify_threshold_and_uncertainty() -> None:
    sure = [Classification("cat", 0.95), Classification("dog", 0.05)]
    unsure = [Classification("dog", 0.55), Classification("cat", 0.45)]
    model = Classifier(lambda im: sure if im.size[0] == 10 else unsure)
    out = classify_proposals(model, [Image.new("RGB", (10, 10)), Image.new("RGB", (20, 10))], 0.6)
    assert [(p.label, p.score, p.box) for p in out[0].proposals] == [("cat", 0.95, None)]
    assert out[1].proposals == []  # below the threshold, but still scored for active learning
    assert out[1].uncertainty == pytest.approx(0.9) and out[0].uncertainty == pytest.approx(0.1)


def test_detect_clips_boxes_and_drops_empty_ones() -> None:
    boxes = [Detection(-5, 10, 20, 20, "cat", 0.9), Detection(95, 95, 30, 30, "dog", 0.6),
             Detection(120, 0, 10, 10, "dog", 0.7), Detection(0, 0, 5, 5, "cat", 0.2)]  # fmt: skip
    (result,) = detect_proposals(Detector(boxes), [Image.new("RGB", (100, 100))], 0.5)
    assert [(p.label, p.box) for p in result.proposals] == [
        ("cat", (0, 10, 15, 20)),
        ("dog", (95, 95, 5, 5)),
    ]
    assert result.uncertainty == pytest.approx(0.4)  # the least sure box decides


def test_two_stage_labels_each_crop_with_the_classifier() -> None:
    image = Image.new("RGB", (100, 60), (0, 0, 0))
    image.paste((255, 0, 0), (10, 10, 40, 40))  # a red square
    image.paste((0, 0, 255), (60, 20, 90, 50))  # a blue one
    boxes = [Detection(10, 10, 30, 30, "object", 0.9), Detection(60, 20, 30, 30, "object", 0.8),
             Detection(0, 0, 2, 2, "object", 0.99)]  # fmt: skip

    def colour(crop):
        r, _, b = crop.getpixel((crop.width // 2, crop.height // 2))
        return [Classification("red", 0.9), Classification("blue", 0.1)] if r > b else [
            Classification("blue", 0.7), Classification("red", 0.3)]  # fmt: skip

    classifier = Classifier(colour)
    (result,) = two_stage_proposals(Detector(boxes), {None: classifier}, [image], 0.5)
    assert [(p.label, round(p.score, 3), p.box) for p in result.proposals] == [
        ("red", 0.81, (10, 10, 30, 30)), ("blue", 0.56, (60, 20, 30, 30)),
    ]  # fmt: skip
    assert classifier.seen == [(30, 30), (30, 30)]  # the 2-pixel box was not worth a crop
    assert result.uncertainty == pytest.approx(0.6)  # the less certain crop (0.7 vs 0.3)
    assert (
        two_stage_proposals(Detector(boxes), {None: classifier}, [image], 0.6)[0].proposals[0].label
        == "red"
    )


def test_two_stage_asks_the_classifier_of_each_boxs_shape_class() -> None:
    """A detector of shape classes: a classifier per shape, the default for shapes without
    one, and a shape with neither keeps the detector's label; one call per classifier."""
    image = Image.new("RGB", (100, 100))
    boxes = [Detection(0, 0, 40, 10, "wide", 0.9), Detection(50, 50, 10, 40, "tall", 0.8),
             Detection(60, 0, 20, 20, "square", 0.7), Detection(0, 60, 30, 8, "wide", 0.6)]  # fmt: skip
    wide = Classifier(lambda crop: [Classification("car", 1.0), Classification("bus", 0.0)])
    tall = Classifier(lambda crop: [Classification("person", 0.5), Classification("pole", 0.5)])
    (result,) = two_stage_proposals(Detector(boxes), {"wide": wide, "tall": tall}, [image], 0.3)
    assert sorted((p.label, round(p.score, 2), p.box) for p in result.proposals) == [
        ("car", 0.6, (0, 60, 30, 8)), ("car", 0.9, (0, 0, 40, 10)),
        ("person", 0.4, (50, 50, 10, 40)), ("square", 0.7, (60, 0, 20, 20)),
    ]  # fmt: skip
    assert wide.seen == [(40, 10), (30, 8)] and tall.seen == [(10, 40)]
    assert result.uncertainty == pytest.approx(1.0)  # the tall crop: 0.5 against 0.5

    fallback = Classifier(lambda crop: [Classification("thing", 0.9), Classification("x", 0.1)])
    (result,) = two_stage_proposals(Detector(boxes), {"tall": tall, None: fallback}, [image], 0.3)
    assert sorted(p.label for p in result.proposals) == ["person", "thing", "thing", "thing"]
    assert fallback.seen == [(40, 10), (20, 20), (30, 8)]
