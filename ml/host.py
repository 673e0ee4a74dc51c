"""How a run shares this host's cores: DataLoader worker processes against torch's own
threads. On a CPU device both compete for the same cores, so oversubscribing them (two
loader workers beside two torch threads on a 2-core machine) slows every step."""

import os

import torch

AUTO = -1  # TrainConfig.num_workers: choose from the host
MAX_WORKERS = 8


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's cpuset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def loader_workers(requested: int, device: torch.device, cores: int) -> int:
    """DataLoader workers for the per-image pipeline. On CUDA the main process only feeds
    the device: every other core decodes. On a CPU the main process trains on all cores
    but a quarter: small hosts decode in the main process, between steps."""
    if requested != AUTO:
        return requested
    if device.type == "cuda":
        return min(MAX_WORKERS, max(1, cores - 1))
    return 0 if cores <= 4 else min(MAX_WORKERS, cores // 4)


def training_threads(device: torch.device, workers: int, cores: int) -> int | None:
    """torch's intra-op threads on a CPU device: the cores the loader workers leave free.
    None on CUDA (the CPU side only launches kernels)."""
    if device.type == "cuda":
        return None
    return max(1, cores - workers)
