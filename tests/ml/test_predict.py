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
