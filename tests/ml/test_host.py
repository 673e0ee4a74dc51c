"""A run shares the host's cores between DataLoader workers and torch's threads without
oversubscribing them, and puts the caller's thread count back when it ends."""

from pathlib import Path

import pytest
import torch

from ml.callbacks import Callbacks
from ml.config import TrainConfig
from ml.host import AUTO, loader_workers, training_threads, usable_cores
from ml.manifest import Manifest
from ml.train import train

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


@pytest.mark.parametrize(("cores", "device", "workers", "threads"), [
    (2, CPU, 0, 2),  # a small CPU host: decode between steps, train on both cores
    (4, CPU, 0, 4),
    (16, CPU, 4, 12),
    (64, CPU, 8, 56),
    (2, CUDA, 1, None),  # the main process only feeds the GPU
    (16, CUDA, 8, None),
])  # fmt: skip
def test_auto_workers_and_threads_never_exceed_the_cores(cores, device, workers, threads) -> None:
    got = loader_workers(AUTO, device, cores)
    assert got == workers
    assert training_threads(device, got, cores) == threads
    if threads is not None:
        assert got + threads == cores


def test_a_number_asked_for_is_kept() -> None:
    assert loader_workers(3, CPU, 2) == 3
    assert training_threads(CPU, 3, 2) == 1  # at least one thread, whatever was asked


def test_usable_cores_follow_the_affinity() -> None:
    import os

    assert usable_cores() == len(os.sched_getaffinity(0))


def test_train_uses_them_and_restores_the_callers_threads(tiny: Manifest, tmp_path: Path) -> None:
    lines: list[str] = []

    class Log(Callbacks):
        def on_log(self, line: str) -> None:
            lines.append(line)

    config = TrainConfig.from_params(task="classify", architecture_name="resnet20", params={
        "epochs": 1, "batch_size": 16, "image_size": 16, "cache": "none"})  # fmt: skip
    assert config.num_workers == AUTO
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(tiny, config, tmp_path, Log())
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    cores = usable_cores()
    workers = loader_workers(AUTO, CPU, cores)
    assert (
        f"host: {cores} cores, {workers} loader workers, {cores - workers} torch threads" in lines
    )
