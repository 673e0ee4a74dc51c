"""Batches for the training loop, whichever way the images are held.

cache "none": decode from the files every epoch (DataLoader workers, per-image v2 transforms).
cache "cpu":  decode once (shrunk to a bit above image_size) into RAM; same transforms.
cache "gpu":  decode once onto the training device. Classification: the batched roi_align
              pipeline (ml/batched.py); detection: the same per-image v2 transforms, run on
              the device tensors in the main process. On a CPU device "gpu" means the
              batched pipeline in RAM.
cache "auto": "gpu" when the decoded set fits the training device: GPU_CACHE_FRACTION of
              the free GPU memory on CUDA, RAM_CACHE_FRACTION of the free RAM on the CPU
              (classification: the batched pipeline needs no DataLoader worker processes
              competing with training for the cores); else "cpu" when it fits RAM, else
              "none".
"""

import os
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import torch
from torch.utils.data import DataLoader

from . import data
from .architectures import BOX_TASKS
from .batched import BatchedPipeline, SquareCache
from .config import TrainConfig
from .host import loader_workers, usable_cores
from .manifest import Manifest, Sample
from .registry import label_offset, max_size_for
from .sampler import EpochBatchSampler, EpochSampler
from .segdata import InstanceDataset, SemanticDataset, collate_semantic

GPU_CACHE_FRACTION = 0.35
RAM_CACHE_FRACTION = 0.25


class Pipeline(Protocol):
    steps_per_epoch: int
    description: str
    workers: int  # DataLoader worker processes

    def train_batches(self, epoch: int, start_batch: int = 0) -> Iterator[tuple[Any, Any]]: ...

    def val_batches(self) -> Iterator[tuple[Any, Any, Any]]: ...


def _to(value: Any, device: torch.device, channels_last: bool = False) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.to(device, non_blocking=True)
        if channels_last and value.dim() == 4:
            value = value.contiguous(memory_format=torch.channels_last)
        return value
    if isinstance(value, list):
        return [_to(v, device) for v in value]
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    return value


class LoaderPipeline:
    def __init__(self, train_set: Any, val_set: Any, sampler: EpochSampler, config: TrainConfig,
                 device: torch.device, collate: Callable, workers: int, description: str,
                 channels_last: bool = False) -> None:  # fmt: skip
        self.batch_sampler = EpochBatchSampler(sampler, config.batch_size)
        self.steps_per_epoch = sampler.num_batches(config.batch_size)
        self.device, self.channels_last = device, channels_last
        self.description, self.workers = f"{description}, {workers} loader workers", workers
        pin = device.type == "cuda" and workers > 0
        self.train_loader = DataLoader(
            train_set, batch_sampler=self.batch_sampler, num_workers=workers,
            collate_fn=collate, pin_memory=pin, persistent_workers=workers > 0,
            generator=torch.Generator(),  # keeps the global generator untouched
        )  # fmt: skip
        self.val_loader = DataLoader(
            val_set, batch_size=config.batch_size, shuffle=False, num_workers=workers,
            collate_fn=collate, pin_memory=pin, generator=torch.Generator(),
        )  # fmt: skip

    def train_batches(self, epoch: int, start_batch: int = 0) -> Iterator[tuple[Any, Any]]:
        self.batch_sampler.set_epoch(epoch, start_batch)
        if start_batch >= self.steps_per_epoch:
            return
        for batch in self.train_loader:
            yield _to(batch[0], self.device, self.channels_last), _to(batch[1], self.device)

    def val_batches(self) -> Iterator[tuple[Any, Any, Any]]:
        if not len(self.val_loader.dataset):
            return
        for batch in self.val_loader:
            meta = batch[2] if len(batch) > 2 else None
            yield _to(batch[0], self.device, self.channels_last), _to(batch[1], self.device), meta


def _free_ram() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 0


def _estimate_bytes(samples: list[Sample], config: TrainConfig, square: bool) -> int:
    side = data.cache_side(config.image_size)
    if config.task in ("classify", "semantic") and square:
        return len(samples) * 3 * side * side
    total = 0
    for s in samples:
        w, h = (s.width, s.height) if s.width and s.height else (4, 3)
        if config.task in BOX_TASKS:
            k = data.detection_scale(w, h, config.image_size)
            total += 3 * int(w * k + 1) * int(h * k + 1)
        else:
            k = min(1.0, side / min(w, h)) if s.width and s.height else side / 3
            total += 3 * int(w * k + 1) * int(h * k + 1)
    return total


def resolve_cache(mode: str, samples: list[Sample], config: TrainConfig,
                  device: torch.device) -> tuple[str, str]:  # fmt: skip
    """The cache actually used, and why."""
    if mode != "auto":
        return mode, f"cache={mode} (asked for)"
    square = _estimate_bytes(samples, config, square=True)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        if square <= GPU_CACHE_FRACTION * free:
            return "gpu", f"cache=gpu: decoded set ~{square / 2**20:.0f} MiB fits the GPU"
        reason = f"~{square / 2**20:.0f} MiB is over {GPU_CACHE_FRACTION:.0%} of free GPU memory"
    elif config.task == "classify" and square <= RAM_CACHE_FRACTION * _free_ram():
        return "gpu", f"cache=gpu: decoded set ~{square / 2**20:.0f} MiB in RAM, batched"
    else:
        reason = "not training on CUDA"
    need = _estimate_bytes(samples, config, square=config.task == "semantic")
    if need <= RAM_CACHE_FRACTION * _free_ram():
        return "cpu", f"cache=cpu ({reason}; ~{need / 2**20:.0f} MiB in RAM)"
    return "none", f"cache=none ({reason}; ~{need / 2**20:.0f} MiB does not fit RAM either)"


def build_pipeline(manifest: Manifest, splits: data.Splits, config: TrainConfig,
                   device: torch.device, log: Callable[[str], None],
                   rank: int = 0, world: int = 1) -> Pipeline:  # fmt: skip
    """Training batches are this rank's part of each global batch (ml/sampler.py, shard);
    steps_per_epoch is the global count, the same on every rank."""
    sampler = EpochSampler([s.weight for s in splits.train], seed=config.seed).shard(rank, world)
    if not sampler.uniform:
        log("weighted sampling: images are drawn with replacement in proportion to their weight")
    cache, why = resolve_cache(config.cache, splits.train + splits.val, config, device)
    log(why)
    channels_last = device.type == "cuda" and config.channels_last
    workers = loader_workers(config.num_workers, device, usable_cores())
    if config.task == "classify":
        if cache == "gpu":
            side = data.cache_side(config.image_size)
            if all(0 < max(s.width, s.height) <= config.image_size for s in splits.train):
                side = config.image_size  # small images: nothing to gain above; pad-crops
            train = SquareCache(manifest, splits.train, side, device)
            val = SquareCache(manifest, splits.val, side, device) if splits.val else None
            return BatchedPipeline(train, val, sampler, config.batch_size, config.image_size,
                                   config.augment, device, channels_last)  # fmt: skip
        side = data.cache_side(config.image_size)
        cached = cache == "cpu"
        train_tf = data.classify_train_transform(config.image_size, config.augment)
        eval_tf = data.classify_eval_transform(config.image_size)
        train_set = data.ClassifyDataset(manifest, splits.train, train_tf, side, cached)
        val_set = data.ClassifyDataset(manifest, splits.val, eval_tf, side, cached)
        return LoaderPipeline(train_set, val_set, sampler, config, device,
                              data.collate_classify, workers, f"per-image, cache={cache}",
                              channels_last)  # fmt: skip
    if config.task == "semantic":  # fixed-size squares; "gpu" keeps them in RAM here
        cached = cache != "none"
        train_set = SemanticDataset(manifest, splits.train, config.image_size, config.augment,
                                    cached)  # fmt: skip
        val_set = SemanticDataset(manifest, splits.val, config.image_size, 0.0, cached)
        return LoaderPipeline(train_set, val_set, sampler, config, device, collate_semantic,
                              workers, f"semantic squares {config.image_size} px, cache={cache}",
                              channels_last)  # fmt: skip
    offset = label_offset(config.architecture)
    dataset = InstanceDataset if config.task == "segment" else data.DetectDataset
    cache_device = {"gpu": device, "cpu": torch.device("cpu")}.get(cache)
    if cache_device is not None and cache_device.type == "cuda":
        workers = 0  # images already live on the GPU: transforms run in this process
    train_set = dataset(manifest, splits.train, data.detect_train_transform(
        config.augment), config.image_size, offset, cache_device)  # fmt: skip
    val_set = dataset(manifest, splits.val, data.detect_eval_transform(),
                                 config.image_size, offset, cache_device)  # fmt: skip
    desc = f"per-image detection, cache={cache}, max side {max_size_for(config.image_size)}"
    return LoaderPipeline(train_set, val_set, sampler, config, device, data.collate_detect,
                          workers, desc)  # fmt: skip
