"""Images -> vectors for curation (near-duplicates, uniqueness, diverse picks, a 2-D map):
ml/neighbours.py compares the rows with the embedder's `metric`.

    hash_embedder()                   -> "dhash" space: 64 bits of 0/1, metric "hamming"
    model_embedder(predictor)         -> the model's own features, rows L2-normalised,
                                         metric "cosine"
    embedder.embed(images)            -> float32 (n, embedder.dim)
    embedder.embed_and_predict(images) -> (the rows, the model's predictions per image: a
                                         classifier's top classes from the same forward
                                         pass, a detector's boxes; None for the hash)

A classifier's features are the input of its last nn.Linear (the penultimate layer: the
pooled 512 of a ResNet-18, the 64 of a CIFAR ResNet-20), caught by a forward pre-hook in an
ordinary forward pass, so any model whose head is a Linear works without knowing its layer
names. A detector's are its backbone's FPN maps, each averaged over the image (padding left
out) and concatenated: what the detector sees, at every scale, before any box is proposed. Images
of one preprocessed size share a forward pass; others go alone, so that no image's row
depends on its batchmates' padding (zeros that the backbone's borders would see).
Both use the Predictor's own preprocessing (ml/preprocess.py), device and autocast, so an
image is embedded exactly as it is predicted.
"""

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .phash import HASH_BITS, dhash, hash_bits
from .predict import Predictor
from .preprocess import classify_batch, detect_array
from .registry import max_size_for
from .results import ImageInput, open_image

METRICS = ("cosine", "hamming")
TOP_CLASSES = 10  # a classifier's predictions kept per image (ml/mistakes.py reads them)
DETECT_FLOOR = 0.05  # a detector's boxes kept per image: low ones weigh little, still count
MAX_BOXES = 100

Opinion = list[dict[str, Any]]  # one image's predictions as plain rows (JSON-ready)
Embedded = tuple[np.ndarray, list[Opinion] | None]


@dataclass(frozen=True)
class Embedder:
    """`space` names where the vectors live (rows of different spaces do not compare):
    "dhash" or the model's architecture. `metric` is how ml/neighbours.py compares them:
    "cosine" (rows L2-normalised) or "hamming" (rows of 0/1)."""

    space: str
    dim: int
    metric: str
    _fn: Callable[[Sequence[ImageInput]], Embedded] = field(repr=False, compare=False)

    def embed(self, images: Sequence[ImageInput]) -> np.ndarray:
        """float32 (len(images), dim), one row per image in order."""
        return self.embed_and_predict(images)[0]

    def embed_and_predict(self, images: Sequence[ImageInput]) -> Embedded:
        """The rows, and per image what the model predicts (None when there is no model)."""
        if len(images) == 0:
            return np.zeros((0, self.dim), np.float32), None
        rows, opinions = self._fn(images)
        if rows.shape != (len(images), self.dim):
            raise RuntimeError(f"Embedder {self.space} gave shape {rows.shape} for "
                               f"{len(images)} images of dim {self.dim}.")  # fmt: skip
        if opinions is not None and len(opinions) != len(images):
            raise RuntimeError(f"Embedder {self.space} gave {len(opinions)} predictions "
                               f"for {len(images)} images.")  # fmt: skip
        return rows, opinions


def hash_embedder() -> Embedder:
    """The difference hash of ml/phash.py as 64 components of 0/1: cheap (no model), and
    finds the same picture again after resizing or recompression, not similar content."""

    def embed(images: Sequence[ImageInput]) -> Embedded:
        return np.stack([hash_bits(dhash(open_image(image))) for image in images]), None

    return Embedder("dhash", HASH_BITS, "hamming", embed)


def model_embedder(predictor: Predictor, batch_size: int = 32) -> Embedder:
    """The predictor's model as an embedder (classifier or detector), `batch_size` images a
    forward pass."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    if predictor.task in ("detect", "segment"):  # Mask R-CNN: its detector backbone
        return _detector_embedder(predictor, batch_size)
    return _classifier_embedder(predictor, batch_size)


def _chunks(images: Sequence[ImageInput], size: int) -> Iterator[Sequence[ImageInput]]:
    for lo in range(0, len(images), size):
        yield images[lo : lo + size]


def last_linear(model: nn.Module) -> nn.Linear:
    """The model's last nn.Linear in registration order (a torchvision ResNet's `fc`, the
    CIFAR ResNets' `fc`): its input is the penultimate features."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(f"{type(model).__name__} has no nn.Linear to take features from.")
    return linears[-1]


def _normalised(features: torch.Tensor) -> np.ndarray:
    return torch.nn.functional.normalize(features.float(), dim=1).cpu().numpy()


def _classifier_embedder(predictor: Predictor, batch_size: int) -> Embedder:
    head = last_linear(predictor.model)
    k = min(TOP_CLASSES, len(predictor.classes))

    @torch.no_grad()
    def embed(images: Sequence[ImageInput]) -> Embedded:
        caught: list[torch.Tensor] = []
        opinions: list[Opinion] = []

        def hook(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
            caught.append(args[0].reshape(args[0].shape[0], -1))

        handle = head.register_forward_pre_hook(hook)
        out = []
        try:
            for chunk in _chunks(images, batch_size):
                x = torch.from_numpy(classify_batch(chunk, predictor.image_size))
                x = x.to(predictor.device)
                if predictor.device.type == "cuda":
                    x = x.contiguous(memory_format=torch.channels_last)
                caught.clear()
                with predictor._autocast:
                    logits = predictor.model(x)
                if len(caught) != 1:
                    raise RuntimeError(f"The last Linear ran {len(caught)} times in a pass.")
                out.append(_normalised(caught[0]))
                confidence, index = torch.softmax(logits.float(), dim=1).topk(k, dim=1)
                opinions += [
                    [{"label": predictor.classes[c], "confidence": round(p, 6)}
                     for p, c in zip(ps, cs, strict=True)]
                    for ps, cs in zip(confidence.tolist(), index.tolist(), strict=True)
                ]  # fmt: skip
        finally:
            handle.remove()
        return np.concatenate(out), opinions

    return Embedder(predictor.architecture, head.in_features, "cosine", embed)


def _pooled(maps: Sequence[torch.Tensor], padded: tuple[int, int],
            sizes: Sequence[tuple[int, int]]) -> torch.Tensor:  # fmt: skip
    """(N, levels * C): each level's map averaged over the part that covers the image (the
    batch is padded to its largest image: the padding would make an image's row depend on
    its batchmates)."""
    rows = []
    for i, (h, w) in enumerate(sizes):
        parts = []
        for fmap in maps:
            fh, fw = fmap.shape[-2:]
            vh = min(fh, max(1, math.ceil(h * fh / padded[0])))
            vw = min(fw, max(1, math.ceil(w * fw / padded[1])))
            parts.append(fmap[i, :, :vh, :vw].float().mean(dim=(1, 2)))
        rows.append(torch.cat(parts))
    return torch.stack(rows)


def _detector_embedder(predictor: Predictor, batch_size: int) -> Embedder:
    model = predictor.model
    transform, backbone = model.transform, model.backbone  # torchvision detectors
    max_size = max_size_for(predictor.image_size)
    with torch.no_grad():  # levels x channels: the FPN's maps of a small blank image
        probe = backbone(torch.zeros(1, 3, 64, 64, device=predictor.device))
    dim = sum(int(fmap.shape[1]) for fmap in probe.values())

    def boxes(chunk: Sequence[ImageInput]) -> list[Opinion]:
        """The whole detector's boxes, in a second pass (its heads follow the backbone)."""
        found = predictor.detect(chunk, score_threshold=DETECT_FLOOR)
        return [
            [{"label": d.label, "score": round(d.score, 6),
              "box": {"x": d.x, "y": d.y, "w": d.w, "h": d.h}} for d in rows[:MAX_BOXES]]
            for rows in found
        ]  # fmt: skip

    @torch.no_grad()
    def embed(images: Sequence[ImageInput]) -> Embedded:
        out = np.empty((len(images), dim), np.float32)
        for lo in range(0, len(images), batch_size):
            arrays = [
                detect_array(image, predictor.image_size, max_size)[0]
                for image in images[lo : lo + batch_size]
            ]
            by_shape: dict[tuple[int, ...], list[int]] = {}
            for i, array in enumerate(arrays):
                by_shape.setdefault(array.shape, []).append(i)
            for group in by_shape.values():
                tensors = [torch.from_numpy(arrays[i]).to(predictor.device) for i in group]
                with predictor._autocast:
                    batch, _ = transform(tensors)
                    maps = list(backbone(batch.tensors).values())
                padded = (int(batch.tensors.shape[-2]), int(batch.tensors.shape[-1]))
                out[[lo + i for i in group]] = _normalised(_pooled(maps, padded, batch.image_sizes))
        return out, boxes(images)

    return Embedder(predictor.architecture, dim, "cosine", embed)
