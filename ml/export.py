"""ONNX export for CPU serving: export_onnx(model, task=, image_size=, out_dir=) -> ExportResult.

Writes out_dir/model.onnx and its weights out_dir/model.onnx.data (keep the two together),
then checks the file with ONNX Runtime against torch eager on the CPU. Never raises for a
failed export: the result carries a one-line `error`, nothing is left in out_dir, and the
caller serves with torch instead.

Both tasks use the TorchScript exporter (dynamo=False): for a ResNet-20 it takes 0.25 s
where the torch.export-based one takes 4-6 s (1.5 s against 8.6 s for a ResNet-50), and
registration waits for it; the ONNX Runtime check below holds either to torch's outputs.
Classifiers: input "images" (N, 3, S, S) with a dynamic batch, output "logits"; semantic
segmentation models the same, their logits (N, classes + 1, S, S). Mask R-CNN is not
exported (served with torch). Detectors
(torchvision; torch.export cannot trace their data-dependent NMS anyway): input "image"
(3, H, W) in 0..1 at the detector's scale (ml/preprocess.detect_array), outputs "boxes"
(x1, y1, x2, y2), "labels", "scores".
The file's metadata records task, image_size and (detectors) max_size.
"""

import contextlib
import copy
import io
import logging
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

ONNX_NAME = "model.onnx"
DATA_NAME = "model.onnx.data"
LOGIT_TOLERANCE = 1e-3  # max abs difference, scaled by the largest logit when that is above 1
SCORE_TOLERANCE = 1e-3
BOX_TOLERANCE = 0.05  # pixels
OPSET = 18
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class ExportResult:
    path: Path | None
    data_path: Path | None
    max_abs_diff: float | None
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class ExportMismatch(Exception):
    """The exported file runs but does not give torch's outputs."""


def export_onnx(model: nn.Module, *, task: str, image_size: int, out_dir: Path) -> ExportResult:
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".onnx-", dir=out_dir))
    except OSError as exc:
        return ExportResult(None, None, None, time.perf_counter() - t0, f"export failed: {exc}")
    try:
        with _quiet(), torch.no_grad():
            cpu = _cpu_copy(model)
            if task == "classify":
                diff = _export_classifier(cpu, image_size, work)
            elif task == "detect":
                diff = _export_detector(cpu, image_size, work)
            elif task == "semantic":
                diff = _export_classifier(_Logits(cpu).eval(), image_size, work, task="semantic")
            elif task == "segment":
                raise ValueError(
                    "Mask R-CNN is not exported to ONNX (its mask head pastes masks with "
                    "data-dependent shapes); it is served with torch"
                )
            else:
                raise ValueError(f"unknown task '{task}'")
        path, data = out_dir / ONNX_NAME, out_dir / DATA_NAME
        data.unlink(missing_ok=True)
        if (work / DATA_NAME).is_file():
            (work / DATA_NAME).replace(data)
        (work / ONNX_NAME).replace(path)
        seconds = time.perf_counter() - t0
        return ExportResult(path, data if data.is_file() else None, diff, seconds)
    except Exception as exc:  # any failure means "serve with torch"
        return ExportResult(None, None, None, time.perf_counter() - t0, _reason(task, exc))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _reason(task: str, exc: BaseException) -> str:
    """One line: the exporter's own error wraps the one that says what went wrong."""
    if isinstance(exc, ExportMismatch):
        return f"ONNX export of the {task} model does not match torch: {exc}"
    if isinstance(exc, torch.onnx.OnnxExporterError) and exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [_ANSI.sub("", line).strip() for line in str(exc).splitlines()]
    text = next((line for line in lines if line), "")
    if len(text) > 240:
        text = text[:237] + "..."
    return f"ONNX export of the {task} model failed: {type(exc).__name__}: {text}"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """The exporters print progress, warnings and whole graphs: keep them off the console."""
    sink = io.StringIO()
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def _cpu_copy(model: nn.Module) -> nn.Module:
    """An fp32 eval-mode copy on the CPU; the caller's model (maybe on CUDA) is left as it is."""
    model = getattr(model, "_orig_mod", model)  # torch.compile's wrapper
    clone = copy.deepcopy(model).to("cpu", torch.float32)
    return clone.to(memory_format=torch.contiguous_format).eval()


def _session(path: Path) -> "onnxruntime.InferenceSession":  # noqa: F821
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _save(proto: object, work: Path, metadata: dict[str, str]) -> Path:
    """model.onnx with every large tensor in model.onnx.data beside it."""
    import onnx

    assert isinstance(proto, onnx.ModelProto)
    del proto.metadata_props[:]
    for key, value in metadata.items():
        proto.metadata_props.add(key=key, value=value)
    path = work / ONNX_NAME
    onnx.save_model(proto, str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=DATA_NAME)  # fmt: skip
    return path


# ---- classifiers -------------------------------------------------------------------------


class _Logits(nn.Module):
    """A torchvision segmentation model's "out" logits as the one output (N, C, S, S)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)["out"]


def _export_classifier(model: nn.Module, image_size: int, work: Path,
                       task: str = "classify") -> float:  # fmt: skip
    g = torch.Generator().manual_seed(0)
    example = torch.randn(2, 3, image_size, image_size, generator=g)
    raw = work / "raw.onnx"
    torch.onnx.export(
        model, (example,), str(raw), dynamo=False, opset_version=OPSET,
        input_names=["images"], output_names=["logits"],
        dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
    )  # fmt: skip
    import onnx

    path = _save(onnx.load(str(raw)), work, {"task": task, "image_size": str(image_size)})
    raw.unlink()
    session = _session(path)
    x = torch.randn(2, 3, image_size, image_size, generator=g)
    worst = 0.0
    for batch in (x, x[:1]):  # the batch axis must really be dynamic
        expected = model(batch).numpy()
        got = session.run(["logits"], {"images": batch.numpy()})[0]
        if got.shape != expected.shape:
            raise ExportMismatch(f"logits shape {got.shape}, torch {expected.shape}")
        diff = float(np.abs(got - expected).max())
        worst = max(worst, diff)
        if not diff <= LOGIT_TOLERANCE * max(1.0, float(np.abs(expected).max())):
            raise ExportMismatch(f"max abs logit difference {diff:.3g}")
    return worst


# ---- detectors ---------------------------------------------------------------------------


def _probe_images(image_size: int, max_size: int) -> list[torch.Tensor]:
    """Two seeded scenes (shapes on a gradient) at the detector's scale, both orientations."""
    rng = np.random.default_rng(0)
    long = min(max_size, round(image_size * 4 / 3))
    images = []
    for h, w in ((image_size, long), (long, image_size)):
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
        img = np.stack([xx, yy, 1 - (xx + yy) / 2]) * 0.6
        for _ in range(4):
            y0, x0 = rng.integers(0, h * 3 // 4), rng.integers(0, w * 3 // 4)
            dy, dx = rng.integers(h // 8, h // 3), rng.integers(w // 8, w // 3)
            img[:, y0 : y0 + dy, x0 : x0 + dx] = rng.uniform(0, 1, (3, 1, 1))
        images.append(torch.from_numpy(img.astype(np.float32)))
    return images


def _export_detector(model: nn.Module, image_size: int, work: Path) -> float:
    transform = getattr(model, "transform", None)
    max_size = int(getattr(transform, "max_size", round(image_size * 1333 / 800)))
    probes = _probe_images(image_size, max_size)
    metadata = {"task": "detect", "image_size": str(image_size), "max_size": str(max_size)}
    keys = _trace_detector(model, probes[0], work, metadata)
    worst, found = _verify_detector(model, work / ONNX_NAME, keys, probes)
    if found == 0:  # nothing above the score threshold: check the same trace at threshold 0
        _set_score_threshold(model, 0.0)
        check = work / "check"
        check.mkdir()
        keys = _trace_detector(model, probes[0], check, metadata)
        worst, found = _verify_detector(model, check / ONNX_NAME, keys, probes)
    return worst


def _trace_detector(
    model: nn.Module, example: torch.Tensor, work: Path, metadata: dict[str, str]
) -> list[str]:
    keys = list(model([example])[0].keys())  # output order follows the model's dict
    if sorted(keys) != ["boxes", "labels", "scores"]:
        raise ValueError(f"unexpected detector outputs {keys}")
    raw = work / "raw.onnx"
    torch.onnx.export(
        model, ([example],), str(raw), dynamo=False, opset_version=OPSET,
        input_names=["image"], output_names=keys,
        dynamic_axes={"image": {1: "height", 2: "width"}, **{k: {0: "n"} for k in keys}},
    )  # fmt: skip
    import onnx

    _save(onnx.load(str(raw)), work, metadata)
    raw.unlink()
    return keys


def _verify_detector(
    model: nn.Module, path: Path, keys: list[str], probes: list[torch.Tensor]
) -> tuple[float, int]:
    """(worst difference, detections compared)."""
    session = _session(path)
    worst, found = 0.0, 0
    for image in probes:
        expected = {k: v.numpy() for k, v in model([image])[0].items()}
        got = dict(zip(keys, session.run(keys, {"image": image.numpy()}), strict=True))
        worst = max(worst, _match_detections(expected, got))
        found += len(expected["scores"])
    return worst, found


def _set_score_threshold(model: nn.Module, value: float) -> None:
    holder = getattr(model, "roi_heads", model)  # Faster R-CNN keeps it in its box head
    if not hasattr(holder, "score_thresh"):
        raise ValueError("the detector's score threshold cannot be changed for checking")
    holder.score_thresh = value


def _match_detections(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> float:
    """Every torch detection has one ONNX detection with its label, score and box."""
    n, m = len(expected["scores"]), len(got["scores"])
    if n != m:
        raise ExportMismatch(f"{m} detections, torch {n}")
    free = np.ones(m, dtype=bool)
    worst = 0.0
    for i in range(n):
        score_diff = np.abs(got["scores"] - expected["scores"][i])
        box_diff = np.abs(got["boxes"] - expected["boxes"][i]).max(axis=1)
        ok = free & (got["labels"] == expected["labels"][i])
        ok &= (score_diff <= SCORE_TOLERANCE) & (box_diff <= BOX_TOLERANCE)
        if not ok.any():
            raise ExportMismatch(f"torch detection {i} of {n} has no ONNX counterpart")
        j = int(np.flatnonzero(ok)[np.argmin(box_diff[ok])])
        free[j] = False
        worst = max(worst, float(score_diff[j]), float(box_diff[j]))
    return worst
