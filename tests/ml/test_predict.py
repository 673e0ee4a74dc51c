import io
from pathlib import Path

import pytest
import torch
from PIL import Image

from ml.predict import load_model
from ml.registry import build


def test_classify_accepts_paths_bytes_and_images(tmp_path: Path) -> None:
    torch.manual_seed(0)
    weights = tmp_path / "model.pt"
    torch.save(build("resnet20", 4).state_dict(), weights)
    predictor = load_model(weights, "resnet20", ["a", "b", "c", "d"], 32)
    image = Image.new("RGB", (50, 40), (200, 30, 30))
    path = tmp_path / "x.jpg"
    image.save(path)
    data = io.BytesIO()
    image.save(data, format="PNG")
    results = predictor.classify([path, data.getvalue(), image], top_k=10)
    assert [len(r) for r in results] == [4, 4, 4]  # top-k capped at the number of classes
    for rows in results:
        assert sum(r.confidence for r in rows) == pytest.approx(1.0, abs=1e-4)
        assert [r.confidence for r in rows] == sorted((r.confidence for r in rows), reverse=True)
    assert results[1][0].label == results[2][0].label  # PNG bytes == the same PIL image
    with pytest.raises(ValueError, match="classifier"):
        predictor.detect([path])


def test_missing_weights(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.pt"):
        load_model(tmp_path / "model.pt", "resnet20", ["a"], 32)


def test_classify_jpegs_decodes_on_the_device_like_the_pil_path(tmp_path: Path) -> None:
    """The auto-annotation GPU path (nvJPEG there), run on the CPU: same answers as classify()."""
    from sklearn.datasets import load_sample_image

    torch.manual_seed(0)
    weights = tmp_path / "model.pt"
    torch.save(build("resnet18", 5).state_dict(), weights)
    predictor = load_model(weights, "resnet18", list("abcde"), 64, device="cpu")
    blobs = []
    for name in ("china.jpg", "flower.jpg"):
        buf = io.BytesIO()
        Image.fromarray(load_sample_image(name)).save(buf, "JPEG", quality=90)
        blobs.append(buf.getvalue())
    rotated = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: both paths must show the model the upright image
    Image.fromarray(load_sample_image("china.jpg")).save(
        rotated, "JPEG", quality=90, exif=exif.tobytes()
    )
    blobs.append(rotated.getvalue())
    gray = io.BytesIO()
    Image.fromarray(load_sample_image("flower.jpg")).convert("L").save(gray, "JPEG")
    blobs.append(gray.getvalue())
    upright = [Image.open(io.BytesIO(b)) for b in blobs]
    upright = [im.rotate(-90, expand=True) if i == 2 else im for i, im in enumerate(upright)]
    expected = predictor.classify(upright, top_k=5)
    got = predictor.classify_jpegs(blobs, top_k=5)
    for want_rows, got_rows in zip(expected, got, strict=True):
        assert [r.label for r in got_rows][:2] == [r.label for r in want_rows][:2]
        want = {r.label: r.confidence for r in want_rows}
        for r in got_rows:
            assert r.confidence == pytest.approx(want[r.label], abs=0.02)
    with pytest.raises(RuntimeError):
        predictor.classify_jpegs([b"\xff\xd8\xff not really a jpeg"])
