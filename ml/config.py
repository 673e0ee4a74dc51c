"""Training parameters: one dataclass, filled from an architecture's defaults and the user's
overrides, validated with messages meant for the user."""

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from .architectures import TASKS, architecture


@dataclass
class TrainConfig:
    task: str
    architecture: str
    epochs: int = 10
    batch_size: int = 64
    image_size: int = 224
    optimizer: str = "sgd"  # sgd | adamw
    lr: float = 0.1
    momentum: float = 0.9
    nesterov: bool = True  # sgd: Nesterov momentum (the CIFAR ResNet recipes use it)
    weight_decay: float = 5e-4
    schedule: str = "cosine"  # cosine | step
    warmup_epochs: float = 0.0
    step_size: int = 10  # epochs between decays (schedule=step)
    gamma: float = 0.1
    label_smoothing: float = 0.0
    augment: float = 0.5  # 0 = none .. 1 = strong
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    # data-parallel processes, one per device (ml/distributed.py: DDP, NCCL on CUDA, gloo on
    # the CPU). batch_size stays the batch of one optimizer step: each step's batch is split
    # across the processes (batch_size / gpus per device, the last ones one fewer when it
    # does not divide), so the steps, the learning-rate schedule and the result are those of
    # a single-device run; raise batch_size (and lr) to use more devices' memory.
    gpus: int = 1
    amp: bool = True  # bf16 autocast on CUDA
    channels_last: bool = True  # on CUDA
    compile: bool = False  # torch.compile on CUDA
    pretrained: str | None = None  # path of a torchvision weights file
    num_workers: int = -1  # DataLoader workers; -1: from the host's cores (ml/host.py)
    checkpoint_every: int = 0  # steps between checkpoints; 0 = at the end of each epoch
    cache: str = "auto"  # decoded-image cache: none | cpu | gpu | auto
    score_threshold: float = 0.05  # detectors: boxes kept for evaluation
    # anchor-based detectors: [width, height] priors in training-image pixels (anchors from
    # data, ml.boxstats.anchors); None: torchvision's default anchors
    anchors: list[list[float]] | None = None

    CHOICES = {
        "task": TASKS,
        "optimizer": ("sgd", "adamw"),
        "schedule": ("cosine", "step"),
        "cache": ("none", "cpu", "gpu", "auto"),
    }
    MAX_ANCHORS = 20
    ANCHOR_SIZE_FACTOR = 4  # an anchor side may be up to this many times image_size
    RANGES = {
        "epochs": (1, 10_000),
        "gpus": (1, 64),
        "batch_size": (1, 4096),
        "image_size": (16, 2048),
        "lr": (1e-8, 10.0),
        "momentum": (0.0, 0.9999),
        "weight_decay": (0.0, 1.0),
        "warmup_epochs": (0.0, 1000.0),
        "step_size": (1, 10_000),
        "gamma": (0.0, 1.0),
        "label_smoothing": (0.0, 0.5),
        "augment": (0.0, 1.0),
        "num_workers": (-1, 64),
        "checkpoint_every": (0, 10**9),
        "score_threshold": (0.0, 1.0),
    }

    @classmethod
    def from_params(
        cls, *, task: str, architecture_name: str, params: dict[str, Any]
    ) -> "TrainConfig":
        """Defaults of the architecture, then `params`. Raises ValueError naming the bad field."""
        arch = architecture(architecture_name)
        if arch.task != task:
            raise ValueError(f"'{architecture_name}' is a {arch.task} architecture, not {task}.")
        known = {f.name for f in fields(cls)} - {"task", "architecture"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValueError(f"Unknown parameter(s): {', '.join(unknown)}.")
        values: dict[str, Any] = {**arch.defaults, **params}
        config = cls(task=task, architecture=architecture_name)
        for f in fields(cls):
            if f.name not in values:
                continue
            value = values[f.name]
            default = getattr(config, f.name)
            if f.name == "anchors":
                setattr(config, f.name, _anchor_pairs(value))
                continue
            try:
                if isinstance(default, bool):
                    if not isinstance(value, bool):
                        raise TypeError
                elif isinstance(default, int):
                    if isinstance(value, bool) or float(value) != int(value):
                        raise TypeError
                    value = int(value)
                elif isinstance(default, float):
                    if isinstance(value, bool):
                        raise TypeError
                    value = float(value)
                elif value is not None:
                    value = str(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{f.name}: expected {type(default).__name__}, got {value!r}."
                ) from None
            setattr(config, f.name, value)
        config.validate()
        return config

    def validate(self) -> None:
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name}: must be one of {', '.join(allowed)}.")
        for name, (low, high) in self.RANGES.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name}: {value} is outside {low}..{high}.")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ValueError("device: must be auto, cpu, cuda or cuda:N.")
        if self.batch_size < self.gpus:
            raise ValueError(
                f"batch_size: {self.batch_size} is smaller than gpus ({self.gpus}); each "
                "step's batch is split across the processes, one image at least for each."
            )
        if self.gpus > 1 and self.device.startswith("cuda:"):
            raise ValueError("device: with gpus > 1 use auto or cuda (rank r uses cuda:r).")
        if self.anchors is not None:
            self._validate_anchors()

    def _validate_anchors(self) -> None:
        """anchors: only for anchor-based detectors, 1..MAX_ANCHORS positive pairs no larger
        than ANCHOR_SIZE_FACTOR x image_size."""
        arch = architecture(self.architecture)
        if not arch.takes_anchors:
            kind = {"detect": "anchor-free", "classify": "a classifier"}.get(
                arch.task, "a segmentation model without anchors to set"
            )
            raise ValueError(
                f"anchors: {arch.title} is {kind} and has no anchors to set; leave anchors "
                "empty, or choose RetinaNet or Faster R-CNN."
            )
        pairs = _anchor_pairs(self.anchors)
        if pairs is None or not 1 <= len(pairs) <= self.MAX_ANCHORS:
            raise ValueError(f"anchors: give 1 to {self.MAX_ANCHORS} [width, height] pairs.")
        limit = self.ANCHOR_SIZE_FACTOR * self.image_size
        for i, (w, h) in enumerate(pairs, start=1):
            if not (0 < w <= limit and 0 < h <= limit):
                raise ValueError(
                    f"anchors: pair {i} [{w:g}, {h:g}] must have a width and height above 0 "
                    f"and at most {limit} px ({self.ANCHOR_SIZE_FACTOR} x image_size)."
                )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _anchor_pairs(value: Any) -> list[list[float]] | None:
    """`value` as [[width, height], ...] of finite floats (None stays None); ValueError for
    anything that is not a list of number pairs."""
    if value is None:
        return None
    message = f"anchors: expected a list of [width, height] pairs, got {repr(value)[:80]}."
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        raise ValueError(message)
    pairs = []
    for pair in value:
        if isinstance(pair, str | bytes | dict) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(message)
        if any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in pair):
            raise ValueError(message)
        w, h = float(pair[0]), float(pair[1])
        if not (math.isfinite(w) and math.isfinite(h)):
            raise ValueError(message)
        pairs.append([w, h])
    return pairs
