"""Multi-process data-parallel training: torch.distributed with one process per device.

launch(fn, world_size, *args) runs fn(rank, world_size, *args) in `world_size` processes:
rank 0 in the calling process (so the caller's Callbacks object works unchanged and fn's
return value is launch's), ranks 1..N-1 in fresh "spawn" processes (their arguments must be
picklable: plain values, a Manifest, paths). Each process joins a process group on
127.0.0.1 at a free port: NCCL on CUDA (rank r uses cuda:r), gloo on the CPU. A small gloo
group is made beside an NCCL one for control flags (stop), so checking them every step never
synchronises the GPU.

The helpers (rank, world, is_main, barrier, all_reduce_mean, all_reduce_sum, any_flag) work
outside a process group too, as a world of one.
"""

import socket
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

# collectives wait at most this long: the other ranks wait while rank 0 validates
TIMEOUT = timedelta(minutes=60)
JOIN_SECONDS = 60.0  # after rank 0 is done, how long the others get to exit

_control: Any = None  # the gloo group for flags (None: use the default group)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world() -> int:
    return dist.get_world_size() if active() else 1


def is_main() -> bool:
    return rank() == 0


def barrier() -> None:
    if active():
        dist.barrier()


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """The sum over ranks, in place (and returned)."""
    if active():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """The mean over ranks, in place (and returned)."""
    if active():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        tensor /= dist.get_world_size()
    return tensor


def any_flag(flag: bool) -> bool:
    """True on every rank when it is True on any (a CPU tensor over the gloo group)."""
    if not active():
        return bool(flag)
    t = torch.tensor([1 if flag else 0], dtype=torch.int32)
    dist.all_reduce(t, op=dist.ReduceOp.MAX, group=_control)
    return bool(t.item())


def share(batch_len: int, rank_: int, world_: int) -> float:
    """The weight of rank `rank_`'s mean loss when a global batch of `batch_len` is sharded:
    DDP averages gradients over ranks, so weighting each rank's mean by
    n_rank * world / batch_len gives exactly the gradient of the global batch's mean."""
    n = len(range(rank_, batch_len, world_))
    return n * world_ / batch_len if batch_len else 0.0


def init(rank_: int, world_: int, port: int, cuda: bool) -> None:
    global _control
    backend = "nccl" if cuda else "gloo"
    if cuda:
        torch.cuda.set_device(rank_ % max(1, torch.cuda.device_count()))
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=rank_,
                            world_size=world_, timeout=TIMEOUT)  # fmt: skip
    _control = dist.new_group(backend="gloo", timeout=TIMEOUT) if cuda else None


def shutdown() -> None:
    global _control
    if active():
        dist.destroy_process_group()
    _control = None


def _child(rank_: int, world_: int, port: int, cuda: bool, fn: Callable, args: tuple) -> None:
    try:
        init(rank_, world_, port, cuda)
        fn(rank_, world_, *args)
    except BaseException:
        traceback.print_exc()
        raise
    finally:
        shutdown()


def launch(fn: Callable, world_size: int, *args: Any, cuda: bool = False,
           main_kwargs: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """fn(rank, world_size, *args) in world_size processes; rank 0 here, also given
    main_kwargs (e.g. callbacks, which need not pickle). Returns rank 0's result; raises when
    rank 0 does, or when another rank failed."""
    if world_size < 1:
        raise ValueError("launch: world_size must be at least 1.")
    if active():
        raise RuntimeError("launch: a process group is already active in this process.")
    if cuda and torch.cuda.device_count() < world_size:
        raise ValueError(f"gpus: {world_size} asked for, {torch.cuda.device_count()} visible.")
    port = free_port()
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=_child, args=(r, world_size, port, cuda, fn, args), daemon=True)
        for r in range(1, world_size)
    ]
    for p in procs:
        p.start()
    ok = False
    try:
        init(0, world_size, port, cuda)
        result = fn(0, world_size, *args, **(main_kwargs or {}))
        ok = True
    finally:
        shutdown()
        for p in procs:
            p.join(JOIN_SECONDS if ok else 5.0)
            if p.is_alive():
                p.terminate()
                p.join(5.0)
    failed = [r for r, p in enumerate(procs, start=1) if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"data-parallel training: rank(s) {failed} failed (see their output).")
    return result
