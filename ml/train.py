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
from .timing import Stopwatch

DETECTOR_CLIP_NORM = 10.0
THROUGHPUT_WINDOW = 20
HOST_FIELDS = ("device", "num_workers", "cache", "compile")  # may differ on resume
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


def _score(task: str, metrics: dict[str, float]) -> tuple[float, float]:
    if task == "classify":
        return (metrics.get("val_accuracy", 0.0), -metrics.get("val_loss", 0.0))
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
        self.device = resolve_device(config.device)
        self.cuda = self.device.type == "cuda"
        self.detect = config.task == "detect"
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
        self.pipeline = build_pipeline(manifest, splits, config, self.device, self.rec.log)
        cores = usable_cores()
        threads = training_threads(self.device, self.pipeline.workers, cores)
        if threads is not None and threads != torch.get_num_threads():
            torch.set_num_threads(threads)  # train() puts the caller's number back
        self.rec.log(f"host: {cores} cores, {self.pipeline.workers} loader workers, "
                     f"{torch.get_num_threads()} torch threads")  # fmt: skip
        self.spe = self.pipeline.steps_per_epoch
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
            self.weights_path.unlink(missing_ok=True)
        else:
            self._restore(resume)
        self.net: nn.Module = self.model
        if self.cuda and config.compile and not self.detect:
            self.net = torch.compile(self.model)  # type: ignore[assignment]
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
        weights = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        ckpt_io.save_atomic(weights, self.weights_path)
        meta = {
            "architecture": self.config.architecture, "task": self.config.task,
            "classes": self.manifest.classes, "image_size": self.config.image_size,
            "label_offset": label_offset(self.config.architecture) if self.detect else 0,
            "epoch": epoch, "step": self.step, "metrics": metrics,
        }  # fmt: skip
        if self.config.anchors is not None:  # informative: model.pt carries them too
            meta["anchors"] = self.config.anchors
        (self.out_dir / "model.json").write_text(json.dumps(meta, indent=2))

    # ---- steps ---------------------------------------------------------------------------

    def train_step(self, images: Any, targets: Any) -> tuple[torch.Tensor, float, int]:
        lr = self.optimizer.param_groups[0]["lr"]
        with self.autocast:
            if self.detect:
                loss = sum(self.net(images, targets).values())
            else:
                loss = self.criterion(self.net(images), targets)
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()  # type: ignore[arg-type]
            self.scaler.unscale_(self.optimizer)
        else:
            loss.backward()  # type: ignore[union-attr]
        if self.detect:
            nn.utils.clip_grad_norm_(self.model.parameters(), DETECTOR_CLIP_NORM)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.scheduler.step()
        n = len(images) if self.detect else images.shape[0]
        return loss.detach(), lr, n  # type: ignore[union-attr]

    def report(self, step: int, loss: torch.Tensor, lr: float, n: int) -> None:
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
        if not self.splits.val:
            return {}
        if not self.detect:
            return evaluate_classify(self.net, self.pipeline.val_batches(), self.autocast)
        offset = label_offset(self.config.architecture)
        predictions = predict_detect(self.net, self.pipeline.val_batches(), offset, self.autocast)
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
    rec = Recorder(out_dir, callbacks, resume["step"] if resume else None)
    threads = torch.get_num_threads()
    try:
        run = _Run(manifest, config, out_dir, callbacks, resume, rec)
        run.clock.lap("setup")
        return _loop(run)
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
        "compile": run.net is not run.model,
    }  # fmt: skip
    rec.log(
        f"training {cfg.architecture} on {name}: {info['train_size']} train / "
        f"{info['val_size']} val images, {run.spe} steps/epoch, {run.total} steps; "
        f"data {run.pipeline.description}"
    )
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
            if cb.should_stop():
                return stop(epoch, batch)
            loss, lr, n = run.train_step(images, targets)
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
        if cb.should_stop():
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
