"""Optimizer and per-step learning-rate schedule."""

import math

import torch
from torch import nn

from .config import TrainConfig


def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """No weight decay on biases and normalisation parameters (every tensor with ndim <= 1)."""
    decay, no_decay = [], []
    for p in model.parameters():
        if p.requires_grad:
            (no_decay if p.ndim <= 1 else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}]
    if no_decay:
        groups.append({"params": no_decay, "weight_decay": 0.0})
    return groups


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    groups = param_groups(model, config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum,
                               nesterov=config.nesterov and config.momentum > 0)  # fmt: skip
    return torch.optim.AdamW(groups, lr=config.lr)


def lr_factor(step: int, config: TrainConfig, steps_per_epoch: int, total_steps: int) -> float:
    """Multiplier of config.lr for the update made at `step` (0-based): linear warmup over
    warmup_epochs, then cosine to zero at total_steps, or x gamma every step_size epochs."""
    warmup = min(total_steps, round(config.warmup_epochs * steps_per_epoch))
    if step < warmup:
        return (step + 1) / warmup
    if config.schedule == "cosine":
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return config.gamma ** ((step // steps_per_epoch) // config.step_size)


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int,
                   total_steps: int) -> torch.optim.lr_scheduler.LambdaLR:  # fmt: skip
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, config, steps_per_epoch, total_steps)
    )
