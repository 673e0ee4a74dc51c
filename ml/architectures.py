"""What can be trained: one entry per architecture, with its task and default parameters.
Torch-free on purpose, so the web process can list architectures without importing torch;
the builders live in ml/registry.py."""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Architecture:
    name: str
    task: str  # "classify" | "detect" | "segment" (instances) | "semantic" (class per pixel)
    title: str
    defaults: dict[str, Any] = field(default_factory=dict)
    # torchvision's file name for ImageNet/COCO weights, looked up in the weights directory
    weights_file: str | None = None
    # feature maps an anchor-based detector puts anchors on (its AnchorGenerator's levels);
    # 0: nothing to set (classifiers, and FCOS, which is anchor-free)
    anchor_levels: int = 0

    @property
    def takes_anchors(self) -> bool:
        """Whether TrainConfig.anchors (anchors from data) can be set for this architecture."""
        return self.anchor_levels > 0


_CLASSIFY = {
    "optimizer": "sgd",
    "lr": 0.1,
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "schedule": "cosine",
}
_IMAGENET = {
    **_CLASSIFY,
    "epochs": 30,
    "batch_size": 64,
    "image_size": 224,
    "weight_decay": 1e-4,
    "warmup_epochs": 1,
}
# CIFAR-style ResNets: a long warm-up (bench/time_to_accuracy.py: 1 epoch ended 0.81 val
# accuracy on real 32 px photo patches, 4 epochs 0.94, as a plain one-cycle loop)
_CIFAR = {**_CLASSIFY, "epochs": 30, "batch_size": 128, "image_size": 32, "warmup_epochs": 4}
_DETECT = {
    "optimizer": "adamw", "lr": 1e-4, "weight_decay": 1e-4, "schedule": "cosine", "epochs": 20,
    "batch_size": 8, "image_size": 512, "warmup_epochs": 1, "augment": 0.5,
}  # fmt: skip
# Mask R-CNN: the detector's recipe; the small ResNet-18 variant trains from scratch on a CPU
_SEGMENT = {**_DETECT, "image_size": 320}
# semantic segmentation: images squashed to image_size x image_size, a class per pixel
_SEMANTIC = {
    "optimizer": "adamw", "lr": 1e-3, "weight_decay": 1e-4, "schedule": "cosine", "epochs": 30,
    "batch_size": 8, "image_size": 320, "warmup_epochs": 1, "augment": 0.5,
}  # fmt: skip

ARCHITECTURES: dict[str, Architecture] = {
    a.name: a
    for a in [
        Architecture("resnet18", "classify", "ResNet-18 (torchvision)", _IMAGENET, "resnet18-f37072fd.pth"),
        Architecture("resnet34", "classify", "ResNet-34 (torchvision)", _IMAGENET, "resnet34-b627a593.pth"),
        Architecture("resnet50", "classify", "ResNet-50 (torchvision)", _IMAGENET, "resnet50-11ad3fa6.pth"),
        Architecture("resnet101", "classify", "ResNet-101 (torchvision)", _IMAGENET, "resnet101-cd907fc2.pth"),
        Architecture("resnet152", "classify", "ResNet-152 (torchvision)", _IMAGENET, "resnet152-f82ba261.pth"),
        *(
            Architecture(f"resnet{d}", "classify", f"ResNet-{d} (CIFAR-style, 6n+2)", _CIFAR)
            for d in (20, 32, 44, 56, 110)
        ),
        Architecture(
            "fcos_resnet50_fpn", "detect", "FCOS ResNet-50 FPN (torchvision)", _DETECT,
            "fcos_resnet50_fpn_coco-99b0c9b7.pth",
        ),
        Architecture(
            "retinanet_resnet50_fpn", "detect", "RetinaNet ResNet-50 FPN (torchvision)", _DETECT,
            "retinanet_resnet50_fpn_coco-eeacb38b.pth", anchor_levels=5,
        ),
        Architecture(
            "fasterrcnn_mobilenet_v3_large_fpn", "detect",
            "Faster R-CNN MobileNetV3-Large FPN (torchvision)", {**_DETECT, "image_size": 320},
            "fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth", anchor_levels=3,
        ),
        Architecture(
            "maskrcnn_resnet50_fpn", "segment", "Mask R-CNN ResNet-50 FPN (torchvision)",
            {**_SEGMENT, "image_size": 512}, "maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth",
        ),
        Architecture(
            "maskrcnn_resnet18_fpn", "segment",
            "Mask R-CNN ResNet-18 FPN, slim heads (CPU-sized)", _SEGMENT, "resnet18-f37072fd.pth",
        ),
        Architecture(
            "deeplabv3_mobilenet_v3_large", "semantic",
            "DeepLabV3 MobileNetV3-Large (torchvision)", _SEMANTIC,
            "deeplabv3_mobilenet_v3_large-fc3c493d.pth",
        ),
        Architecture(
            "lraspp_mobilenet_v3_large", "semantic", "LR-ASPP MobileNetV3-Large (torchvision)",
            _SEMANTIC, "lraspp_mobilenet_v3_large-d234d4ea.pth",
        ),
    ]
}  # fmt: skip


TASKS = ("classify", "detect", "segment", "semantic")
BOX_TASKS = ("detect", "segment")  # models whose outputs are boxes (Mask R-CNN's with masks)
SEGMENT_TASKS = ("segment", "semantic")  # trained on polygons and masks


def architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"Unknown architecture '{name}'. Known: {known}.") from None
