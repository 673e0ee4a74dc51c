"""The training loop: train(manifest, config, out_dir, callbacks, resume_from) -> TrainResult.

Steps are counted from 1; total_steps = epochs * ceil(n_train / batch_size). After every
epoch the val split is evaluated and, when it is the best so far, the weights are written to
out_dir/model.pt (a plain state_dict) with out_dir/model.json. out_dir/checkpoint.pt holds
everything needed to go on (model, optimizer, scheduler, step, epoch, batch within the
epoch, best metrics, random generator states, config); it is written atomically every
`checkpoint_every` steps, at the end of every epoch and when the run is stopped. Resuming
continues at the same step and sampler position and ends at the same total step count; on
the CPU with num_workers=0 it ends with the same weights as a run never interrupted.

On CUDA: autocast (config.amp; bf16 for classifiers, fp16 + GradScaler for detectors),
channels_last (config.channels_last), optional torch.compile (config.compile, classifiers)
and cudnn autotuning for fixed-size inputs.

Data parallel (config.gpus = N > 1, ml/distributed.py): N processes, rank 0 in the caller's
process (its callbacks, log.txt, metrics.csv, model.pt and checkpoint.pt: the other ranks
write and report nothing), ranks 1..N-1 spawned; the model is wrapped in
DistributedDataParallel (NCCL on CUDA, rank r on cuda:r; gloo on the CPU). batch_size is
the global batch of one step: every rank draws the same weighted sample sequence and takes
its part of each batch (batch[rank::N], ml/sampler.py), each rank's mean loss is weighted so
the averaged gradient is the whole batch's. So steps_per_epoch, total_steps, the schedule
and which images (with which augmentation) make up each step are those of a single-device
run; the per-process batch is ceil(batch_size / N) (info["batch_per_process"]). What differs:
BatchNorm statistics come from each process's part (running stats: rank 0's, broadcast) and
floating-point sums. Rank 0 validates (the others wait) and asks should_stop() before every
step, and the answer is shared, so a cancel stops every rank at the same step. Checkpoints
hold the unwrapped model and the global step, so they resume with any gpus, 1 included.
"""

import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import checkpoint as ckpt_io
from . import distributed
from .architectures import BOX_TASKS
from .callbacks import Callbacks
from .config import TrainConfig
from .data import training_splits
from .evaluate import coco_map, evaluate_classify, predict_detect
from .host import training_threads, usable_cores
from .manifest import Manifest
from .optim import make_optimizer, make_scheduler
from .pipeline import build_pipeline
from .records import Recorder
from .registry import build, count_parameters, label_offset
from .segeval import evaluate_semantic, predict_instances
from .segmetrics import mask_map
from .timing import Stopwatch

DETECTOR_CLIP_NORM = 10.0
THROUGHPUT_WINDOW = 20
HOST_FIELDS = ("device", "num_workers", "cache", "compile", "gpus")  # may differ on resume
# a run's wall time: setup (model, pipeline, decoded cache), data (waiting for batches: decode
# and augmentation when they are not done up front), step (forward, backward, update; on CUDA
# it includes waiting for the device), report (metrics and callbacks), validation, checkpoint
# (checkpoints and best weights)
TRAIN_PHASES = ("setup", "data", "step", "report", "validation", "checkpoint")


@dataclass
class TrainResult:
    status: str  # completed | stopped
    step: int
    total_steps: int
    epoch: float  # epochs done, fractional when stopped mid-epoch
    best_metrics: dict[str, float]
    weights_path: Path | None
    checkpoint_path: Path | None
    device: str
    classes: list[str]
    best_epoch: int | None = None
    metrics_path: Path | None = None
    log_path: Path | None = None
    history: list[dict[str, float]] = field(default_factory=list)  # val metrics per epoch
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase (Stopwatch)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: CUDA was asked for but is not available on this host.")
    return device


def rank_device(device: torch.device, rank: int, world: int) -> torch.device:
    """Rank r of a data-parallel run on CUDA trains on cuda:r; on the CPU every rank does."""
    if device.type != "cuda" or world == 1:
        return device
    return torch.device("cuda", rank)


class _Silent:
    """The Recorder of ranks other than 0: they write and report nothing."""

    log_path = metrics_path = None

    def log(self, line: str) -> None: ...

    def metrics(self, step: int, epoch: float, values: dict[str, float]) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def _score(task: str, metrics: dict[str, float]) -> tuple[float, float]:
    if task == "classify":
        return (metrics.get("val_accuracy", 0.0), -metrics.get("val_loss", 0.0))
    if task == "semantic":
        return (metrics.get("miou", 0.0), -metrics.get("val_loss", 0.0))
    return (metrics.get("map", 0.0), metrics.get("map50", 0.0))


def _resumed_config(saved: dict[str, Any], given: TrainConfig) -> TrainConfig:
    names = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in saved.items() if k in names})
    for name in HOST_FIELDS:
        setattr(config, name, getattr(given, name))
    return config


class _Run:
    """State of one train() call; split out of train() to keep each piece readable."""

    def __init__(self, manifest: Manifest, config: TrainConfig, out_dir: Path,
                 callbacks: Callbacks, resume: dict[str, Any] | None, rec: Recorder) -> None:  # fmt: skip
        self.clock = Stopwatch(TRAIN_PHASES)
        self.manifest, self.config, self.out_dir, self.cb = manifest, config, out_dir, callbacks
        self.rec = rec
        self.rank, self.world = distributed.rank(), distributed.world()
        self.main = self.rank == 0
        self.device = rank_device(resolve_device(config.device), self.rank, self.world)
        self.cuda = self.device.type == "cuda"
        self.detect = config.task in BOX_TASKS  # Mask R-CNN trains and scores as a detector
        self.semantic = config.task == "semantic"
        torch.manual_seed(config.seed)
        splits = training_splits(manifest, config.seed)
        self.splits = splits
        for note in splits.notes:
            self.rec.log(note)
        pretrained = config.pretrained if resume is None else None  # the checkpoint has it all
        self.model = build(config.architecture, len(manifest.classes), pretrained,
                           image_size=config.image_size, anchors=config.anchors)  # fmt: skip
        report = getattr(self.model, "pretrained_report", None)
        if report is not None:
            self.rec.log(report.summary())
        self.model.to(self.device)
        if self.cuda:
            torch.backends.cudnn.benchmark = not self.detect  # fixed input sizes only
            torch.set_float32_matmul_precision("high")
            if config.channels_last:
                self.model.to(memory_format=torch.channels_last)
        self.pipeline = build_pipeline(manifest, splits, config, self.device, self.rec.log,
                                       self.rank, self.world)  # fmt: skip
        cores = usable_cores()
        if not self.cuda:
            cores = max(1, cores // self.world)  # the ranks share this host's cores
        threads = training_threads(self.device, self.pipeline.workers, cores)
        if threads is not None and threads != torch.get_num_threads():
            torch.set_num_threads(threads)  # train() puts the caller's number back
        self.rec.log(f"host: {cores} cores, {self.pipeline.workers} loader workers, "
                     f"{torch.get_num_threads()} torch threads")  # fmt: skip
        self.spe = self.pipeline.steps_per_epoch
        self.n_train = len(splits.train)
        self.total = config.epochs * self.spe
        self.optimizer = make_optimizer(self.model, config)
        self.scheduler = make_scheduler(self.optimizer, config, self.spe, self.total)
        self.step, self.epoch, self.batch = 0, 0, 0
        self.best: dict[str, float] = {}
        self.best_epoch: int | None = None
        self.history: list[dict[str, float]] = []
        self.weights_path = out_dir / "model.pt"
        self.ckpt_path = out_dir / "checkpoint.pt"
        # Autocast: bf16 for classifiers. Detectors decode boxes in the autocast dtype, where
        # bf16 (8-bit mantissa) would round coordinates by pixels: fp16 + GradScaler instead.
        self.autocast: contextlib.AbstractContextManager = contextlib.nullcontext()
        self.scaler: torch.amp.GradScaler | None = None
        if self.cuda and config.amp:
            dtype = torch.float16 if self.detect else torch.bfloat16
            self.autocast = torch.autocast("cuda", dtype=dtype)
            if self.detect:
                self.scaler = torch.amp.GradScaler("cuda")
        if resume is None:
            if self.main:
                self.weights_path.unlink(missing_ok=True)
        else:
            self._restore(resume)
        self.compiled = self.cuda and config.compile and not self.detect
        # eval_net: validation, on rank 0 alone (no DDP collectives); net: training steps
        self.eval_net: nn.Module = self.model
        if self.compiled:
            self.eval_net = torch.compile(self.model)  # type: ignore[assignment]
        self.net: nn.Module = self.eval_net
        if self.world > 1:
            ids = [self.device.index] if self.cuda else None
            self.net = nn.parallel.DistributedDataParallel(self.eval_net, device_ids=ids)
        self.criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
        self.window: deque[tuple[float, int]] = deque(maxlen=THROUGHPUT_WINDOW)
        self.t_last = time.perf_counter()

    # ---- checkpoints ---------------------------------------------------------------------

    def _restore(self, state: dict[str, Any]) -> None:
        if state.get("classes") != self.manifest.classes:
            raise ValueError("Resume: the manifest's classes differ from the checkpoint's.")
        if state.get("steps_per_epoch") != self.spe:
            raise ValueError("Resume: the training set differs from the checkpoint's.")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.scaler is not None and state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.step, self.epoch, self.batch = state["step"], state["epoch"], state["batch"]
        self.best, self.best_epoch = dict(state["best_metrics"]), state.get("best_epoch")
        self.history = list(state.get("history", []))
        ckpt_io.set_rng_state(state["rng"])
        self.rec.log(f"resumed from step {self.step} (epoch {self.epoch + 1}, batch {self.batch})")

    def save_checkpoint(self, epoch: int, batch: int) -> None:
        if not self.main:
            return
        state = {
            "version": 1,
            "model": {k: v.detach().cpu() for k, v in self.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "step": self.step, "epoch": epoch, "batch": batch,
            "steps_per_epoch": self.spe, "total_steps": self.total,
            "best_metrics": self.best, "best_epoch": self.best_epoch, "history": self.history,
            "rng": ckpt_io.rng_state(),
            "config": self.config.to_dict(),
            "classes": list(self.manifest.classes),
            "architecture": self.config.architecture,
        }  # fmt: skip
        ckpt_io.save_atomic(state, self.ckpt_path)
        self.rec.flush()

    def save_weights(self, metrics: dict[str, float], epoch: int) -> None:
        if not self.main:
            return
        weights = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        ckpt_io.save_atomic(weights, self.weights_path)
        meta = {
            "architecture": self.config.architecture, "task": self.config.task,
            "classes": self.manifest.classes, "image_size": self.config.image_size,
            "label_offset": label_offset(self.config.architecture),
            "epoch": epoch, "step": self.step, "metrics": metrics,
        }  # fmt: skip
        if self.config.anchors is not None:  # informative: model.pt carries them too
            meta["anchors"] = self.config.anchors
        (self.out_dir / "model.json").write_text(json.dumps(meta, indent=2))

    # ---- steps ---------------------------------------------------------------------------

    def train_step(
        self, images: Any, targets: Any, batch: int = 0
    ) -> tuple[torch.Tensor, float, int]:
        """One optimizer step on batch number `batch` of the epoch; returns the batch's mean
        loss, the learning rate and the number of images (over all ranks)."""
        lr = self.optimizer.param_groups[0]["lr"]
        with self.autocast:
            if self.detect:
                loss = sum(self.net(images, targets).values())
            elif self.semantic:
                loss = self.criterion(self.net(images)["out"], targets)
            else:
                loss = self.criterion(self.net(images), targets)
        weight = 1.0
        if self.world > 1:  # DDP averages gradients: weight this rank's share of the batch
            batch_len = min(self.config.batch_size, self.n_train - batch * self.config.batch_size)
            weight = distributed.share(batch_len, self.rank, self.world)
        scaled = loss if weight == 1.0 else loss * weight
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(scaled).backward()  # type: ignore[arg-type]
            self.scaler.unscale_(self.optimizer)
        else:
            scaled.backward()  # type: ignore[union-attr]
        if self.detect:
            nn.utils.clip_grad_norm_(self.model.parameters(), DETECTOR_CLIP_NORM)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.scheduler.step()
        n = len(images) if self.detect else images.shape[0]
        if self.world == 1:
            return loss.detach(), lr, n  # type: ignore[union-attr]
        # the whole batch's mean loss, for rank 0's report: sum of (weight x mean) / world
        total = distributed.all_reduce_sum(scaled.detach().float().clone())  # type: ignore[union-attr]
        return total / self.world, lr, batch_len

    def should_stop(self) -> bool:
        """Rank 0's callbacks decide (the others' say no); every rank gets the answer."""
        return distributed.any_flag(self.cb.should_stop())

    def report(self, step: int, loss: torch.Tensor, lr: float, n: int) -> None:
        if not self.main:
            return
        value = float(loss.item())
        if value != value or value in (float("inf"), float("-inf")):
            raise FloatingPointError(f"The training loss is not finite at step {step}.")
        now = time.perf_counter()
        self.window.append((now, n))
        t0 = self.window[0][0] if len(self.window) > 1 else self.t_last
        images = sum(k for _, k in list(self.window)[1:]) if len(self.window) > 1 else n
        self.t_last = now
        metrics = {
            "train_loss": value, "lr": lr, "throughput": images / max(now - t0, 1e-9),
            "gpu_mem_mb": torch.cuda.max_memory_allocated(self.device) / 2**20 if self.cuda else 0.0,
        }  # fmt: skip
        self.rec.metrics(step, step / self.spe, metrics)
        self.cb.on_step(step, step / self.spe, metrics)

    def evaluate(self) -> dict[str, float]:
        if not self.splits.val or not self.main:
            return {}
        net = self.eval_net
        if self.semantic:
            metrics = evaluate_semantic(net, self.pipeline.val_batches(), self.manifest.classes,
                                        self.autocast)  # fmt: skip
            metrics.pop("report", None)  # per class: the held-out report (ml/holdout.py)
            return metrics
        if not self.detect:
            return evaluate_classify(net, self.pipeline.val_batches(), self.autocast)
        offset = label_offset(self.config.architecture)
        if self.config.task == "segment":
            rows = predict_instances(net, self.pipeline.val_batches(), offset, self.autocast,
                                     self.splits.val, self.config.score_threshold)  # fmt: skip
            return mask_map(self.splits.val, rows, len(self.manifest.classes),
                            self.config.score_threshold)  # fmt: skip
        predictions = predict_detect(net, self.pipeline.val_batches(), offset, self.autocast)
        return coco_map(self.splits.val, predictions, len(self.manifest.classes),
                        self.config.score_threshold)  # fmt: skip


def train(
    manifest: Manifest,
    config: TrainConfig,
    out_dir: Path,
    callbacks: Callbacks | None = None,
    resume_from: Path | None = None,
) -> TrainResult:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    resume = ckpt_io.load(Path(resume_from)) if resume_from else None
    if resume is not None:
        config = _resumed_config(resume["config"], config)
    config.validate()
    if manifest.task != config.task:
        raise ValueError(f"The manifest is for {manifest.task}, the config for {config.task}.")
    callbacks = callbacks or Callbacks()
    if config.gpus > 1 and not distributed.active():
        cuda = resolve_device(config.device).type == "cuda"
        resume_path = str(resume_from) if resume_from else None
        return distributed.launch(_train_rank, config.gpus, manifest, config.to_dict(),
                                  str(out_dir), resume_path, cuda=cuda,
                                  main_kwargs={"callbacks": callbacks})  # fmt: skip
    return _train_here(manifest, config, out_dir, callbacks, resume)


def _train_rank(rank: int, world: int, manifest: Manifest, config: dict[str, Any], out_dir: str,
                resume_from: str | None, callbacks: Callbacks | None = None) -> TrainResult:  # fmt: skip
    """One rank of a data-parallel run (ml/distributed.py launch): plain, picklable inputs;
    rank 0 (in the caller's process) also gets the caller's callbacks."""
    resume = ckpt_io.load(Path(resume_from)) if resume_from else None
    cfg = TrainConfig(**config)
    return _train_here(manifest, cfg, Path(out_dir), callbacks or Callbacks(), resume)


def _train_here(manifest: Manifest, config: TrainConfig, out_dir: Path, callbacks: Callbacks,
                resume: dict[str, Any] | None) -> TrainResult:  # fmt: skip
    main = distributed.is_main()
    step = resume["step"] if resume else None
    rec: Any = Recorder(out_dir, callbacks, step) if main else _Silent()
    threads = torch.get_num_threads()
    try:
        run = _Run(manifest, config, out_dir, callbacks, resume, rec)
        run.clock.lap("setup")
        result = _loop(run)
        distributed.barrier()  # the others wait for rank 0's last validation and checkpoint
        return result
    except Exception as exc:
        rec.log(f"failed: {type(exc).__name__}: {exc}")
        raise
    finally:
        torch.set_num_threads(threads)
        rec.close()


def _result(run: _Run, status: str) -> TrainResult:
    return TrainResult(
        status=status, step=run.step, total_steps=run.total, epoch=run.step / run.spe,
        best_metrics=dict(run.best),
        weights_path=run.weights_path if run.weights_path.exists() else None,
        checkpoint_path=run.ckpt_path if run.ckpt_path.exists() else None,
        device=str(run.device), classes=list(run.manifest.classes), best_epoch=run.best_epoch,
        metrics_path=run.rec.metrics_path, log_path=run.rec.log_path, history=list(run.history),
        timings=dict(run.clock.seconds),
    )  # fmt: skip


def _loop(run: _Run) -> TrainResult:
    cfg, cb, rec = run.config, run.cb, run.rec
    name = torch.cuda.get_device_name(run.device) if run.cuda else "cpu"
    info = {
        "device": str(run.device), "device_name": name, "total_steps": run.total,
        "steps_per_epoch": run.spe, "train_size": len(run.splits.train),
        "val_size": len(run.splits.val), "param_count": count_parameters(run.model),
        "architecture": cfg.architecture, "classes": list(run.manifest.classes),
        "start_step": run.step, "data": run.pipeline.description,
        "amp": run.cuda and cfg.amp, "channels_last": run.cuda and cfg.channels_last,
        "compile": run.compiled, "gpus": run.world,
        "batch_per_process": -(-cfg.batch_size // run.world),
    }  # fmt: skip
    rec.log(
        f"training {cfg.architecture} on {name}: {info['train_size']} train / "
        f"{info['val_size']} val images, {run.spe} steps/epoch, {run.total} steps; "
        f"data {run.pipeline.description}"
    )
    if run.world > 1:
        backend = "nccl" if run.cuda else "gloo"
        rec.log(f"data parallel: {run.world} processes ({backend}), each step's batch of "
                f"{cfg.batch_size} split {info['batch_per_process']} per process")  # fmt: skip
    cb.on_start(info)
    run.t_last = time.perf_counter()
    pending: tuple | None = None  # on CUDA a step is reported once the next one is queued

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            run.report(*pending)
            pending = None

    def stop(epoch: int, batch: int) -> TrainResult:
        flush()
        run.save_checkpoint(epoch, batch)
        clock.lap("checkpoint")
        rec.log(f"stopped at step {run.step} of {run.total}; checkpoint saved")
        return _result(run, "stopped")

    clock = run.clock
    for epoch in range(run.epoch, cfg.epochs):
        start = run.batch if epoch == run.epoch else 0
        batch = start
        run.net.train()
        for images, targets in run.pipeline.train_batches(epoch, start):
            clock.lap("data")
            if run.should_stop():
                return stop(epoch, batch)
            loss, lr, n = run.train_step(images, targets, batch)
            run.step += 1
            batch += 1
            clock.lap("step")
            if run.cuda:
                previous, pending = pending, (run.step, loss, lr, n)
                if previous is not None:
                    run.report(*previous)
            else:
                run.report(run.step, loss, lr, n)
            clock.lap("report")
            if cfg.checkpoint_every and run.step % cfg.checkpoint_every == 0 and batch < run.spe:
                flush()
                run.save_checkpoint(epoch, batch)
                clock.lap("checkpoint")
        clock.lap("data")
        flush()
        clock.lap("report")
        if run.should_stop():
            return stop(epoch, run.spe)
        metrics = run.evaluate()
        clock.lap("validation")
        run.history.append({"epoch": epoch + 1, "step": run.step, **metrics})
        improved = not run.best or _score(cfg.task, metrics) > _score(cfg.task, run.best)
        if improved:
            run.best, run.best_epoch = dict(metrics), epoch + 1
            run.save_weights(metrics, epoch + 1)
        clock.lap("checkpoint")
        rec.metrics(run.step, run.step / run.spe, metrics)
        text = ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()) or "no val images"
        rec.log(f"epoch {epoch + 1}/{cfg.epochs} (step {run.step}): {text}"
                + (" (best so far)" if improved and metrics else ""))  # fmt: skip
        cb.on_epoch(epoch + 1, run.step, metrics, best=improved)
        clock.lap("report")
        run.save_checkpoint(epoch + 1, 0)
        clock.lap("checkpoint")
    rec.log(f"done: {run.step} steps; best {run.best} at epoch {run.best_epoch}")
    rec.log(f"time: {clock.summary()}")
    return _result(run, "completed")
