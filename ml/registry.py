"""Architecture name -> torch model. Never downloads: `pretrained` is a path to a weights
file (a state_dict as torchvision downloads it, or one of our own model.pt/checkpoint.pt).

Detection class indices: the manifest's class index `c` becomes the model label
`c + label_offset(name)`. Faster R-CNN reserves label 0 for the background (its
num_classes counts it), FCOS and RetinaNet do not (sigmoid heads with one logit per class).

Anchors from data (`anchors`: [width, height] pairs in training-image pixels, as
ml.boxstats.anchors gives them) replace the AnchorGenerator of RetinaNet and of Faster
R-CNN's RPN (anchor_generator_spec: sizes per feature-map level by area, one shared set of
aspect ratios) and rebuild the head for the new anchors-per-location count. The pairs are
kept in the model as the `data_anchors` buffer, so they travel in every state_dict
(model.pt, checkpoint.pt): load_model() rebuilds the same heads from the weights alone.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
import torchvision
from torch import nn
from torchvision.ops import FrozenBatchNorm2d

from .architectures import BOX_TASKS, SEGMENT_TASKS, architecture
from .models.cifar_resnet import cifar_resnet
from .models.segmenters import semantic_model, small_mask_rcnn

CIFAR_DEPTHS = (20, 32, 44, 56, 110)
TORCHVISION_RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
_BACKGROUND = {"fasterrcnn_mobilenet_v3_large_fpn"}
# The detector's own resize: shorter side -> image_size, longer side capped at this ratio
# (torchvision's defaults are 800/1333).
MAX_SIZE_RATIO = 1333 / 800
DATA_ANCHORS = "data_anchors"  # the buffer (and state_dict key) holding anchors from data
MAX_RATIOS = 3  # aspect ratios shared by every level, as torchvision's (0.5, 1, 2)
RATIO_MERGE = 1.25  # anchor ratios closer than this factor become one
SIZE_MERGE = 1.1  # anchor sizes (sqrt of the area) closer than this factor become one


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
    """Boxes out (Mask R-CNN's come with masks)."""
    return architecture(name).task in BOX_TASKS


def label_offset(name: str) -> int:
    """Model label = class index + this (1 where the model reserves 0 for the background:
    Faster and Mask R-CNN, and the semantic models' class 0 is the background)."""
    return 1 if name in _BACKGROUND or architecture(name).task in SEGMENT_TASKS else 0


def max_size_for(image_size: int) -> int:
    return round(image_size * MAX_SIZE_RATIO)


def build(
    name: str,
    num_classes: int,
    pretrained: str | Path | None = None,
    *,
    image_size: int | None = None,
    anchors: Sequence[Sequence[float]] | None = None,
    **kwargs: object,
) -> nn.Module:
    """A fresh model for `num_classes` classes (detectors: the manifest's classes, without the
    background). `image_size`: detectors' min_size (max_size follows); `anchors`: anchor-based
    detectors' priors from data (None: torchvision's); `kwargs` go to the torchvision
    constructor. With `pretrained`, the report is at `model.pretrained_report`."""
    arch = architecture(name)
    if num_classes < 1:
        raise ValueError("num_classes must be at least 1.")
    if anchors is not None and not arch.takes_anchors:
        kind = {"detect": "anchor-free", "classify": "a classifier"}.get(arch.task, "a segmenter")
        raise ValueError(f"{name} is {kind}: it has no anchors to set (leave anchors unset).")
    if pretrained is not None:
        pretrained = Path(pretrained)
        if not pretrained.is_file():
            raise FileNotFoundError(
                f"Pretrained weights file '{pretrained.name}' not found at {pretrained}. "
                "Put the file in the weights directory (nothing is downloaded)."
            )
    if arch.task == "classify":
        model = _classifier(name, num_classes)
    elif arch.task == "semantic":
        model = semantic_model(name, num_classes + 1)  # class 0: the background
    elif name == "maskrcnn_resnet18_fpn":
        model = small_mask_rcnn(num_classes + 1, image_size or arch.defaults["image_size"])
    else:
        model = _detector(
            name, num_classes, image_size or arch.defaults.get("image_size", 512), kwargs
        )
        if anchors is not None:
            use_anchors(model, anchors)
    if pretrained is not None:
        report = load_pretrained(model, pretrained)
        if arch.task in BOX_TASKS and name != "maskrcnn_resnet18_fpn":
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


def use_anchors(model: nn.Module, anchors: Sequence[Sequence[float]]) -> None:
    """Give a RetinaNet or Faster R-CNN `anchors` ([width, height] px pairs) in place of its
    default anchors: a new AnchorGenerator with as many levels as the old one and laid out
    like it (sizes by area over the levels, or all sizes on every level where the default
    repeats its sizes on each), a freshly initialised head (RetinaNet's, or the RPN's) for
    the new anchors per location, and the pairs stored as the model's `data_anchors`
    buffer."""
    from torchvision.models.detection import FasterRCNN, RetinaNet
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.retinanet import RetinaNetHead
    from torchvision.models.detection.rpn import RPNHead

    if not isinstance(model, RetinaNet | FasterRCNN):
        raise ValueError(f"{type(model).__name__} has no anchors to set.")
    old = model.anchor_generator if isinstance(model, RetinaNet) else model.rpn.anchor_generator
    # torchvision gives fasterrcnn_mobilenet_v3_large_fpn every size on each of its maps
    # (strides 32, 32 and 64: no size pyramid to follow); RetinaNet one octave per level
    levels, shared = len(old.sizes), len(set(old.sizes)) == 1
    pairs = _anchor_array(anchors)
    sizes, ratios = anchor_generator_spec(pairs, levels, shared=shared)
    generator = AnchorGenerator(sizes, (ratios,) * levels)
    per_location = generator.num_anchors_per_location()[0]
    channels = model.backbone.out_channels
    if isinstance(model, RetinaNet):
        num_classes = model.head.classification_head.num_classes
        model.anchor_generator = generator
        model.head = RetinaNetHead(channels, per_location, num_classes)
    else:
        model.rpn.anchor_generator = generator
        model.rpn.head = RPNHead(channels, per_location)
    # float64: the pairs come back exactly as given, so a reload derives the same generator
    model.register_buffer(DATA_ANCHORS, torch.from_numpy(pairs.copy()))


def anchor_generator_spec(
    anchors: Sequence[Sequence[float]], levels: int, max_ratios: int = MAX_RATIOS,
    *, shared: bool = False,
) -> tuple[tuple[tuple[float, ...], ...], tuple[float, ...]]:  # fmt: skip
    """torchvision AnchorGenerator arguments for `anchors` on `levels` feature maps:
    (sizes per level, the aspect ratios every level shares).

    Sizes are the anchors' sqrt(w * h), those within SIZE_MERGE of each other merged (a
    tall and a wide anchor of one area are one size with two ratios), sorted and cut into
    `levels` consecutive groups, smallest to the finest map. Every level needs the same
    count (the head predicts one number of anchors per location), ceil(sizes / levels):
    when that does not divide, the sizes are spaced log-evenly over the sorted ones (6
    sizes on 3 levels: exactly those, two a level; 6 on 5 levels: ten from the smallest to
    the largest). `shared`: every level gets all the sizes instead. Ratios are torchvision's
    h / w of the anchors, those within RATIO_MERGE of each other merged, at most
    `max_ratios`."""
    pairs = _anchor_array(anchors)
    if levels < 1:
        raise ValueError("levels must be at least 1.")
    log_sizes = np.array(_merged_logs(0.5 * np.log(pairs[:, 0] * pairs[:, 1]), SIZE_MERGE))
    log_ratios = _merged_logs(np.log(pairs[:, 1] / pairs[:, 0]), RATIO_MERGE, max_ratios)
    ratios = tuple(round(math.exp(v), 3) for v in log_ratios)
    if shared:
        every = tuple(float(v) for v in np.round(np.exp(log_sizes), 2))
        return (every,) * levels, ratios
    per_level = math.ceil(len(log_sizes) / levels)
    at = np.linspace(0, len(log_sizes) - 1, per_level * levels)
    sizes = np.round(np.exp(np.interp(at, np.arange(len(log_sizes)), log_sizes)), 2)
    grouped = tuple(
        tuple(float(v) for v in sizes[i * per_level : (i + 1) * per_level]) for i in range(levels)
    )
    return grouped, ratios


def _merged_logs(values: np.ndarray, factor: float, most: int | None = None) -> list[float]:
    """Sorted distinct log values, the two closest neighbours merged (the mean of the values
    they stand for) while any two are within log(factor) or there are more than `most`."""
    unique, counts = np.unique(np.round(values, 6), return_counts=True)
    groups = [[float(v), int(n)] for v, n in zip(unique, counts, strict=True)]
    while len(groups) > 1:
        gaps = [b[0] - a[0] for a, b in pairwise(groups)]
        i = int(np.argmin(gaps))
        if (most is None or len(groups) <= most) and gaps[i] >= math.log(factor):
            break
        (a, na), (b, nb) = groups[i], groups[i + 1]
        groups[i : i + 2] = [[(a * na + b * nb) / (na + nb), na + nb]]
    return [v for v, _ in groups]


def _anchor_array(anchors: Sequence[Sequence[float]]) -> np.ndarray:
    pairs = np.asarray(anchors, dtype=np.float64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or len(pairs) == 0:
        raise ValueError("anchors: expected at least one [width, height] pair.")
    if not (np.isfinite(pairs).all() and (pairs > 0).all()):
        raise ValueError("anchors: every width and height must be a positive number.")
    return pairs


def state_anchors(state: dict[str, torch.Tensor]) -> list[list[float]] | None:
    """The anchors from data a state_dict's model was built with (None: default anchors)."""
    value = state.get(DATA_ANCHORS)
    return None if value is None else [[float(w), float(h)] for w, h in value.tolist()]


def load_pretrained(model: nn.Module, path: str | Path) -> PretrainedReport:
    """Load what fits: tensors whose shape differs (class heads) are skipped and reported.
    A classification backbone file loads into a detector's backbone.body. A file's anchors
    from data are not loaded: the model keeps the ones it was built with."""
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
        if key == DATA_ANCHORS:
            continue  # the model's own anchors describe its generator: never the file's
        if target not in own:
            report.unexpected.append(key)
        elif own[target].shape != value.shape:
            report.skipped.append(key)
        else:
            usable[target] = value
    result = model.load_state_dict(usable, strict=False)
    report.loaded = len(usable)
    report.missing = [
        k for k in result.missing_keys
        if not k.endswith("num_batches_tracked") and k != DATA_ANCHORS
    ]  # fmt: skip
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
