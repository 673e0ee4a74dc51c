"""What a run writes as it goes: out_dir/log.txt and out_dir/metrics.csv (step,epoch,name,
value), with the same lines and values passed to the callbacks."""

import csv
import io
import os
import time
from pathlib import Path

from .callbacks import Callbacks

FLUSH_SECONDS = 5.0


class Recorder:
    def __init__(self, out_dir: Path, callbacks: Callbacks, keep_until: int | None) -> None:
        self.log_path = out_dir / "log.txt"
        self.metrics_path = out_dir / "metrics.csv"
        self.callbacks = callbacks
        if keep_until is None:
            self._truncate(self.log_path)
            self._truncate(self.metrics_path)
        else:
            self._keep_rows_until(keep_until)
        fresh = not self.metrics_path.exists() or self.metrics_path.stat().st_size == 0
        self._csv_file = open(self.metrics_path, "a", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._csv_file)
        if fresh:
            self._csv.writerow(["step", "epoch", "name", "value"])
        self._log_file = open(self.log_path, "a")  # noqa: SIM115
        self._flushed = time.monotonic()

    @staticmethod
    def _truncate(path: Path) -> None:
        path.write_text("")

    def _keep_rows_until(self, step: int) -> None:
        """On resume: rows of steps after the checkpoint were trained again; drop the old ones."""
        if not self.metrics_path.exists():
            return
        with open(self.metrics_path, newline="") as f:
            rows = list(csv.reader(f))
        out = io.StringIO()
        writer = csv.writer(out)
        for i, row in enumerate(rows):
            if i == 0 or (row and row[0].isdigit() and int(row[0]) <= step):
                writer.writerow(row)
        tmp = self.metrics_path.with_suffix(".csv.tmp")
        tmp.write_text(out.getvalue())
        os.replace(tmp, self.metrics_path)

    def log(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log_file.write(f"{stamp} {line}\n")
        self._log_file.flush()
        self.callbacks.on_log(line)

    def metrics(self, step: int, epoch: float, values: dict[str, float]) -> None:
        for name, value in values.items():
            self._csv.writerow([step, f"{epoch:.4f}", name, f"{value:.6g}"])
        if time.monotonic() - self._flushed > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        self._csv_file.flush()
        self._log_file.flush()
        self._flushed = time.monotonic()

    def close(self) -> None:
        self._csv_file.close()
        self._log_file.close()
