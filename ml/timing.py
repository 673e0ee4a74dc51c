"""Wall seconds per named phase of a piece of work (no torch: the app's jobs use it too)."""

import time
from collections.abc import Sequence


class Stopwatch:
    """Each lap gives the time since the previous one to a phase; summary() lists them all."""

    def __init__(self, phases: Sequence[str]) -> None:
        self.seconds = dict.fromkeys(phases, 0.0)
        self.t = time.perf_counter()

    def lap(self, phase: str) -> None:
        """The time since the previous lap goes to `phase`."""
        now = time.perf_counter()
        self.seconds[phase] += now - self.t
        self.t = now

    def summary(self) -> str:
        total = sum(self.seconds.values()) or 1.0
        return ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in self.seconds.items())
