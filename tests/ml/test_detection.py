"""A detector trained from scratch (no pretrained weights exist offline) on synthetic scenes
whose boxes are known exactly, evaluated with pycocotools through train()'s own validation.

The run is seeded and reproduces exactly on one host, but float differences between CPUs change
the path training takes: after 200 steps one 2-core host measured mAP@0.5 0.527, another (this
session's and CI's) 0.191, still climbing. 400 steps give that slower host 0.505 (mAP 0.205),
~3 min. Floor: 0.40. Chance (random boxes) scores ~0.00 (test_coco_map_perfect_shifted_and_chance)."""

import random
import time
from pathlib import Path

import pytest

from ml.config import TrainConfig
from ml.evaluate import coco_map
from ml.manifest import Manifest, Sample
from ml.predict import load_model
from ml.synthetic import shapes_manifest
from ml.train import train

ARCH = "fasterrcnn_mobilenet_v3_large_fpn"  # the fastest of the three detectors on a CPU
MAP50_FLOOR = 0.40
PARAMS = {
    "epochs": 20, "batch_size": 8, "image_size": 96, "optimizer": "sgd", "lr": 0.06,
    "weight_decay": 1e-4, "augment": 0.5, "num_workers": 0, "cache": "cpu",
}  # fmt: skip


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return shapes_manifest(tmp_path_factory.mktemp("scenes"), n_train=160, n_val=40, width=120,
                           height=96, num_classes=2, max_objects=2, size_range=(0.3, 0.5))  # fmt: skip


def test_detector_beats_map50_floor(scenes: Manifest, tmp_path: Path) -> None:
    config = TrainConfig.from_params(task="detect", architecture_name=ARCH, params=PARAMS)
    t0 = time.perf_counter()
    result = train(scenes, config, tmp_path)
    seconds = time.perf_counter() - t0
    print(f"\n{ARCH}: mAP@0.5 {result.best_metrics['map50']:.3f}, "
          f"mAP {result.best_metrics['map']:.3f} in {seconds:.0f}s ({result.step} steps)")  # fmt: skip
    assert result.status == "completed" and result.step == 400
    assert set(result.best_metrics) == {"map", "map50"}
    assert result.best_metrics["map50"] >= MAP50_FLOOR

    predictor = load_model(result.weights_path, ARCH, scenes.classes, 96)
    val = scenes.split("val")
    detections = predictor.detect([scenes.resolve(s) for s in val], score_threshold=0.2)
    found = 0
    for sample, boxes in zip(val, detections, strict=True):
        for x, y, w, h, c in sample.boxes:
            found += any(
                d.label == scenes.classes[c] and _iou((x, y, w, h), (d.x, d.y, d.w, d.h)) > 0.5
                for d in boxes
            )
    assert found / sum(len(s.boxes) for s in val) > 0.7  # recall at IoU 0.5 (measured 0.91)


def _iou(a: tuple, b: tuple) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_coco_map_perfect_shifted_and_chance(scenes: Manifest) -> None:
    val = scenes.split("val")
    perfect = {i: [(*b[:4], b[4], 1.0) for b in s.boxes] for i, s in enumerate(val)}
    assert coco_map(val, perfect, 2, 0.05) == {
        "map": pytest.approx(1.0),
        "map50": pytest.approx(1.0),
    }
    shifted = {i: [(b[0] + b[2] * 0.3, b[1], b[2], b[3], b[4], 1.0) for b in s.boxes]
               for i, s in enumerate(val)}  # fmt: skip
    scores = coco_map(val, shifted, 2, 0.05)  # IoU ~0.54: counts at 0.5, not above 0.55
    assert scores["map50"] == pytest.approx(1.0) and scores["map"] < 0.2
    rng = random.Random(0)
    chance = {
        i: [(rng.uniform(0, 80), rng.uniform(0, 60), rng.uniform(20, 50), rng.uniform(20, 50),
             rng.randrange(2), rng.random()) for _ in range(10)]
        for i in range(len(val))
    }  # fmt: skip
    assert coco_map(val, chance, 2, 0.05)["map50"] < 0.1
    assert coco_map(val, {}, 2, 0.05) == {"map": 0.0, "map50": 0.0}


def test_detection_loop_on_tiny_set(tmp_path: Path) -> None:
    """FCOS (no background class) through the same loop: labels map back to class names."""
    manifest = shapes_manifest(tmp_path / "data", n_train=4, n_val=2, width=64, height=64)
    manifest.samples.append(Sample("scenes/00000.jpg", "x", "train", weight=2.0))  # no boxes
    params = {**PARAMS, "epochs": 1, "batch_size": 5, "image_size": 64, "optimizer": "adamw",
              "lr": 1e-4, "cache": "none"}  # fmt: skip
    config = TrainConfig.from_params(
        task="detect", architecture_name="fcos_resnet50_fpn", params=params
    )
    result = train(manifest, config, tmp_path / "run")
    assert result.status == "completed" and result.step == 1
    assert set(result.best_metrics) == {"map", "map50"}
    predictor = load_model(result.weights_path, "fcos_resnet50_fpn", manifest.classes, 64)
    (rows,) = predictor.detect([manifest.resolve(manifest.samples[0])], score_threshold=0.0)
    assert all(r.label in manifest.classes and r.w >= 0 for r in rows)
