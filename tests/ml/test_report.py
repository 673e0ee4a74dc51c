"""Held-out reports on tiny cases worked out by hand."""

import pytest
from PIL import Image

from ml.evaluate import coco_map
from ml.holdout import evaluate_holdout, holdout_samples
from ml.manifest import Manifest, Sample
from ml.report import classification_report
from ml.results import Classification, Detection


def test_classification_report_known_case() -> None:
    # true:  a a a b b c      predicted: a a b b c c
    report = classification_report([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], ["a", "b", "c"])
    assert report["confusion"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert report["accuracy"] == pytest.approx(4 / 6) and report["count"] == 6
    a, b, c = report["per_class"]
    assert (a["precision"], a["recall"]) == (1.0, pytest.approx(2 / 3))
    assert (b["precision"], b["recall"]) == (0.5, 0.5)
    assert (c["precision"], c["recall"]) == (0.5, 1.0)
    assert a["f1"] == pytest.approx(0.8) and c["f1"] == pytest.approx(2 / 3)
    assert [row["support"] for row in report["per_class"]] == [3, 2, 1]
    assert report["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_undefined_ratios_are_none_not_zero() -> None:
    report = classification_report([0, 0], [0, 0], ["a", "b"])
    b = report["per_class"][1]
    assert b == {"label": "b", "precision": None, "recall": None, "f1": None, "support": 0}
    assert report["macro_f1"] == 1.0  # classes absent from the split do not count
    assert classification_report([], [], ["a"])["accuracy"] is None


class FakeClassifier:
    """Predicts from the image colour: red -> a, otherwise b."""

    def classify(self, paths, top_k=1):
        out = []
        for p in paths:
            r, _, b = Image.open(p).convert("RGB").getpixel((0, 0))
            out.append([Classification("a" if r > b else "b", 0.9)])
        return out


def _png(tmp_path, name, color):
    path = tmp_path / name
    Image.new("RGB", (8, 8), color).save(path)
    return str(path)


def test_holdout_prefers_the_test_split(tmp_path) -> None:
    red, blue = (200, 0, 0), (0, 0, 200)
    samples = [
        Sample(_png(tmp_path, "t1.png", red), "1", "train", labels=[0]),
        Sample(_png(tmp_path, "v1.png", red), "2", "val", labels=[0]),
        Sample(_png(tmp_path, "x1.png", red), "3", "test", labels=[0]),
        Sample(_png(tmp_path, "x2.png", blue), "4", "test", labels=[0]),  # mislabelled on purpose
        Sample(_png(tmp_path, "x3.png", blue), "5", "test", labels=[1]),
        Sample(_png(tmp_path, "x4.png", blue), "6", "test", labels=[]),  # unlabelled: left out
    ]
    manifest = Manifest("classify", ["a", "b"], samples)
    split, chosen = holdout_samples(manifest)
    assert split == "test" and len(chosen) == 3
    report = evaluate_holdout(FakeClassifier(), manifest)
    assert report["split"] == "test" and report["count"] == 3
    assert report["confusion"] == [[1, 1], [0, 1]]
    no_test = Manifest("classify", ["a", "b"], samples[:2])
    assert holdout_samples(no_test)[0] == "val"


def test_per_class_ap_for_detections() -> None:
    samples = [
        Sample(
            "a",
            "1",
            "test",
            boxes=[(10, 10, 20, 20, 0), (50, 50, 10, 10, 1)],
            width=100,
            height=100,
        )
    ]
    perfect = {0: [(10, 10, 20, 20, 0, 0.9)]}  # class 0 found exactly, class 1 missed
    scores = coco_map(samples, perfect, 2, 0.0, per_class=True)
    ap0, ap1 = scores["per_class_ap"]
    assert ap0["ap"] == pytest.approx(1.0) and ap0["ap50"] == pytest.approx(1.0)
    assert ap1["ap"] == 0.0
    assert scores["map"] == pytest.approx(0.5)


class FakeDetector:
    def detect(self, paths, score_threshold=0.0):
        return [[Detection(10, 10, 20, 20, "cat", 0.8)] for _ in paths]


def test_holdout_detection_report(tmp_path) -> None:
    samples = [
        Sample(
            _png(tmp_path, "d.png", (0, 0, 0)),
            "1",
            "test",
            boxes=[(10, 10, 20, 20, 0)],
            width=8,
            height=8,
        ),
    ]
    report = evaluate_holdout(FakeDetector(), Manifest("detect", ["cat", "dog"], samples))
    assert report["map50"] == pytest.approx(1.0)
    assert [(r["label"], r["support"]) for r in report["per_class"]] == [("cat", 1), ("dog", 0)]
    assert report["per_class"][1]["ap"] is None
