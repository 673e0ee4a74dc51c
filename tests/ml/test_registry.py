import ast
from pathlib import Path

import pytest
import torch

from ml.architectures import ARCHITECTURES
from ml.models.cifar_resnet import CifarResNet
from ml.registry import build, count_parameters, label_offset

CLASSIFIERS = [n for n, a in ARCHITECTURES.items() if a.task == "classify"]
DETECTORS = [n for n, a in ARCHITECTURES.items() if a.task == "detect"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classifier_forward_shape(name: str) -> None:
    model = build(name, 7).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, 32, 32))
    assert out.shape == (2, 7)


@pytest.mark.parametrize("name", DETECTORS)
def test_detector_forward_format(name: str) -> None:
    torch.manual_seed(0)
    model = build(name, 3, image_size=64).eval()
    with torch.no_grad():
        (out,) = model([torch.rand(3, 64, 80)])
    assert set(out) >= {"boxes", "labels", "scores"}
    assert out["boxes"].ndim == 2 and out["boxes"].shape[1] == 4
    assert out["labels"].shape == out["scores"].shape == out["boxes"].shape[:1]
    # min/max size come from image_size, classes (+ background where the model needs one)
    assert model.transform.min_size == (64,)
    assert model.transform.max_size == 107
    if name.startswith("fasterrcnn"):
        assert model.roi_heads.box_predictor.cls_score.out_features == 3 + 1
    else:
        assert model.head.classification_head.num_classes == 3


def test_detector_trains_with_targets() -> None:
    model = build("fasterrcnn_mobilenet_v3_large_fpn", 2, image_size=64).train()
    target = {"boxes": torch.tensor([[4.0, 4.0, 40.0, 30.0]]), "labels": torch.tensor([2])}
    empty = {"boxes": torch.zeros((0, 4)), "labels": torch.zeros((0,), dtype=torch.int64)}
    losses = model([torch.rand(3, 64, 64), torch.rand(3, 64, 64)], [target, empty])
    assert all(torch.isfinite(v) for v in losses.values())


def test_label_offsets() -> None:
    assert label_offset("fasterrcnn_mobilenet_v3_large_fpn") == 1  # softmax with background
    assert label_offset("fcos_resnet50_fpn") == 0  # sigmoid heads: no background class
    assert label_offset("retinanet_resnet50_fpn") == 0


@pytest.mark.parametrize("depth", [20, 32, 44, 56, 110])
def test_cifar_resnet_depth(depth: int) -> None:
    model = build(f"resnet{depth}", 10)
    assert isinstance(model, CifarResNet)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    fcs = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(convs) + len(fcs) == depth == 6 * ((depth - 2) // 6) + 2


def test_cifar_resnet20_parameters() -> None:
    # He et al. 2016, table 6: ResNet-20 has 0.27M parameters (option A: no shortcut weights)
    n = count_parameters(build("resnet20", 10))
    assert 0.26e6 < n < 0.28e6
    assert 1.6e6 < count_parameters(build("resnet110", 10)) < 1.8e6


def test_cifar_resnet_rejects_bad_depth() -> None:
    with pytest.raises(ValueError, match="6n\\+2"):
        CifarResNet(21)


def test_pretrained_skips_mismatched_head(tmp_path: Path) -> None:
    torch.manual_seed(1)
    source = build("resnet18", 1000)
    path = tmp_path / "resnet18-f37072fd.pth"
    torch.save(source.state_dict(), path)
    torch.manual_seed(2)
    model = build("resnet18", 5, pretrained=path)
    report = model.pretrained_report
    assert sorted(report.skipped) == ["fc.bias", "fc.weight"]
    assert "skipped" in report.summary()
    theirs, ours = source.state_dict(), model.state_dict()
    for key, value in ours.items():
        if key.startswith("fc."):
            assert value.shape[0] == 5
        else:
            assert torch.equal(value, theirs[key]), key


def test_pretrained_same_classes_loads_everything(tmp_path: Path) -> None:
    source = build("resnet20", 10)
    path = tmp_path / "w.pt"
    torch.save({"model": source.state_dict(), "step": 3}, path)  # one of our checkpoints
    model = build("resnet20", 10, pretrained=path)
    assert model.pretrained_report.skipped == []
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), source.state_dict().values(), strict=True)
    )


def test_pretrained_detector_head_skipped(tmp_path: Path) -> None:
    source = build("fcos_resnet50_fpn", 90, image_size=64)
    path = tmp_path / "fcos.pth"
    torch.save(source.state_dict(), path)
    model = build("fcos_resnet50_fpn", 3, pretrained=path, image_size=64)
    skipped = model.pretrained_report.skipped
    assert skipped == [
        "head.classification_head.cls_logits.weight",
        "head.classification_head.cls_logits.bias",
    ]
    key = "backbone.body.layer1.0.conv1.weight"
    assert torch.equal(model.state_dict()[key], source.state_dict()[key])


def test_classification_backbone_into_detector(tmp_path: Path) -> None:
    backbone = build("resnet50", 1000)
    path = tmp_path / "resnet50-11ad3fa6.pth"
    torch.save(backbone.state_dict(), path)
    model = build("retinanet_resnet50_fpn", 2, pretrained=path, image_size=64)
    report = model.pretrained_report
    assert report.prefix == "backbone.body." and report.loaded > 200
    assert torch.equal(model.backbone.body.conv1.weight, backbone.conv1.weight)


def test_missing_pretrained_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "weights" / "resnet34-b627a593.pth"
    with pytest.raises(FileNotFoundError, match=r"resnet34-b627a593\.pth") as info:
        build("resnet34", 3, pretrained=missing)
    assert "weights directory" in str(info.value)


def test_weights_file_names_match_torchvision() -> None:
    """The file names in ml/architectures.py are the ones torchvision downloads."""
    import torchvision.models as tvm
    import torchvision.models.detection as det
    import torchvision.models.segmentation as seg

    urls = {
        w.url.rsplit("/", 1)[-1]
        for enum in (tvm.ResNet18_Weights, tvm.ResNet34_Weights, tvm.ResNet50_Weights,
                     tvm.ResNet101_Weights, tvm.ResNet152_Weights,
                     det.FCOS_ResNet50_FPN_Weights, det.RetinaNet_ResNet50_FPN_Weights,
                     det.FasterRCNN_MobileNet_V3_Large_FPN_Weights, det.MaskRCNN_ResNet50_FPN_Weights,
                     seg.DeepLabV3_MobileNet_V3_Large_Weights, seg.LRASPP_MobileNet_V3_Large_Weights)
        for w in enum
    }  # fmt: skip
    for arch in ARCHITECTURES.values():
        if arch.weights_file:
            assert arch.weights_file in urls, arch.name


def test_ml_never_imports_django() -> None:
    """The boundary: ml/ runs on a GPU host without Django (checked in the source)."""
    for path in (Path(__file__).resolve().parents[2] / "ml").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("django", "apps", "rest_framework"), (path, name)
