"""mAP@0.5 of a detector with torchvision's default anchors against anchors from data, on
synthetic scenes whose objects have unusual aspect ratios.

Data: textured scenes (ml.synthetic's bundled grey textures, tinted) with up to three
non-overlapping bars (class "bar", filled rectangles) and capsules (class "capsule",
ellipses), each either tall (w:h about 1:4) or wide (about 4:1), their long side 50-85% of
the image's shorter side; train / val / test splits drawn from one seeded generator.
Anchors from data: ml.boxstats.anchors (YOLO's IoU k-means, k=--k) of the train boxes at the
detector's scale, given as TrainConfig.anchors. The same detector (Faster R-CNN
MobileNetV3-Large FPN from scratch, the parameters of tests/ml/test_detection.py) is trained
twice with the same seed, once with each set of anchors; the best epoch (on val) of each is
scored on the test split with ml.holdout.evaluate_holdout (pycocotools mAP@0.5).
Also printed: the mean best IoU of the train boxes with each anchor set (YOLO's "avg IoU").

    python bench/anchors_map.py                         # CPU, 300 steps a run (~8 min, 2 cores)
    python bench/anchors_map.py --steps 400 --seed 1
    python bench/anchors_map.py --device cuda --steps 2000 --image-size 192

No Django: this imports ml/ only.
"""

import argparse
import colorsys
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from torchvision.models.detection.image_list import ImageList  # noqa: E402
from torchvision.ops import box_iou  # noqa: E402

from ml.boxstats import anchors as data_anchors  # noqa: E402
from ml.boxstats import wh_iou  # noqa: E402
from ml.config import TrainConfig  # noqa: E402
from ml.holdout import evaluate_holdout  # noqa: E402
from ml.manifest import Box, Manifest, Sample  # noqa: E402
from ml.predict import load_model  # noqa: E402
from ml.registry import build  # noqa: E402
from ml.sizes import training_scale  # noqa: E402
from ml.synthetic import _texture  # noqa: E402
from ml.train import train  # noqa: E402

ARCH = "fasterrcnn_mobilenet_v3_large_fpn"
CLASSES = ("bar", "capsule")
# tests/ml/test_detection.py's recipe (from scratch at 96 px), epochs set from --steps
PARAMS = {
    "batch_size": 8, "optimizer": "sgd", "lr": 0.06, "weight_decay": 1e-4,
    "augment": 0.5, "num_workers": 0, "cache": "cpu",
}  # fmt: skip
# torchvision's default for this detector: every size on each of its 3 levels, 3 ratios
DEFAULT_SIZES = (32, 64, 128, 256, 512)
DEFAULT_RATIOS = (0.5, 1.0, 2.0)  # h / w


def _colour(rng: random.Random) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.6, 1.0), rng.uniform(0.75, 1.0))
    return int(r * 255), int(g * 255), int(b * 255)


def _shape(rng: random.Random, short: int, long_range: tuple[float, float],
           ratio_range: tuple[float, float]) -> tuple[int, int]:  # fmt: skip
    """(w, h) of one object: tall or wide with equal odds, long side / short side drawn
    from `ratio_range`."""
    long = rng.uniform(*long_range) * short
    thin = max(3.0, long / rng.uniform(*ratio_range))
    w, h = (thin, long) if rng.random() < 0.5 else (long, thin)
    return round(w), round(h)


def scene(rng: random.Random, width: int, height: int, max_objects: int = 3,
          long_range: tuple[float, float] = (0.5, 0.85),
          ratio_range: tuple[float, float] = (3.5, 4.5)
          ) -> tuple[Image.Image, list[Box]]:  # fmt: skip
    """One textured scene with 1..max_objects non-overlapping tall or wide objects."""
    image = _texture(rng, width, height)
    draw = ImageDraw.Draw(image)
    boxes: list[Box] = []
    for _ in range(rng.randint(1, max_objects)):
        for _attempt in range(30):
            w, h = _shape(rng, min(width, height), long_range, ratio_range)
            if w > width or h > height:
                continue
            x, y = rng.randint(0, width - w), rng.randint(0, height - h)
            if all(x + w + 2 <= bx or bx + bw + 2 <= x or y + h + 2 <= by or by + bh + 2 <= y
                   for bx, by, bw, bh, _ in boxes):  # fmt: skip
                cls = rng.randrange(len(CLASSES))
                corners = [x, y, x + w - 1, y + h - 1]
                (draw.rectangle if cls == 0 else draw.ellipse)(corners, fill=_colour(rng))
                boxes.append((float(x), float(y), float(w), float(h), cls))
                break
    return image, boxes


def scenes_manifest(out_dir: Path, n_train: int, n_val: int, n_test: int, width: int,
                    height: int, seed: int) -> Manifest:  # fmt: skip
    """The scenes as JPEG files with a manifest (train, val and test splits)."""
    (out_dir / "scenes").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    samples = []
    for i, split in enumerate(["train"] * n_train + ["val"] * n_val + ["test"] * n_test):
        image, boxes = scene(rng, width, height)
        rel = f"scenes/{i:05d}.jpg"
        image.save(out_dir / rel, quality=90)
        samples.append(Sample(path=rel, sha256=f"tall-wide-{seed}-{i}", split=split,
                              boxes=boxes, width=width, height=height, image_id=i))  # fmt: skip
    return Manifest("detect", list(CLASSES), samples, root=str(out_dir))


def training_wh(manifest: Manifest, image_size: int) -> np.ndarray:
    """Train boxes' (w, h) at the detector's scale (ml.sizes.training_scale: torchvision's
    resize of the shorter side to image_size, the longer one capped)."""
    rows = []
    for sample in manifest.split("train"):
        scale = float(training_scale(sample.width, sample.height, image_size))
        rows += [[w * scale, h * scale] for _, _, w, h, _ in sample.boxes]
    return np.array(rows, dtype=np.float64)


def default_anchor_shapes() -> np.ndarray:
    """torchvision's default anchors for this detector as (w, h): w = s / sqrt(r),
    h = s * sqrt(r) for size s and ratio r = h / w."""
    return np.array([[s / math.sqrt(r), s * math.sqrt(r)]
                     for s in DEFAULT_SIZES for r in DEFAULT_RATIOS])  # fmt: skip


def grid_match(manifest: Manifest, image_size: int, anchors: list[list[float]] | None
               ) -> tuple[float, float]:  # fmt: skip
    """How well the anchors the RPN actually places (every shape at every position of each
    feature map) fit the train boxes: the mean best IoU per box, and the share of boxes with
    an anchor at IoU >= 0.7 (the RPN's foreground threshold). Unlike the shape-only IoU,
    this counts the grid: at stride 32 a 13 px wide box rarely sits on an anchor centre."""
    model = build(ARCH, len(CLASSES), image_size=image_size, anchors=anchors).eval()
    best: list[float] = []
    for sample in manifest.split("train"):
        scale = float(training_scale(sample.width, sample.height, image_size))
        h, w = round(sample.height * scale), round(sample.width * scale)
        x = torch.zeros(1, 3, h, w)
        with torch.no_grad():
            grid = model.rpn.anchor_generator(ImageList(x, [(h, w)]),
                                              list(model.backbone(x).values()))[0]  # fmt: skip
        boxes = torch.tensor([[bx * scale, by * scale, (bx + bw) * scale, (by + bh) * scale]
                              for bx, by, bw, bh, _ in sample.boxes])  # fmt: skip
        best += box_iou(boxes, grid).max(dim=1).values.tolist()
    values = np.array(best)
    return float(values.mean()), float((values >= 0.7).mean())


def run(manifest: Manifest, anchors: list[list[float]] | None, args: argparse.Namespace,
        out_dir: Path) -> dict[str, float]:  # fmt: skip
    """Train once (default anchors when `anchors` is None); score the best epoch on test."""
    steps_per_epoch = math.ceil(len(manifest.split("train")) / PARAMS["batch_size"])
    params = {**PARAMS, "epochs": max(1, round(args.steps / steps_per_epoch)),
              "image_size": args.image_size, "seed": args.seed, "device": args.device,
              "anchors": anchors}  # fmt: skip
    config = TrainConfig.from_params(task="detect", architecture_name=ARCH, params=params)
    t0 = time.perf_counter()
    result = train(manifest, config, out_dir)
    seconds = time.perf_counter() - t0
    assert result.weights_path is not None
    device = "cuda" if args.device.startswith("cuda") else "cpu"
    predictor = load_model(result.weights_path, ARCH, manifest.classes, config.image_size,
                           device)  # fmt: skip
    test = evaluate_holdout(predictor, manifest, args.seed)
    return {"test_map50": test["map50"], "test_map": test["map"],
            "val_map50": result.best_metrics.get("map50", 0.0), "steps": result.step,
            "seconds": seconds}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--steps", type=int, default=300, help="training steps per run")
    parser.add_argument("--seed", type=int, default=0, help="data, training and k-means seed")
    parser.add_argument("--k", type=int, default=9, help="anchors from data (k-means k)")
    parser.add_argument("--image-size", type=int, default=96,
                        help="training size: scenes are 4:3 with this height")  # fmt: skip
    parser.add_argument("--train", type=int, default=160, help="train scenes")
    parser.add_argument("--val", type=int, default=40, help="val scenes (pick the best epoch)")
    parser.add_argument("--test", type=int, default=80, help="test scenes (scored)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()

    image_size = args.image_size
    with tempfile.TemporaryDirectory(prefix="anchors-map-") as tmp:
        work = Path(tmp)
        manifest = scenes_manifest(work / "data", args.train, args.val, args.test,
                                   round(image_size * 4 / 3), image_size, args.seed)  # fmt: skip
        wh = training_wh(manifest, image_size)
        priors, data_iou = data_anchors(wh, k=args.k, image_size=image_size, seed=args.seed)
        default_iou = float(wh_iou(wh, default_anchor_shapes()).max(axis=1).mean())
        generator = build(ARCH, len(CLASSES), image_size=image_size,
                          anchors=priors.tolist()).rpn.anchor_generator  # fmt: skip
        print(
            f"{ARCH} at {image_size} px, {args.steps} steps per run, seed {args.seed}, "
            f"device {args.device}; {len(wh)} train boxes "
            f"(w:h from {np.min(wh[:, 0] / wh[:, 1]):.2f} to {np.max(wh[:, 0] / wh[:, 1]):.2f})"
        )
        print(
            f"default anchors: sizes {DEFAULT_SIZES} on each of 3 levels, ratios (h/w) "
            f"{DEFAULT_RATIOS}; mean best IoU of the train boxes {default_iou:.3f}"
        )
        print(
            f"anchors from data (k={len(priors)}, w x h px): "
            + ", ".join(f"{w:g}x{h:g}" for w, h in priors)
        )
        print(
            f"  -> sizes per level {generator.sizes}, ratios (h/w) {generator.aspect_ratios[0]}; "
            f"mean best IoU of the train boxes {data_iou:.3f}"
        )
        on_grid: dict[str, tuple[float, float]] = {}
        for name, anchors in (("default", None), ("data", priors.tolist())):
            mean, share = on_grid[name] = grid_match(manifest, image_size, anchors)
            print(f"{name:>7} anchors on the feature grid: mean best IoU {mean:.3f}, "
                  f"boxes with an anchor at IoU >= 0.7: {share:.0%}")  # fmt: skip
        figures = {}
        for name, anchors in (("default", None), ("data", priors.tolist())):
            figures[name] = run(manifest, anchors, args, work / name)
            f = figures[name]
            print(f"{name:>7} anchors: test mAP@0.5 {f['test_map50']:.3f} "
                  f"(mAP {f['test_map']:.3f}), best val mAP@0.5 {f['val_map50']:.3f}, "
                  f"{f['steps']} steps in {f['seconds']:.0f} s")  # fmt: skip
    diff = figures["data"]["test_map50"] - figures["default"]["test_map50"]
    print(f"difference (data - default): test mAP@0.5 {diff:+.3f}")
    if args.json:
        print(json.dumps({"anchors": priors.tolist(), "data_iou": data_iou,
                          "default_iou": default_iou, "grid_iou": on_grid, **figures,
                          "map50_diff": diff}))  # fmt: skip


if __name__ == "__main__":
    main()
