"""What a training run tells its caller, and how the caller stops it: plain Python, no torch,
so the Django side (apps/models/training/reporter.py) can implement it without importing torch."""

from typing import Any


class Callbacks:
    """Override what you need; every method has a no-op default."""

    def on_start(self, info: dict[str, Any]) -> None: ...

    def on_step(self, step: int, epoch: float, metrics: dict[str, float]) -> None: ...

    def on_epoch(
        self, epoch: int, step: int, metrics: dict[str, float], *, best: bool = False
    ) -> None:
        """After each epoch's validation; `best`: this epoch is the best so far, so its
        weights are the ones the run keeps and `metrics` are the run's best metrics."""

    def on_log(self, line: str) -> None: ...

    def should_stop(self) -> bool:
        return False
