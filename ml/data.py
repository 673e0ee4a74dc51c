"""Images and targets from a Manifest: splits, decoding, transforms and datasets.

Splits: "train" and "unassigned" images are trained on (an unassigned image has simply not
been put in val or test by anyone); "val" is evaluated after every epoch; "test" is never
used here. Without any "val" image, a deterministic 10% of the training images (by seed) is
held out instead, and the log says so.

Classification: train = RandomResizedCrop(scale=(1 - 0.92*augment, 1), aspect ratio range
shrunk by augment too) + RandomHorizontalFlip (augment > 0) + Normalize (ImageNet mean/std);
eval (and train with augment = 0) = Resize(shorter side) + CenterCrop; a square image is just
resized. Detection: the image is resized as the detector will resize it (shorter side to
image_size, longer side capped), boxes with it; train adds RandomPhotometricDistort (ranges
scaled by augment) and RandomHorizontalFlip, then SanitizeBoundingBoxes. Model labels are
class index + registry.label_offset.
"""

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.transforms import v2

from .manifest import TRAIN_SPLITS, Manifest, Sample
from .preprocess import IMAGENET_MEAN, IMAGENET_STD, cache_side  # noqa: F401 (one copy, re-exported)
from .registry import max_size_for

HOLDOUT_FRACTION = 0.1


@dataclass
class Splits:
    train: list[Sample]
    val: list[Sample]
    notes: list[str]


def training_splits(manifest: Manifest, seed: int = 0) -> Splits:
    notes: list[str] = []
    train = [s for s in manifest.samples if s.split in TRAIN_SPLITS]
    val = manifest.split("val")
    if manifest.task == "classify":
        for name, group in (("train", train), ("val", val)):
            unlabeled = sum(1 for s in group if not s.labels)
            if unlabeled:
                notes.append(f"{unlabeled} {name} image(s) without a label are left out")
        train = [s for s in train if s.labels]
        val = [s for s in val if s.labels]
        for s in train + val:
            if not 0 <= s.labels[0] < len(manifest.classes):
                raise ValueError(f"{s.path}: class index {s.labels[0]} out of range.")
    if not train:
        raise ValueError("No training images (split train or unassigned).")
    if not val and len(train) >= 2:
        g = torch.Generator().manual_seed(int(seed) * 7919 + 17)
        order = torch.randperm(len(train), generator=g).tolist()
        k = max(1, round(HOLDOUT_FRACTION * len(train)))
        held = set(order[:k])
        val = [s for i, s in enumerate(train) if i in held]
        train = [s for i, s in enumerate(train) if i not in held]
        notes.append(
            f"no val images: holding out {len(val)} of {len(train) + len(val)} training images "
            f"(a deterministic 10%, seed {seed}) for validation"
        )
    return Splits(train, val, notes)


# ---- decoding ----------------------------------------------------------------------------


def _open(path: Path, draft_side: int | None = None) -> Image.Image:
    img = Image.open(path)
    if draft_side and img.format == "JPEG":
        img.draft("RGB", (draft_side, draft_side))  # decode at 1/2, 1/4, 1/8 scale when it can
    return img.convert("RGB")


def _to_tensor(img: Image.Image) -> torch.Tensor:
    return torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()


def shrink(img: Image.Image, side: int | None) -> Image.Image:
    """Shrink so the shorter side is `side` (never enlarged)."""
    if side and min(img.size) > side:
        scale = side / min(img.size)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)
    return img


def decode_classify(path: Path, side: int | None = None) -> torch.Tensor:
    """uint8 (3, h, w); with `side`, shrunk so the shorter side is `side` (never enlarged)."""
    return _to_tensor(shrink(_open(path, side), side))


def decode_square(path: Path, side: int) -> tuple[torch.Tensor, int, int]:
    """The whole image squashed to uint8 (3, side, side), with its original width, height."""
    img = Image.open(path)
    width, height = img.size
    if img.format == "JPEG":
        img.draft("RGB", (side, side))
    img = img.convert("RGB").resize((side, side), Image.Resampling.BILINEAR, reducing_gap=3.0)
    return _to_tensor(img), width, height


def detection_scale(width: int, height: int, image_size: int) -> float:
    """The factor the detector's own transform applies (min_size / max_size rule)."""
    return min(image_size / min(width, height), max_size_for(image_size) / max(width, height))


def decode_detect(path: Path, image_size: int) -> tuple[torch.Tensor, float, float]:
    """uint8 (3, h, w) at the detector's input scale, and the x, y factors applied."""
    return resize_for_detection(Image.open(path), image_size)


def resize_for_detection(img: Image.Image, image_size: int) -> tuple[torch.Tensor, float, float]:
    width, height = img.size
    scale = detection_scale(width, height, image_size)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if getattr(img, "format", None) == "JPEG":
        img.draft("RGB", size)
    img = img.convert("RGB")
    if img.size != size:
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)
    return _to_tensor(img), size[0] / width, size[1] / height


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Decode with threads (Pillow releases the GIL while decoding and resizing)."""
    workers = min(16, os.cpu_count() or 1, max(1, len(items)))
    if workers == 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items, chunksize=8))


# ---- transforms --------------------------------------------------------------------------


def _ratio(augment: float) -> tuple[float, float]:
    r = math.log(4 / 3) * augment
    return (math.exp(-r), math.exp(r))


def _normalize() -> list[v2.Transform]:
    return [v2.ToDtype(torch.float32, scale=True), v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)]


def classify_eval_transform(image_size: int) -> v2.Compose:
    return v2.Compose(
        [v2.Resize(image_size, antialias=True), v2.CenterCrop(image_size), *_normalize()]
    )


def classify_train_transform(image_size: int, augment: float) -> v2.Compose:
    if augment <= 0:
        return classify_eval_transform(image_size)
    crop = v2.RandomResizedCrop(
        image_size, scale=(1 - 0.92 * augment, 1.0), ratio=_ratio(augment), antialias=True
    )
    return v2.Compose([crop, v2.RandomHorizontalFlip(), *_normalize()])


def detect_train_transform(augment: float) -> v2.Compose:
    steps: list[v2.Transform] = []
    if augment > 0:
        a = augment
        steps += [
            v2.RandomPhotometricDistort(
                brightness=(1 - 0.25 * a, 1 + 0.25 * a),
                contrast=(1 - 0.5 * a, 1 + 0.5 * a),
                saturation=(1 - 0.5 * a, 1 + 0.5 * a),
                hue=(-0.05 * a, 0.05 * a),
                p=0.5,
            ),
            v2.RandomHorizontalFlip(),
        ]
    return v2.Compose([*steps, v2.ToDtype(torch.float32, scale=True), v2.SanitizeBoundingBoxes()])


def detect_eval_transform() -> v2.Compose:
    return v2.Compose([v2.ToDtype(torch.float32, scale=True)])


def run_seeded(transform: Callable[..., Any], seed: int | None, *inputs: Any) -> Any:
    """Apply a random transform with its own seed, leaving the global generator untouched."""
    if seed is None:
        return transform(*inputs)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transform(*inputs)


# ---- datasets ----------------------------------------------------------------------------


def _key(key: int | tuple[int, int]) -> tuple[int, int | None]:
    return (key[0], key[1]) if isinstance(key, tuple | list) else (int(key), None)


class ClassifyDataset(Dataset):
    """Items are (normalized float image, class index). Keys: index or (index, aug seed)."""

    def __init__(self, manifest: Manifest, samples: list[Sample], transform: v2.Compose,
                 side: int | None, cached: bool) -> None:  # fmt: skip
        self.paths = [manifest.resolve(s) for s in samples]
        self.labels = [s.labels[0] for s in samples]
        self.transform, self.side = transform, side
        self.cache: list[torch.Tensor] | None = None
        if cached:
            self.cache = parallel_map(lambda p: decode_classify(p, side), self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, int]:
        index, seed = _key(key)
        image = self.cache[index] if self.cache is not None else None
        if image is None:
            image = decode_classify(self.paths[index], self.side)
        return run_seeded(self.transform, seed, image), self.labels[index]


class DetectDataset(Dataset):
    """Items are (float image at the detector's scale, {"boxes", "labels"}, (index, fx, fy)).
    With `cache_device`, every image is decoded once and kept there (uint8)."""

    def __init__(self, manifest: Manifest, samples: list[Sample], transform: v2.Compose,
                 image_size: int, offset: int, cache_device: torch.device | None) -> None:  # fmt: skip
        self.paths = [manifest.resolve(s) for s in samples]
        self.samples, self.transform = samples, transform
        self.image_size, self.offset = image_size, offset
        self.cache: list[tuple[torch.Tensor, float, float]] | None = None
        if cache_device is not None:
            decoded = parallel_map(lambda p: decode_detect(p, image_size), self.paths)
            self.cache = [(t.to(cache_device), fx, fy) for t, fx, fy in decoded]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, dict, tuple]:
        index, seed = _key(key)
        if self.cache is not None:
            image, fx, fy = self.cache[index]
        else:
            image, fx, fy = decode_detect(self.paths[index], self.image_size)
        sample = self.samples[index]
        h, w = image.shape[-2:]
        xywh = torch.tensor([b[:4] for b in sample.boxes], dtype=torch.float32).reshape(-1, 4)
        xywh = xywh * torch.tensor([fx, fy, fx, fy])
        boxes = tv_tensors.BoundingBoxes(xywh.to(image.device), format="XYWH", canvas_size=(h, w))
        boxes = v2.functional.convert_bounding_box_format(boxes, new_format="XYXY")
        labels = torch.tensor([int(b[4]) + self.offset for b in sample.boxes], dtype=torch.int64)
        target = {"boxes": boxes, "labels": labels.to(image.device),
                  **self.extra_targets(sample, h, w, fx, fy, image.device)}  # fmt: skip
        image, target = run_seeded(self.transform, seed, tv_tensors.Image(image), target)
        target = {k: v.as_subclass(torch.Tensor) for k, v in target.items()}
        return image.as_subclass(torch.Tensor), target, (index, fx, fy)

    def extra_targets(self, sample: Sample, h: int, w: int, fx: float, fy: float,
                      device: torch.device) -> dict[str, Any]:  # fmt: skip
        """More of the target, transformed with the image and boxes (instance masks)."""
        return {}


def collate_classify(items: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    images = torch.stack([i for i, _ in items])
    return images, torch.tensor([label for _, label in items], dtype=torch.int64)


def collate_detect(items: list[tuple]) -> tuple[list, list, list]:
    return [i[0] for i in items], [i[1] for i in items], [i[2] for i in items]
