"""Deterministic, resumable order of training samples.

Epoch e draws `torch.multinomial(weights, n, replacement=True)` from a generator seeded with
`seed * 100003 + e` (gold images, weight > 1, come up more often); when all weights are
equal it is a seeded `randperm` instead (each image exactly once per epoch). Each drawn
position also gets its own augmentation seed, so the random crops and flips depend only on
(seed, epoch, position): the same with 0 or 8 workers, and the same after a resume.

Data-parallel runs (ml/distributed.py): every rank draws the same global sequence and
batches; `shard(rank, world)` makes batches() yield only the rank's part of each global
batch (batch[rank::world]), so the steps per epoch, and which images with which
augmentation seeds make up each step, are those of a single-process run.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import torch

_AUG_SALT = 0x5DEECE66D


class EpochSampler:
    def __init__(self, weights: Sequence[float], seed: int = 0) -> None:
        if not len(weights):
            raise ValueError("Nothing to sample: no training images.")
        w = torch.as_tensor(list(weights), dtype=torch.float64)
        if bool((w < 0).any()) or not bool((w > 0).any()):
            raise ValueError("Sample weights must be >= 0 with at least one > 0.")
        self.weights = w
        self.seed = int(seed)
        self.uniform = bool((w == w[0]).all())
        self.rank, self.world = 0, 1

    def shard(self, rank: int, world: int) -> "EpochSampler":
        if not 0 <= rank < world:
            raise ValueError(f"shard: rank {rank} is not in 0..{world - 1}.")
        self.rank, self.world = rank, world
        return self

    def part(self, batch: Sequence | torch.Tensor) -> Any:
        """This rank's part of one global batch (all of it in a world of one)."""
        if self.world == 1:
            return batch
        part = batch[self.rank :: self.world]
        return part if len(part) else batch[:1]  # weighted 0: see ml.distributed.share

    def __len__(self) -> int:
        return len(self.weights)

    def generator(self, epoch: int) -> torch.Generator:
        return torch.Generator().manual_seed(self.seed * 100003 + epoch)

    def indices(self, epoch: int) -> torch.Tensor:
        """The n dataset indices of epoch `epoch` (0-based), in order."""
        n = len(self.weights)
        g = self.generator(epoch)
        if self.uniform:
            return torch.randperm(n, generator=g)
        return torch.multinomial(self.weights, n, replacement=True, generator=g)

    def aug_seeds(self, epoch: int) -> torch.Tensor:
        """One augmentation seed per position of epoch `epoch`."""
        g = torch.Generator().manual_seed((self.seed * 100003 + epoch) ^ _AUG_SALT)
        return torch.randint(0, 2**62, (len(self.weights),), generator=g, dtype=torch.int64)

    def num_batches(self, batch_size: int) -> int:
        return -(-len(self.weights) // batch_size)

    def batches(
        self, epoch: int, batch_size: int, start_batch: int = 0
    ) -> Iterator[list[tuple[int, int]]]:
        """Batches of (dataset index, augmentation seed), from batch `start_batch` on; the last
        batch may be short (no sample is dropped). Sharded: this rank's part of each."""
        order = self.indices(epoch).tolist()
        seeds = self.aug_seeds(epoch).tolist()
        for b in range(start_batch, self.num_batches(batch_size)):
            lo, hi = b * batch_size, min((b + 1) * batch_size, len(order))
            yield self.part(list(zip(order[lo:hi], seeds[lo:hi], strict=True)))


class EpochBatchSampler:
    """A DataLoader batch_sampler over EpochSampler; `set_epoch` picks the epoch and the batch
    to start at before each new iterator (also with persistent workers)."""

    def __init__(self, sampler: EpochSampler, batch_size: int) -> None:
        self.sampler = sampler
        self.batch_size = batch_size
        self.epoch = 0
        self.start_batch = 0

    def set_epoch(self, epoch: int, start_batch: int = 0) -> None:
        self.epoch, self.start_batch = epoch, start_batch

    def __len__(self) -> int:
        return self.sampler.num_batches(self.batch_size) - self.start_batch

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return self.sampler.batches(self.epoch, self.batch_size, self.start_batch)
