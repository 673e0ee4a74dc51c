"""Inference with trained weights (out_dir/model.pt), preprocessing exactly as in validation.

    predictor = load_model("run/model.pt", "resnet20", classes, image_size=32)
    predictor.classify([image])      -> [[Classification(label, confidence), ...top-k]]
    predictor.detect([image])        -> [[Detection(x, y, w, h, label, score), ...]]

Images may be paths, bytes or PIL images; boxes are in the input image's pixels.
"""

import contextlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from .data import cache_side, classify_eval_transform, resize_for_detection, shrink, to_tensor
from .registry import build, is_detector, label_offset

ImageInput = str | Path | bytes | Image.Image


@dataclass
class Classification:
    label: str
    confidence: float


@dataclass
class Detection:
    x: float
    y: float
    w: float
    h: float
    label: str
    score: float


def open_image(image: ImageInput) -> Image.Image:
    if isinstance(image, Image.Image):
        return image
    if isinstance(image, bytes | bytearray):
        return Image.open(io.BytesIO(image))
    return Image.open(Path(image))


class Predictor:
    def __init__(self, model: torch.nn.Module, architecture: str, classes: list[str],
                 image_size: int, device: torch.device, batch_size: int = 64) -> None:  # fmt: skip
        self.model = model.eval()
        self.architecture, self.classes = architecture, list(classes)
        self.image_size, self.device, self.batch_size = image_size, device, batch_size
        self.task = "detect" if is_detector(architecture) else "classify"
        self.transform = classify_eval_transform(image_size)
        self._autocast: contextlib.AbstractContextManager = contextlib.nullcontext()
        if device.type == "cuda":  # as in training: bf16 for classifiers, fp16 for detectors
            dtype = torch.float16 if self.task == "detect" else torch.bfloat16
            self._autocast = torch.autocast("cuda", dtype=dtype)

    def _chunks(self, images: Sequence[ImageInput]) -> Iterator[list[ImageInput]]:
        for lo in range(0, len(images), self.batch_size):
            yield list(images[lo : lo + self.batch_size])

    @torch.no_grad()
    def classify(self, images: Sequence[ImageInput], top_k: int = 3) -> list[list[Classification]]:
        if self.task != "classify":
            raise ValueError(f"{self.architecture} is a detector: use detect().")
        k = max(1, min(top_k, len(self.classes)))
        out: list[list[Classification]] = []
        side = cache_side(self.image_size)
        for chunk in self._chunks(images):
            batch = []
            for image in chunk:
                img = open_image(image)
                if getattr(img, "format", None) == "JPEG" and img is not image:
                    img.draft("RGB", (side, side))
                batch.append(self.transform(to_tensor(shrink(img.convert("RGB"), side))))
            x = torch.stack(batch).to(self.device)
            if self.device.type == "cuda":
                x = x.contiguous(memory_format=torch.channels_last)
            with self._autocast:
                logits = self.model(x)
            probs = logits.float().softmax(1)
            conf, idx = probs.topk(k, dim=1)
            for c_row, i_row in zip(conf.tolist(), idx.tolist(), strict=True):
                out.append(
                    [Classification(self.classes[i], c) for c, i in zip(c_row, i_row, strict=True)]
                )
        return out

    @torch.no_grad()
    def detect(
        self, images: Sequence[ImageInput], score_threshold: float = 0.3
    ) -> list[list[Detection]]:
        if self.task != "detect":
            raise ValueError(f"{self.architecture} is a classifier: use classify().")
        offset = label_offset(self.architecture)
        out: list[list[Detection]] = []
        for chunk in self._chunks(images):
            tensors, factors = [], []
            for image in chunk:
                t, fx, fy = resize_for_detection(open_image(image), self.image_size)
                tensors.append(t.to(self.device).float() / 255)
                factors.append((fx, fy))
            with self._autocast:
                results = self.model(tensors)
            for result, (fx, fy) in zip(results, factors, strict=True):
                rows = []
                boxes = result["boxes"].float().cpu().tolist()
                for (x1, y1, x2, y2), label, score in zip(
                    boxes, result["labels"].tolist(), result["scores"].float().tolist(), strict=True
                ):
                    c = label - offset
                    if score >= score_threshold and 0 <= c < len(self.classes):
                        rows.append(Detection(x1 / fx, y1 / fy, (x2 - x1) / fx, (y2 - y1) / fy,
                                              self.classes[c], float(score)))  # fmt: skip
                out.append(rows)
        return out

    def predict(self, images: Sequence[ImageInput], **options: float) -> list[list]:
        if self.task == "detect":
            return self.detect(images, **options)  # type: ignore[arg-type]
        return self.classify(images, **options)  # type: ignore[arg-type]


def load_model(weights_path: str | Path, architecture: str, classes: list[str], image_size: int,
               device: str | torch.device = "auto") -> Predictor:  # fmt: skip
    """A Predictor for the weights a run wrote (model.pt, a state_dict) or a checkpoint.pt."""
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(f"Model weights not found: {path}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    model = build(architecture, len(classes), image_size=image_size)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    model.load_state_dict(state)
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    return Predictor(model, architecture, classes, image_size, device)
