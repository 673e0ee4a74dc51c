"""Serving a trained model from a web process: ONNX Runtime on the CPU, torch on a GPU, torch
eager as the fallback. Torch-free: torch is imported only when a torch backend is chosen.

    predictor = load_predictor(Path("models/42"))     # backend "auto"
    predictor.backend                                 -> "onnx" | "torch-cpu" | "torch-cuda"
    predictor.predict([image_bytes])                  -> [[Classification | Detection, ...]]

A model directory holds model.json (what ml/train.py writes: architecture, task, classes,
image_size, label_offset), model.pt (torch) and, once exported (ml/export.py), model.onnx
with model.onnx.data.
"""

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Predictor
from .preprocess import classify_batch, detect_array
from .results import Classification, Detection, ImageInput, Segmentation, to_detections
from .segshapes import regions, semantic_array, upsample

ONNX_NAME = "model.onnx"
META_NAME = "model.json"
WEIGHTS_NAME = "model.pt"
BACKENDS = ("auto", "onnx", "torch")
CHUNK = 64  # images per session.run
# Traced torchvision detectors reshape their candidate boxes to (n, -1), which ONNX Runtime
# refuses when n is 0 (Faster R-CNN when its RPN keeps no proposal): that means no detection.
EMPTY_RESHAPE = "Input shape:{0,"


def read_meta(model_dir: Path) -> dict[str, Any]:
    path = Path(model_dir) / META_NAME
    if not path.is_file():
        raise FileNotFoundError(f"Model metadata not found: {path}")
    meta = json.loads(path.read_text())
    missing = {"architecture", "classes", "image_size"} - set(meta)
    if missing:
        raise ValueError(f"{path}: missing {', '.join(sorted(missing))}.")
    if "task" not in meta:
        from .architectures import architecture

        meta["task"] = architecture(meta["architecture"]).task
    return meta


class OnnxPredictor:
    """model.onnx in ONNX Runtime on the CPU; the same results as ml.predict.Predictor."""

    backend = "onnx"

    def __init__(self, model_dir: Path, threads: int | None = None, spin: bool = True) -> None:
        import onnxruntime as ort

        model_dir = Path(model_dir)
        path = model_dir / ONNX_NAME
        if not path.is_file():
            raise FileNotFoundError(
                f"No ONNX model at {path}: export it (python -m ml export) or serve with torch."
            )
        meta = read_meta(model_dir)
        self.architecture, self.task = str(meta["architecture"]), str(meta["task"])
        self.classes = [str(c) for c in meta["classes"]]
        self.image_size = int(meta["image_size"])
        self.label_offset = int(meta.get("label_offset", 0))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        if not spin:  # idle threads sleep: several processes share the cores (web serving)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.max_size = 0
        if self.task == "detect":
            custom = self.session.get_modelmeta().custom_metadata_map
            if "max_size" not in custom:
                raise ValueError(f"{path}: no max_size in its metadata (export it with ml.export).")
            self.max_size = int(custom["max_size"])
        self._quiet_run = ort.RunOptions()  # EMPTY_RESHAPE is expected: not a logged error
        self._quiet_run.log_severity_level = 4

    def classify(self, images: Sequence[ImageInput], top_k: int = 3) -> list[list[Classification]]:
        if self.task != "classify":
            raise ValueError(f"{self.architecture} is a detector: use detect().")
        k = max(1, min(top_k, len(self.classes)))
        out: list[list[Classification]] = []
        for lo in range(0, len(images), CHUNK):
            x = classify_batch(images[lo : lo + CHUNK], self.image_size)
            logits = self.session.run(None, {self.input_name: x})[0]
            probs = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
            for p_row, i_row in zip(probs, top, strict=True):
                out.append([Classification(self.classes[i], float(p_row[i])) for i in i_row])
        return out

    def detect(
        self, images: Sequence[ImageInput], score_threshold: float = 0.3
    ) -> list[list[Detection]]:
        if self.task != "detect":
            raise ValueError(f"{self.architecture} is a classifier: use classify().")
        out: list[list[Detection]] = []
        for image in images:
            x, fx, fy = detect_array(image, self.image_size, self.max_size)
            try:
                boxes, labels, scores = self.session.run(
                    ["boxes", "labels", "scores"], {self.input_name: x}, self._quiet_run
                )
            except Exception as exc:
                if EMPTY_RESHAPE not in str(exc):
                    raise
                out.append([])  # no candidate box left: torch returns no detections here
                continue
            out.append(to_detections(boxes.tolist(), labels.tolist(), scores.tolist(),
                                     self.classes, self.label_offset, (fx, fy),
                                     score_threshold))  # fmt: skip
        return out

    def probabilities(self, image: ImageInput) -> np.ndarray:
        """Semantic models: (classes + 1, height, width) per-pixel probabilities."""
        x, (width, height) = semantic_array(image, self.image_size)
        logits = self.session.run(None, {self.input_name: x[None]})[0][0]
        return upsample(logits, width, height)

    def segment(self, images: Sequence[ImageInput], score_threshold: float = 0.3,
                rle: bool = False) -> list[list[Segmentation]]:  # fmt: skip
        if self.task != "semantic":
            raise ValueError(f"{self.architecture} is not served by ONNX for segmentation.")
        return [regions(self.probabilities(i), self.classes, score_threshold, rle) for i in images]

    def predict(self, images: Sequence[ImageInput], **options: float) -> list[list]:
        if self.task == "semantic":
            return self.segment(images, **options)  # type: ignore[arg-type]
        if self.task == "detect":
            return self.detect(images, **options)  # type: ignore[arg-type]
        return self.classify(images, **options)  # type: ignore[arg-type]


def cuda_present() -> bool:
    """A usable NVIDIA GPU; torch is imported only where the driver's devices exist."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    if not (os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/dxg")):
        return False
    import torch

    return torch.cuda.is_available()


def choose_backend(model_dir: Path, backend: str = "auto", device: str = "auto") -> str:
    """The backend load_predictor would use: onnx, torch-cuda or torch-cpu."""
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend '{backend}'. Known: {', '.join(BACKENDS)}.")
    if device not in ("auto", "cpu") and not device.startswith("cuda"):
        raise ValueError(f"Unknown device '{device}': auto, cpu or cuda[:N].")
    has_onnx = (Path(model_dir) / ONNX_NAME).is_file()
    if backend == "onnx":
        if not has_onnx:
            raise FileNotFoundError(
                f"No ONNX model in {model_dir} ({ONNX_NAME}): export it "
                "(python -m ml export) or use backend 'torch'."
            )
        return "onnx"
    if device.startswith("cuda") or (device == "auto" and cuda_present()):
        return "torch-cuda"
    if backend == "auto" and has_onnx:
        return "onnx"
    return "torch-cpu"


def load_predictor(model_dir: Path, backend: str = "auto", device: str = "auto",
                   threads: int | None = None, spin: bool = True) -> Predictor:  # fmt: skip
    """backend "onnx": OnnxPredictor (model.onnx must exist); "torch": ml.predict on CUDA when
    present (or as `device` says), else the CPU; "auto": torch on a GPU when there is one,
    else ONNX when model.onnx exists, else torch eager on the CPU."""
    model_dir = Path(model_dir)
    chosen = choose_backend(model_dir, backend, device)
    if chosen == "onnx":
        return OnnxPredictor(model_dir, threads, spin)
    from .predict import load_model  # imports torch

    meta = read_meta(model_dir)
    torch_device = "cpu" if chosen == "torch-cpu" else (device if device != "auto" else "cuda")
    return load_model(model_dir / WEIGHTS_NAME, meta["architecture"], list(meta["classes"]),
                      int(meta["image_size"]), torch_device)  # fmt: skip
