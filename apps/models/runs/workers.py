"""The RQ workers online, as their heartbeats in Redis tell (host, queues, busy or idle, and
for train/infer workers the device, GPU name and memory they recorded at start: see
apps/core/worker.py), and where a run may be pinned."""

from typing import Any

import django_rq
from rq import Worker

from apps.core.exceptions import ApplicationError
from apps.core.worker import pinned_queue


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


def workers_online() -> list[dict[str, Any]]:
    connection = django_rq.get_connection("train")
    rows = []
    for worker in Worker.all(connection=connection):
        extra = {_text(k): _text(v) for k, v in connection.hgetall(worker.key).items()
                 if _text(k).startswith("lf_")}  # fmt: skip
        job = worker.get_current_job()
        rows.append({
            "name": worker.name,
            "host": worker.hostname or "",
            "queues": worker.queue_names(),
            "device": extra.get("lf_device", ""),
            "gpu_index": extra.get("lf_gpu_index") or None,
            "gpu_name": extra.get("lf_gpu_name", ""),
            "gpu_memory_mb": int(extra.get("lf_gpu_memory_mb") or 0),
            "gpu_count": int(extra.get("lf_gpu_count") or 0),
            "pins": [p for p in extra.get("lf_pins", "").split(",") if p],
            "state": str(worker.get_state()),
            "current_job": job.description if job else None,
            "last_heartbeat": worker.last_heartbeat,
        })  # fmt: skip
    rows.sort(key=lambda r: (r["host"], r["gpu_index"] or "", r["name"]))
    return rows


def train_queue_for(pin: str) -> str:
    """The queue a run pinned to `pin` (a host, or host/gpuN) goes to; refused when no
    worker online takes it."""
    if not pin:
        return "train"
    known = {p for w in workers_online() if "train" in w["queues"] for p in w["pins"]}
    if pin not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise ApplicationError(f"worker: no training worker online answers to {pin!r} "
                               f"(online: {listed}).", code="unknown_worker")  # fmt: skip
    return pinned_queue("train", pin)


def check_gpus(pin: str, gpus: int) -> None:
    """A data-parallel run (gpus > 1) pinned to a host or GPU is refused when no training
    worker there sees that many GPUs (a CPU worker runs gloo processes: any number works).
    Unpinned, the run waits for whichever worker takes it and fails there with the reason."""
    if gpus <= 1 or not pin:
        return
    there = [w for w in workers_online() if "train" in w["queues"] and pin in w["pins"]]
    if there and not any(w["device"] == "cpu" or w["gpu_count"] >= gpus for w in there):
        most = max(w["gpu_count"] for w in there)
        raise ApplicationError(f"gpus: {gpus} asked for, but the workers on {pin!r} see at "
                               f"most {most}; start one without LABELFORGE_GPU to use all of a "
                               "host's GPUs.", code="invalid_params")  # fmt: skip
