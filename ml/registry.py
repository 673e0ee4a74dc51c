"""Architecture name -> torch model. Never downloads: `pretrained` is a path to a weights
file (a state_dict as torchvision downloads it, or one of our own model.pt/checkpoint.pt).

Detection class indices: the manifest's class index `c` becomes the model label
`c + label_offset(name)`. Faster R-CNN reserves label 0 for the background (its
num_classes counts it), FCOS and RetinaNet do not (sigmoid heads with one logit per class).
"""

from dataclasses import dataclass, field
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision.ops import FrozenBatchNorm2d

from .architectures import architecture
from .models.cifar_resnet import cifar_resnet

CIFAR_DEPTHS = (20, 32, 44, 56, 110)
TORCHVISION_RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
_BACKGROUND = {"fasterrcnn_mobilenet_v3_large_fpn"}
# The detector's own resize: shorter side -> image_size, longer side capped at this ratio
# (torchvision's defaults are 800/1333).
MAX_SIZE_RATIO = 1333 / 800


@dataclass
class PretrainedReport:
    path: str
    loaded: int = 0
    skipped: list[str] = field(default_factory=list)  # in the file, shape differs from model
    unexpected: list[str] = field(default_factory=list)  # in the file, not in the model
    missing: list[str] = field(default_factory=list)  # in the model, not in the file
    prefix: str = ""  # "backbone.body." when a classification backbone went into a detector

    def summary(self) -> str:
        text = f"pretrained {Path(self.path).name}: loaded {self.loaded} tensors"
        if self.prefix:
            text += f" into {self.prefix.rstrip('.')}"
        if self.skipped:
            text += f"; skipped (shape differs): {', '.join(self.skipped)}"
        if self.unexpected:
            text += f"; {len(self.unexpected)} unused"
        if self.missing:
            text += f"; {len(self.missing)} left at initialisation"
        return text


def is_detector(name: str) -> bool:
    return architecture(name).task == "detect"


def label_offset(name: str) -> int:
    """Model label = class index + this (1 where the model reserves 0 for the background)."""
    return 1 if name in _BACKGROUND else 0


def max_size_for(image_size: int) -> int:
    return round(image_size * MAX_SIZE_RATIO)


def build(
    name: str,
    num_classes: int,
    pretrained: str | Path | None = None,
    *,
    image_size: int | None = None,
    **kwargs: object,
) -> nn.Module:
    """A fresh model for `num_classes` classes (detectors: the manifest's classes, without the
    background). `image_size`: detectors' min_size (max_size follows); `kwargs` go to the
    torchvision constructor. With `pretrained`, the report is at `model.pretrained_report`."""
    arch = architecture(name)
    if num_classes < 1:
        raise ValueError("num_classes must be at least 1.")
    if pretrained is not None:
        pretrained = Path(pretrained)
        if not pretrained.is_file():
            raise FileNotFoundError(
                f"Pretrained weights file '{pretrained.name}' not found at {pretrained}. "
                "Put the file in the weights directory (nothing is downloaded)."
            )
    if arch.task == "classify":
        model = _classifier(name, num_classes)
    else:
        model = _detector(
            name, num_classes, image_size or arch.defaults.get("image_size", 512), kwargs
        )
    if pretrained is not None:
        report = load_pretrained(model, pretrained)
        if arch.task == "detect":
            freeze_batchnorm(model.backbone.body)  # type: ignore[union-attr]
        model.pretrained_report = report  # type: ignore[assignment]
    return model


def _classifier(name: str, num_classes: int) -> nn.Module:
    if name in TORCHVISION_RESNETS:
        return getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
    depth = int(name.removeprefix("resnet"))
    if depth not in CIFAR_DEPTHS:
        raise ValueError(f"No builder for '{name}'.")
    return cifar_resnet(depth, num_classes)


def _detector(name: str, num_classes: int, image_size: int, kwargs: dict) -> nn.Module:
    from torchvision.models import detection

    options: dict[str, object] = {
        "weights": None,
        "weights_backbone": None,
        "num_classes": num_classes + label_offset(name),
        "min_size": image_size,
        "max_size": max_size_for(image_size),
    }
    if name == "fasterrcnn_mobilenet_v3_large_fpn":
        # RoIs sampled per image for the 12.8M-parameter box head: torchvision's 512 at 800px,
        # scaled with the image area (64 at most sizes under 300px): same detector, cheaper steps
        options["box_batch_size_per_image"] = int(min(512, max(64, 512 * (image_size / 800) ** 2)))
    options.update(kwargs)
    return getattr(detection, name)(**options)


def load_pretrained(model: nn.Module, path: str | Path) -> PretrainedReport:
    """Load what fits: tensors whose shape differs (class heads) are skipped and reported.
    A classification backbone file loads into a detector's backbone.body."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Pretrained weights file '{path.name}' not found at {path}. "
            "Put the file in the weights directory (nothing is downloaded)."
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]  # one of our checkpoints
    if not isinstance(state, dict):
        raise ValueError(f"{path.name} is not a state_dict.")
    own = model.state_dict()
    prefix = ""
    if not set(state) & set(own) and any(k.startswith("backbone.body.") for k in own):
        prefix = "backbone.body."
    report = PretrainedReport(path=str(path), prefix=prefix)
    usable = {}
    for key, value in state.items():
        target = prefix + key
        if target not in own:
            report.unexpected.append(key)
        elif own[target].shape != value.shape:
            report.skipped.append(key)
        else:
            usable[target] = value
    result = model.load_state_dict(usable, strict=False)
    report.loaded = len(usable)
    report.missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    return report


def freeze_batchnorm(module: nn.Module) -> None:
    """Replace BatchNorm2d by FrozenBatchNorm2d (pretrained detector backbones, small batches)."""
    for child_name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps)
            frozen.weight.copy_(child.weight.detach())
            frozen.bias.copy_(child.bias.detach())
            frozen.running_mean.copy_(child.running_mean)  # type: ignore[arg-type]
            frozen.running_var.copy_(child.running_var)  # type: ignore[arg-type]
            setattr(module, child_name, frozen)
        else:
            freeze_batchnorm(child)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
