"""Time left in a training run, from the wall time its steps really take (plain Python).

The first steps are slow for reasons that do not repeat (worker processes starting, caches
filling, cuDNN picking kernels), and a throughput figure leaves out everything between steps
(data loading, evaluation after each epoch, checkpoints). So: skip a warm-up, then divide the
wall time since it by the steps since it; once an epoch has passed, that average includes the
evaluation and checkpoint that each epoch costs."""

import time
from collections.abc import Callable


def warmup_steps(total_steps: int) -> int:
    """2% of the run, at least 2 steps and at most 20."""
    return max(2, min(20, total_steps // 50))


class EtaEstimator:
    def __init__(
        self,
        total_steps: int,
        *,
        warmup: int | None = None,
        min_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total_steps
        self.warmup = warmup_steps(total_steps) if warmup is None else warmup
        self.min_seconds = min_seconds
        self.clock = clock
        self.first: int | None = None  # the first step seen (a resumed run starts late)
        self.mark: tuple[int, float] | None = None  # (step, time) where warm-up ended
        self.last: tuple[int, float] | None = None

    def step(self, step: int) -> None:
        """Call after each finished step."""
        now = self.clock()
        if self.first is None:
            self.first = step
        if self.mark is None and step - self.first >= self.warmup:
            self.mark = (step, now)
        self.last = (step, now)

    def seconds_left(self) -> float | None:
        """None while warming up or before `min_seconds` of steady steps were measured."""
        if self.mark is None or self.last is None:
            return None
        (s0, t0), (s1, t1) = self.mark, self.last
        if s1 <= s0 or t1 - t0 < self.min_seconds:
            return None
        per_step = (t1 - t0) / (s1 - s0)
        # time already spent on the step after the last one counts against what is left
        return max(0.0, (self.total - s1) * per_step - (self.clock() - t1))
