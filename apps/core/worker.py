"""The RQ worker the app runs (settings.RQ["WORKER_CLASS"]). A worker that serves the train or
infer queue imports torch, torchvision, ml/ and ONNX Runtime once, before it forks the work
horse of its first job: every job then starts without ~4 s of imports, and a run's
registration without ~1 s of exporter and runtime imports. Importing torch starts no CUDA
context and no thread pool, so forking after it is safe."""

import importlib
import logging
import time
from typing import Any

from rq import Worker

log = logging.getLogger(__name__)

HEAVY_QUEUES = {"train", "infer"}
PRELOAD = ("ml.train", "ml.predict", "ml.export", "ml.holdout", "ml.autolabel", "ml.engine",
           "onnx", "onnxruntime", "torch.onnx")  # fmt: skip


def preload() -> float:
    """Import the heavy job modules; the seconds it took."""
    t0 = time.perf_counter()
    for name in PRELOAD:
        importlib.import_module(name)
    return time.perf_counter() - t0


class PreloadingWorker(Worker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        if HEAVY_QUEUES & set(self.queue_names()):
            log.info("preloaded torch, ml/ and ONNX Runtime in %.1f s", preload())
        return super().work(*args, **kwargs)
