"""ONNX Runtime serving: the same answers as the torch Predictor, no torch in the process, and
load_predictor's choice of backend."""

import io
import json
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.engine import JpegClassifier
from ml.engine import Predictor as Predictor_
from ml.export import export_onnx
from ml.predict import Predictor
from ml.preprocess import IMAGENET_MEAN, IMAGENET_STD, classify_array, classify_batch
from ml.registry import build
from ml.serving import OnnxPredictor, cuda_present, load_predictor

ROOT = Path(__file__).resolve().parents[2]
CLASSES = ["cat", "dog", "fox", "owl"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A resnet20 (random weights, seeded) as a run leaves it, exported to ONNX."""
    directory = tmp_path_factory.mktemp("model")
    torch.manual_seed(0)
    model = build("resnet20", len(CLASSES))
    torch.save(model.state_dict(), directory / "model.pt")
    meta = {"architecture": "resnet20", "task": "classify", "classes": CLASSES,
            "image_size": 32, "label_offset": 0}  # fmt: skip
    (directory / "model.json").write_text(json.dumps(meta))
    assert export_onnx(model, task="classify", image_size=32, out_dir=directory).ok
    return directory


def _encoded(image: Image.Image, fmt: str) -> bytes:
    data = io.BytesIO()
    image.save(data, format=fmt)
    return data.getvalue()


def _images(tmp_path: Path) -> list:
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).resize((240, 180))
    path = tmp_path / "photo.jpg"
    photo.save(path)
    odd = Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8))  # 50 x 40
    thin = Image.fromarray(rng.integers(0, 255, (300, 7, 3), dtype=np.uint8))  # 7 x 300
    grey = Image.fromarray(rng.integers(0, 255, (20, 64), dtype=np.uint8))  # mode L
    return [path, str(path), _encoded(photo, "JPEG"), _encoded(odd, "PNG"), odd, thin, grey,
            Image.new("RGB", (50, 40), (200, 30, 30))]  # fmt: skip


def test_onnx_answers_as_torch(model_dir: Path, tmp_path: Path) -> None:
    onnx = OnnxPredictor(model_dir, threads=1)
    torch_cpu = load_predictor(model_dir, backend="torch", device="cpu")
    assert isinstance(torch_cpu, Predictor) and torch_cpu.backend == "torch-cpu"
    assert (onnx.backend, onnx.task, onnx.architecture, onnx.classes, onnx.image_size) == (
        "onnx", "classify", "resnet20", CLASSES, 32)  # fmt: skip
    images = _images(tmp_path)
    for top_k, expected_k in ((3, 3), (10, len(CLASSES)), (0, 1)):
        got, want = onnx.classify(images, top_k=top_k), torch_cpu.classify(images, top_k=top_k)
        assert len(got) == len(images)
        for g_rows, w_rows in zip(got, want, strict=True):
            assert len(g_rows) == expected_k
            assert [r.label for r in g_rows] == [r.label for r in w_rows]
            assert [r.confidence for r in g_rows] == pytest.approx(
                [r.confidence for r in w_rows], abs=1e-4)  # fmt: skip
            assert [r.confidence for r in g_rows] == sorted(
                (r.confidence for r in g_rows), reverse=True)  # fmt: skip
            if expected_k == len(CLASSES):
                assert sum(r.confidence for r in g_rows) == pytest.approx(1.0, abs=1e-5)
    assert onnx.predict(images[:2]) == onnx.classify(images[:2])
    with pytest.raises(ValueError, match="classifier"):
        onnx.detect(images[:1])


def test_serving_never_imports_torch(model_dir: Path, tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    Image.new("RGB", (50, 40), (20, 200, 90)).save(image)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import ml.serving\n"
        f"d = Path({str(model_dir)!r})\n"
        "p = ml.serving.OnnxPredictor(d, threads=1)\n"
        f"rows = p.classify([Path({str(image)!r}), Path({str(image)!r}).read_bytes()])\n"
        "q = ml.serving.load_predictor(d, backend='onnx')\n"
        f"assert q.backend == 'onnx' and q.predict([{str(image)!r}])[0] == rows[0]\n"
        "assert len(rows) == 2 and len(rows[0]) == 3, rows\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torchvision'))\n"
        "assert not bad, bad[:5]\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_load_predictor_chooses_the_backend(model_dir: Path, tmp_path: Path) -> None:
    assert load_predictor(model_dir, device="cpu").backend == "onnx"
    expected = "torch-cuda" if cuda_present() else "onnx"
    assert load_predictor(model_dir).backend == expected
    bare = tmp_path / "bare"  # weights and metadata, never exported
    bare.mkdir()
    for name in ("model.pt", "model.json"):
        shutil.copy(model_dir / name, bare / name)
    torch_cpu = load_predictor(bare, device="cpu")
    assert torch_cpu.backend == "torch-cpu" and torch_cpu.classes == CLASSES
    with pytest.raises(FileNotFoundError, match=r"No ONNX model .*model\.onnx.*export"):
        load_predictor(bare, backend="onnx")
    with pytest.raises(FileNotFoundError, match="No ONNX model"):
        OnnxPredictor(bare)
    with pytest.raises(ValueError, match="Unknown backend"):
        load_predictor(model_dir, backend="tensorrt")
    with pytest.raises(FileNotFoundError, match=r"model\.json"):
        load_predictor(tmp_path / "missing", device="cpu")


def test_preprocessing_by_hand() -> None:
    mean, std = np.array(IMAGENET_MEAN), np.array(IMAGENET_STD)
    colour = (200, 30, 90)
    expected = (np.array(colour) / 255 - mean) / std
    for size in ((50, 40), (8, 8), (7, 300)):  # shrunk, enlarged, very thin
        array = classify_array(Image.new("RGB", size, colour), 32)
        assert array.shape == (3, 32, 32) and array.dtype == np.float32
        for c in range(3):
            np.testing.assert_allclose(array[c], expected[c], rtol=0, atol=1e-6)
    # no resampling at the target size: the centre crop is exact (columns 16..47 of 64)
    pixels = np.zeros((32, 64, 3), dtype=np.uint8)
    pixels[:, :32] = (255, 0, 0)
    pixels[:, 32:] = (0, 0, 255)
    array = classify_array(Image.fromarray(pixels), 32)
    red, blue = (np.array([1, 0, 0]) - mean) / std, (np.array([0, 0, 1]) - mean) / std
    np.testing.assert_allclose(array[:, :, :16], red[:, None, None].repeat(16, 2).repeat(32, 1),
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(array[:, 0, 16:], blue[:, None].repeat(16, 1), atol=1e-6)
    batch = classify_batch([Image.fromarray(pixels), _encoded(Image.fromarray(pixels), "PNG")], 32)
    assert batch.shape == (2, 3, 32, 32)
    np.testing.assert_array_equal(batch[0], array)
    np.testing.assert_array_equal(batch[1], array)


class _StandIn(torch.nn.Module):
    """A detector's ONNX interface with known answers: boxes at fixed fractions of the input,
    model labels 1 (class 0 with offset 1) and 3 (no such class), scores from the pixels."""

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, ...]:
        ones = torch.ones_like(image[0])
        h, w = ones.sum(0)[0], ones.sum(1)[0]  # the input's size, as traceable tensors
        box = torch.stack([w * 0.25, h * 0.25, w * 0.75, h * 0.5])
        scores = torch.stack([image.mean(), image.mean() / 4])
        return torch.stack([box, box]), torch.tensor([1, 3]), scores


def test_onnx_detect_maps_boxes_back_to_the_image(tmp_path: Path) -> None:
    import onnx

    example = torch.rand(3, 50, 80)
    program = torch.onnx.export(
        _StandIn().eval(), (example,), dynamo=True, input_names=["image"],
        output_names=["boxes", "labels", "scores"], verbose=False,
        dynamic_shapes=({1: torch.export.Dim("h"), 2: torch.export.Dim("w")},),
    )  # fmt: skip
    assert program is not None
    proto = program.model_proto
    proto.metadata_props.add(key="max_size", value="83")
    onnx.save_model(proto, str(tmp_path / "model.onnx"))
    meta = {"architecture": "fasterrcnn_mobilenet_v3_large_fpn", "task": "detect",
            "classes": ["a", "b"], "image_size": 50, "label_offset": 1}  # fmt: skip
    (tmp_path / "model.json").write_text(json.dumps(meta))
    served = load_predictor(tmp_path, backend="onnx")
    assert served.task == "detect"
    grey = Image.new("RGB", (200, 100), (102, 102, 102))  # -> 83 x 42 (longer side capped)
    rows = served.predict([grey, _encoded(grey, "PNG")], score_threshold=0.3)
    for found in rows:
        assert len(found) == 1  # label 3 is no class of this model
        d = found[0]
        assert d.label == "a" and d.score == pytest.approx(0.4, abs=1e-5)
        assert (d.x, d.y, d.w, d.h) == pytest.approx((50, 25, 100, 25), abs=1e-4)
    assert served.predict([grey], score_threshold=0.5) == [[]]
    with pytest.raises(ValueError, match="detector"):
        served.classify([grey])  # type: ignore[attr-defined]


def _protocol_members(protocol: type) -> set[str]:
    names: set[str] = set()
    for cls in protocol.__mro__:
        if cls in (object, typing.Protocol, typing.Generic):
            continue
        names |= set(getattr(cls, "__annotations__", {}))
        names |= {n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")}
    return names


def test_both_backends_are_the_engine_predictor(model_dir: Path) -> None:
    """ml/engine.py's Predictor (spec + classify + detect + predict) is what either backend
    gives; only the torch one decodes JPEG bytes itself (JpegClassifier)."""
    members = _protocol_members(Predictor_)
    assert {"task", "classes", "image_size", "backend", "classify", "detect"} <= members
    onnx = load_predictor(model_dir, backend="onnx")
    eager = load_predictor(model_dir, backend="torch", device="cpu")
    for predictor in (onnx, eager):
        assert all(hasattr(predictor, name) for name in members), type(predictor)
        assert (predictor.task, predictor.classes, predictor.image_size) == (
            "classify",
            CLASSES,
            32,
        )
    assert isinstance(eager, JpegClassifier) and not isinstance(onnx, JpegClassifier)
