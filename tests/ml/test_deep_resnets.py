"""ResNet-101 and ResNet-152: torchvision's layouts, their pretrained files load (all but the
class head), a few training steps move the loss, and the ONNX export matches torch."""

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F

from ml.architectures import architecture
from ml.export import export_onnx
from ml.registry import build, count_parameters

PARAMS = {"resnet101": 44.5e6, "resnet152": 60.2e6}  # torchvision's, with 1000 classes


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_deep_resnet_loads_trains_and_exports(name: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    imagenet = build(name, 1000)
    assert count_parameters(imagenet) == pytest.approx(PARAMS[name], rel=0.01)
    source = tmp_path / architecture(name).weights_file  # as torchvision's download names it
    torch.save(imagenet.state_dict(), source)
    model = build(name, 3, pretrained=source)
    report = model.pretrained_report
    assert report.skipped == report.missing == ["fc.weight", "fc.bias"]  # the new class head
    assert report.loaded == len(model.state_dict()) - 2

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = torch.randn(8, 3, 32, 32), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    losses = []
    model.train()
    for _ in range(6):  # the same batch, memorised: the loss must fall
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < 0.5 * losses[0]

    result = export_onnx(model, task="classify", image_size=32, out_dir=tmp_path / "onnx")
    assert result.ok and result.max_abs_diff is not None and result.max_abs_diff < 1e-3
    session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    model.eval()
    with torch.no_grad():
        want = model(x[:2]).numpy()
    got = session.run(["logits"], {"images": x[:2].numpy()})[0]
    np.testing.assert_allclose(got, want, atol=1e-3, rtol=0)
