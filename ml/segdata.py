"""Segmentation training data: a sample's polygons and masks as pixel masks at the model's
input scale.

Instance segmentation (Mask R-CNN): the image at the detector's scale as for detection
(ml/data.py), with one uint8 mask per box ({"boxes", "labels", "masks"}); a polygon is
rasterised at that scale from its scaled points (COCO's rasteriser, holes cut out), an RLE
mask is decoded at its own size and resized (nearest). The detection transforms flip the
masks with the image and SanitizeBoundingBoxes drops a mask with its box.

Semantic segmentation: the image squashed to image_size x image_size, ImageNet-normalised,
and a class map (int64, 0 = background, class index + 1 elsewhere; a later annotation paints
over an earlier one); training flips both.
"""

from typing import Any

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision import tv_tensors
from torchvision.transforms import v2

from . import geometry
from .data import DetectDataset, _key, decode_square, parallel_map, run_seeded
from .manifest import Manifest, Sample
from .preprocess import IMAGENET_MEAN, IMAGENET_STD


def segment_mask(segment: dict, height: int, width: int, fx: float = 1.0,
                 fy: float = 1.0) -> np.ndarray:  # fmt: skip
    """uint8 (height, width): the segment (a polygon in image pixels, or an RLE mask of the
    image) at the scale (fx, fy) that makes the image height x width."""
    if segment.get("polygon") is not None:
        rings = [[(x * fx, y * fy) for x, y in ring] for ring in segment["polygon"]]
        return geometry.rle_mask(geometry.polygon_rle(rings, height, width))
    mask = geometry.rle_mask(geometry.rle_check(segment["mask"]))
    if mask.shape != (height, width):
        mask = np.asarray(Image.fromarray(mask).resize((width, height), Image.Resampling.NEAREST))
    return mask


def class_map(sample: Sample, height: int, width: int, fx: float, fy: float) -> np.ndarray:
    """int64 (height, width): 0 background, class index + 1 where a segment is."""
    out = np.zeros((height, width), np.int64)
    for box, segment in zip(sample.boxes, sample.segments, strict=True):
        out[segment_mask(segment, height, width, fx, fy) > 0] = int(box[4]) + 1
    return out


class InstanceDataset(DetectDataset):
    """DetectDataset items with target["masks"] (uint8 (n, h, w), one per box)."""

    def extra_targets(self, sample: Sample, h: int, w: int, fx: float, fy: float,
                      device: torch.device) -> dict[str, Any]:  # fmt: skip
        if len(sample.segments) != len(sample.boxes):
            raise ValueError(f"{sample.path}: {len(sample.boxes)} boxes but "
                             f"{len(sample.segments)} segments.")  # fmt: skip
        masks = np.zeros((len(sample.segments), h, w), np.uint8)
        for i, segment in enumerate(sample.segments):
            masks[i] = segment_mask(segment, h, w, fx, fy)
        return {"masks": tv_tensors.Mask(torch.from_numpy(masks).to(device))}


def _normalize(image: torch.Tensor) -> torch.Tensor:
    x = image.float().div_(255)
    return v2.functional.normalize(x, list(IMAGENET_MEAN), list(IMAGENET_STD))


class SemanticDataset(Dataset):
    """Items are (normalised float (3, S, S), int64 (S, S) class map, (index, width, height))."""

    def __init__(self, manifest: Manifest, samples: list[Sample], image_size: int,
                 augment: float, cached: bool) -> None:  # fmt: skip
        self.paths = [manifest.resolve(s) for s in samples]
        self.samples, self.size, self.augment = samples, image_size, augment
        self.cache: list[tuple[torch.Tensor, torch.Tensor, int, int]] | None = None
        if cached:
            self.cache = parallel_map(self._load, range(len(samples)))

    def _load(self, index: int) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        image, width, height = decode_square(self.paths[index], self.size)
        s = self.size
        target = class_map(self.samples[index], s, s, s / width, s / height)
        return image, torch.from_numpy(target), width, height

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, Any]:
        index, seed = _key(key)
        image, target, width, height = (
            self.cache[index] if self.cache is not None else self._load(index)
        )
        if self.augment > 0 and seed is not None:
            flip = run_seeded(lambda: bool(torch.rand(()) < 0.5), seed)
            if flip:
                image, target = image.flip(-1), target.flip(-1)
        return _normalize(image), target, (index, width, height)


def collate_semantic(items: list[tuple]) -> tuple[torch.Tensor, torch.Tensor, list]:
    return (
        torch.stack([i[0] for i in items]),
        torch.stack([i[1] for i in items]),
        [i[2] for i in items],
    )
