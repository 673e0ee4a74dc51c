"""Inference with trained weights (out_dir/model.pt) in torch (eager, CPU or CUDA).

    predictor = load_model("run/model.pt", "resnet20", classes, image_size=32)
    predictor.classify([image])      -> [[Classification(label, confidence), ...top-k]]
    predictor.detect([image])        -> [[Detection(x, y, w, h, label, score), ...]]

Images may be paths, bytes or PIL images; boxes are in the input image's pixels.
Input arrays come from ml/preprocess.py (numpy): the ONNX backend (ml/serving.py) runs the
very same ones.
"""

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from . import segpredict
from .architectures import BOX_TASKS
from .architectures import architecture as architecture_info
from .preprocess import IMAGENET_MEAN, IMAGENET_STD, classify_batch, detect_array
from .registry import build, label_offset, max_size_for, state_anchors
from .results import Classification, Detection, ImageInput, Segmentation, open_image, to_detections

__all__ = [
    "Classification", "Detection", "ImageInput", "Predictor", "Segmentation", "load_model",
    "open_image",
]  # fmt: skip


class Predictor:
    def __init__(self, model: torch.nn.Module, architecture: str, classes: list[str],
                 image_size: int, device: torch.device, batch_size: int = 64) -> None:  # fmt: skip
        self.model = model.eval()
        self.architecture, self.classes = architecture, list(classes)
        self.image_size, self.device, self.batch_size = image_size, device, batch_size
        self.task = architecture_info(architecture).task
        boxes = self.task in BOX_TASKS
        self.backend = "torch-cuda" if device.type == "cuda" else "torch-cpu"
        self._autocast: contextlib.AbstractContextManager = contextlib.nullcontext()
        if device.type == "cuda":  # as in training: bf16 for classifiers, fp16 for detectors
            dtype = torch.float16 if boxes else torch.bfloat16
            self._autocast = torch.autocast("cuda", dtype=dtype)

    def _chunks(self, images: Sequence[ImageInput]) -> Iterator[list[ImageInput]]:
        for lo in range(0, len(images), self.batch_size):
            yield list(images[lo : lo + self.batch_size])

    def _top_k(self, x: torch.Tensor, k: int) -> list[list[Classification]]:
        if self.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        with self._autocast:
            logits = self.model(x)
        conf, idx = logits.float().softmax(1).topk(k, dim=1)
        return [
            [Classification(self.classes[i], c) for c, i in zip(c_row, i_row, strict=True)]
            for c_row, i_row in zip(conf.tolist(), idx.tolist(), strict=True)
        ]

    def _k(self, top_k: int) -> int:
        if self.task != "classify":
            raise ValueError(f"{self.architecture} is not a classifier: use {self._call}().")
        return max(1, min(top_k, len(self.classes)))

    @torch.no_grad()
    def classify(self, images: Sequence[ImageInput], top_k: int = 3) -> list[list[Classification]]:
        k, out = self._k(top_k), []
        for chunk in self._chunks(images):
            out += self._top_k(
                torch.from_numpy(classify_batch(chunk, self.image_size)).to(self.device), k
            )
        return out

    @torch.no_grad()
    def classify_jpegs(self, blobs: Sequence[bytes], top_k: int = 3) -> list[list[Classification]]:
        """JPEG bytes decoded on the model's device (nvJPEG on a GPU, batched) and resized,
        cropped and normalised there: no PIL, no host round trip of pixels. Raises for data
        that is not a decodable JPEG (callers fall back to classify())."""
        from torchvision.io import ImageReadMode, decode_jpeg
        from torchvision.transforms.v2 import functional as TF

        k, out, s = self._k(top_k), [], self.image_size
        for chunk in self._chunks(blobs):
            data = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in chunk]
            decoded = decode_jpeg(data, mode=ImageReadMode.RGB, device=self.device,
                                  apply_exif_orientation=True)  # fmt: skip
            batch = torch.stack([
                TF.center_crop(TF.resize(img, [s], antialias=True), [s, s]) for img in decoded
            ])  # fmt: skip
            x = TF.normalize(batch.float().div_(255), list(IMAGENET_MEAN), list(IMAGENET_STD))
            out += self._top_k(x, k)
        return out

    @torch.no_grad()
    def detect(
        self, images: Sequence[ImageInput], score_threshold: float = 0.3
    ) -> list[list[Detection]]:
        if self.task not in BOX_TASKS:
            kind = "a classifier" if self.task == "classify" else f"a {self.task} model"
            raise ValueError(
                f"{self.architecture} is {kind} and gives no boxes: use {self._call}()."
            )
        offset = label_offset(self.architecture)
        out: list[list[Detection]] = []
        max_size = max_size_for(self.image_size)
        for chunk in self._chunks(images):
            tensors, factors = [], []
            for image in chunk:
                array, fx, fy = detect_array(image, self.image_size, max_size)
                tensors.append(torch.from_numpy(array).to(self.device))
                factors.append((fx, fy))
            with self._autocast:
                results = self.model(tensors)
            for result, factor in zip(results, factors, strict=True):
                out.append(to_detections(
                    result["boxes"].float().cpu().tolist(), result["labels"].tolist(),
                    result["scores"].float().tolist(), self.classes, offset, factor,
                    score_threshold,
                ))  # fmt: skip
        return out

    @property
    def _call(self) -> str:
        return {"classify": "classify", "detect": "detect"}.get(self.task, "segment")

    @torch.no_grad()
    def segment(self, images: Sequence[ImageInput], score_threshold: float = 0.3,
                rle: bool = False) -> list[list[Segmentation]]:  # fmt: skip
        """Instances (Mask R-CNN) or class regions (semantic models) with their polygons in
        the input image's pixels, and their masks as COCO RLE when `rle`."""
        offset = label_offset(self.architecture)
        if self.task == "segment":
            return segpredict.instances(
                self.model, self.device, self._autocast, images, self.classes, offset,
                self.image_size, max_size_for(self.image_size), score_threshold, rle,
            )  # fmt: skip
        if self.task != "semantic":
            raise ValueError(
                f"{self.architecture} is not a segmentation model: use {self._call}()."
            )
        return [
            segpredict.regions(self.probabilities(image), self.classes, score_threshold, rle)
            for image in images
        ]

    @torch.no_grad()
    def probabilities(self, image: ImageInput) -> torch.Tensor:
        """Semantic models: (classes + 1, height, width) per-pixel probabilities, class 0 the
        background, at the image's own size."""
        return segpredict.semantic_probabilities(self.model, self.device, self._autocast, image,
                                                 self.image_size)  # fmt: skip

    def predict(self, images: Sequence[ImageInput], **options: float) -> list[list]:
        if self.task in ("segment", "semantic"):
            return self.segment(images, **options)  # type: ignore[arg-type]
        if self.task == "detect":
            return self.detect(images, **options)  # type: ignore[arg-type]
        return self.classify(images, **options)  # type: ignore[arg-type]


def load_model(weights_path: str | Path, architecture: str, classes: list[str], image_size: int,
               device: str | torch.device = "auto") -> Predictor:  # fmt: skip
    """A Predictor for the weights a run wrote (model.pt, a state_dict) or a checkpoint.pt.
    A detector trained with anchors from data is rebuilt with them (they are in the weights)."""
    path = Path(weights_path)
    if not path.is_file():
        raise FileNotFoundError(f"Model weights not found: {path}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    # weights trained with anchors from data carry them: the same heads are rebuilt
    model = build(architecture, len(classes), image_size=image_size, anchors=state_anchors(state))
    model.load_state_dict(state)
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    return Predictor(model, architecture, classes, image_size, device)
