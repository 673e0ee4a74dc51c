"""The RQ worker the app runs (settings.RQ["WORKER_CLASS"]). A worker that serves the train or
infer queue imports torch, torchvision, ml/ and ONNX Runtime once, before it forks the work
horse of its first job: every job then starts without ~4 s of imports, and a run's
registration without ~1 s of exporter and runtime imports. Importing torch starts no CUDA
context and no thread pool, so forking after it is safe.

A GPU per worker: started with `LABELFORGE_GPU=N` (or a one-GPU `CUDA_VISIBLE_DEVICES`), the
worker sees only that GPU. It records its device, GPU name and memory in its RQ worker entry
(`GET /api/v1/workers/` reads them), and besides `train` / `infer` it also listens on
`train@<host>` and `train@<host>/gpu<N>`: a run pinned to a host or a GPU is queued there."""

import importlib
import logging
import os
import socket
import time
from typing import Any

from rq import Queue, Worker, worker_registration

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


def gpu_index() -> str | None:
    """The GPU this worker was given: LABELFORGE_GPU, else a single CUDA_VISIBLE_DEVICES."""
    gpu = os.environ.get("LABELFORGE_GPU", "").strip()
    if gpu:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu  # before torch initialises CUDA
        return gpu
    visible = [d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return visible[0].strip() if len(visible) == 1 else None


def device_info() -> dict[str, str]:
    """What a run on this worker trains on (strings: RQ stores a worker as a Redis hash)."""
    import torch

    if not torch.cuda.is_available():
        return {"lf_device": "cpu", "lf_gpu_name": "", "lf_gpu_memory_mb": "0", "lf_gpu_count": "0"}
    props = torch.cuda.get_device_properties(0)  # the one visible device (or the first)
    return {"lf_device": "cuda", "lf_gpu_name": props.name,
            "lf_gpu_memory_mb": str(props.total_memory // 2**20),
            "lf_gpu_count": str(torch.cuda.device_count())}  # fmt: skip


def pin_names(host: str, gpu: str | None) -> list[str]:
    """What a run may be pinned to on this worker: its host, and its GPU."""
    return [host] + ([f"{host}/gpu{gpu}"] if gpu is not None else [])


def pinned_queue(queue: str, pin: str) -> str:
    return f"{queue}@{pin}"


class PreloadingWorker(Worker):
    def __init__(self, queues: Any, *args: Any, **kwargs: Any) -> None:
        listed = [queues] if isinstance(queues, str | Queue) else list(queues)
        self.gpu = gpu_index()
        self.pins = pin_names(socket.gethostname(), self.gpu)
        extra: list[Any] = []
        for q in listed:
            name = q.name if isinstance(q, Queue) else q
            if name in HEAVY_QUEUES:
                for pin in self.pins:
                    # the same class as the given queues (django-rq's DjangoRQ): RQ checks
                    extra.append(type(q)(pinned_queue(name, pin), connection=q.connection)
                                 if isinstance(q, Queue) else pinned_queue(name, pin))  # fmt: skip
        super().__init__([*listed, *extra], *args, **kwargs)

    def serialize(self) -> dict[str, Any]:
        data = super().serialize()
        if HEAVY_QUEUES & set(self.queue_names()):
            data |= device_info() | {"lf_gpu_index": self.gpu or "", "lf_pins": ",".join(self.pins)}
        return data

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """Also registers again what a Redis restart (without persistence) forgot: the worker
        keeps working through one, and must not vanish from GET /api/v1/workers/."""
        super().heartbeat(timeout, pipeline)
        if pipeline is None and self.birth_date is not None:
            if not self.connection.hexists(self.key, "birth"):
                self.connection.hset(self.key, mapping=self.serialize())
            worker_registration.register(self)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        if HEAVY_QUEUES & set(self.queue_names()):
            log.info("preloaded torch, ml/ and ONNX Runtime in %.1f s", preload())
        return super().work(*args, **kwargs)
