"""ONNX export: the file gives torch's outputs, has a dynamic batch, travels as a .onnx + .data
pair, and a failed export leaves nothing behind (the caller then serves with torch)."""

import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from PIL import Image

from ml.__main__ import main
from ml.export import DATA_NAME, ONNX_NAME, export_onnx
from ml.registry import build

DETECTOR = "fasterrcnn_mobilenet_v3_large_fpn"  # the fastest detector on a CPU


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _logits(session: ort.InferenceSession, x: torch.Tensor) -> np.ndarray:
    return session.run(["logits"], {"images": x.numpy()})[0]


@pytest.mark.parametrize(("arch", "size"), [("resnet20", 32), ("resnet18", 64)])
def test_classifier_matches_torch_with_dynamic_batch(arch: str, size: int, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build(arch, 5).train()  # export works on a copy in eval mode
    result = export_onnx(model, task="classify", image_size=size, out_dir=tmp_path / "a")
    assert result.error is None and result.ok
    assert result.path == tmp_path / "a" / ONNX_NAME and result.path.is_file()
    assert result.data_path == tmp_path / "a" / DATA_NAME and result.data_path.is_file()
    assert result.max_abs_diff is not None and result.max_abs_diff < 1e-4
    assert result.seconds > 0
    assert model.training  # the caller's model is left as it was
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [ONNX_NAME, DATA_NAME]

    shutil.move(tmp_path / "a", tmp_path / "moved")  # the pair still loads elsewhere
    session = _session(tmp_path / "moved" / ONNX_NAME)
    model.eval()
    for batch in (1, 3):
        x = torch.randn(batch, 3, size, size)
        with torch.no_grad():
            expected = model(x).numpy()
        got = _logits(session, x)
        assert got.shape == (batch, 5)
        np.testing.assert_allclose(got, expected, atol=1e-4, rtol=0)


def test_detector_exports_with_matching_outputs_or_fails_cleanly(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = build(DETECTOR, 2, image_size=64)
    out = tmp_path / "det"
    result = export_onnx(model, task="detect", image_size=64, out_dir=out)
    if result.error is not None:  # then torch serves it: nothing may be left behind
        assert result.path is None and result.data_path is None
        assert "\n" not in result.error and result.error.startswith("ONNX export")
        assert list(out.iterdir()) == []
        return
    assert result.path is not None and result.data_path is not None
    assert result.max_abs_diff is not None and result.max_abs_diff < 1e-3
    assert sorted(p.name for p in out.iterdir()) == [ONNX_NAME, DATA_NAME]
    assert _session(result.path).get_modelmeta().custom_metadata_map["max_size"] == "107"
    # the file gives torch's detections (random weights tie on scores: compare as sets)
    session = _session(result.path)
    model.eval()
    rng = np.random.default_rng(0)
    for h, w in ((64, 100), (96, 64)):
        image = torch.from_numpy(rng.uniform(0, 1, (3, h, w)).astype(np.float32))
        with torch.no_grad():
            want = {k: v.numpy() for k, v in model([image])[0].items()}
        got = dict(zip(["boxes", "labels", "scores"], session.run(
            ["boxes", "labels", "scores"], {"image": image.numpy()}), strict=True))  # fmt: skip
        assert len(got["scores"]) == len(want["scores"])
        free = np.ones(len(got["scores"]), dtype=bool)
        for box, label, score in zip(want["boxes"], want["labels"], want["scores"], strict=True):
            same = free & (got["labels"] == label) & (np.abs(got["scores"] - score) < 1e-4)
            same &= np.abs(got["boxes"] - box).max(axis=1) < 0.01
            assert same.any(), (box, label, score)
            free[np.flatnonzero(same)[0]] = False


class _Fails(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("cannot trace this\nsecond line")


class _Random(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3)) + torch.rand_like(x[:, :, 0, 0])  # exports; never matches


def test_failed_export_returns_an_error_and_leaves_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture
) -> None:
    out = tmp_path / "bad"
    for model, task, reason in (
        (_Fails(), "classify", "ONNX export of the classify model failed: "),
        (_Random(), "classify", "ONNX export of the classify model does not match torch: "),
        (build("resnet20", 2), "segment", "ONNX export of the segment model failed: "),
    ):
        result = export_onnx(model, task=task, image_size=8, out_dir=out)
        assert result.error is not None and result.error.startswith(reason), result.error
        assert "\n" not in result.error
        assert result.path is None and result.data_path is None and result.max_abs_diff is None
        assert list(out.iterdir()) == []
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""  # the exporter's noise is kept quiet


def test_cli_export_reads_model_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    torch.manual_seed(0)
    run = tmp_path / "run"
    run.mkdir()
    torch.save(build("resnet20", 3).state_dict(), run / "model.pt")
    meta = {"architecture": "resnet20", "task": "classify", "classes": ["x", "y", "z"],
            "image_size": 32, "label_offset": 0, "epoch": 1}  # fmt: skip
    (run / "model.json").write_text(json.dumps(meta))
    serve = tmp_path / "serve"
    assert main(["export", "--weights", str(run / "model.pt"), "--out", str(serve)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["error"] is None and line["path"] == str(serve / ONNX_NAME)
    assert line["data_path"] == str(serve / DATA_NAME) and line["max_abs_diff"] < 1e-3
    assert json.loads((serve / "model.json").read_text())["classes"] == ["x", "y", "z"]

    image = tmp_path / "a.png"
    Image.new("RGB", (40, 30), (10, 120, 240)).save(image)
    shutil.copy(run / "model.pt", serve / "model.pt")
    for backend, name in (("onnx", "onnx"), ("torch", "torch-cpu")):
        args = ["predict", "--weights", str(serve / "model.pt"), "--backend", backend]
        assert main([*args, "--device", "cpu", str(image)]) == 0
        row = json.loads(capsys.readouterr().out)
        assert row["backend"] == name and len(row["predictions"]) == 3
    assert main(["export", "--weights", str(tmp_path / "none" / "model.pt"), "--out",
                 str(serve)]) == 2  # fmt: skip
    assert "--arch" in capsys.readouterr().err
