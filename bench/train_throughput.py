"""Training throughput of ml/ against a plain PyTorch loop, in one run.

ml/: train() fed from JPEG files on disk through the real data pipeline (decoded cache,
augmentation, per-step callbacks, metrics.csv, checkpoints, validation every epoch).
plain: the same model, optimizer, batch and image size on synthetic tensors already on the
device (bf16 autocast + channels_last on CUDA, as ml/ does). Epoch 1 of ml/ includes
decoding every JPEG into the cache; from epoch 2 on no JPEG is decoded. Validation and
checkpoint time is left out of the epochs 2+ figure (step time only). The H100 goal is
ml/ >= 0.9x plain from the second epoch.

    python bench/train_throughput.py                        # small defaults on CPU
    python bench/train_throughput.py --arch resnet18 --image-size 224 --batch-size 256 \
        --images 2048 --epochs 3 --device cuda
    python bench/train_throughput.py --digits               # time to 95% on sklearn digits

No Django: this imports ml/ only.
"""

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402

from ml.callbacks import Callbacks  # noqa: E402
from ml.config import TrainConfig  # noqa: E402
from ml.manifest import Manifest, Sample  # noqa: E402
from ml.optim import make_optimizer  # noqa: E402
from ml.registry import build  # noqa: E402
from ml.train import resolve_device, train  # noqa: E402

CLASSES = 10


def make_jpegs(folder: Path, n: int, image_size: int, seed: int = 0) -> Manifest:
    """n JPEG files about 1.5x image_size (smooth random colour fields, class-tinted)."""
    rng = np.random.default_rng(seed)
    width, height = int(image_size * 1.5), int(image_size * 1.25)
    samples = []
    for i in range(n):
        label = i % CLASSES
        small = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
        small[..., label % 3] = 40 + 20 * label
        image = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
        rel = f"img/{i:05d}.jpg"
        (folder / "img").mkdir(parents=True, exist_ok=True)
        image.save(folder / rel, quality=90)
        split = "val" if i % 32 == 0 else "train"
        samples.append(Sample(rel, f"s{i}", split, labels=[label], width=width, height=height))
    return Manifest("classify", [str(c) for c in range(CLASSES)], samples, root=str(folder))


class Timer(Callbacks):
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.steps: list[tuple[float, int, float]] = []  # (time, step, epoch)
        self.spe = 1
        self.info: dict = {}

    def on_start(self, info: dict) -> None:
        self.info, self.spe = info, info["steps_per_epoch"]

    def on_step(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
        self.steps.append((time.perf_counter(), step, epoch))

    def on_log(self, line: str) -> None:
        print(f"  [ml] {line}", flush=True)

    def epoch_times(self) -> list[float]:
        """Step time per epoch: intervals between steps of the same epoch, plus one median
        interval for the epoch's first step (validation and checkpoints are left out)."""
        out = []
        for e in range(max(s for _, s, _ in self.steps) // self.spe):
            t = [ts for ts, s, _ in self.steps if e * self.spe < s <= (e + 1) * self.spe]
            gaps = [b - a for a, b in itertools.pairwise(t)]
            out.append(sum(gaps) + (statistics.median(gaps) if gaps else 0.0))
        return out


def plain_loop(config: TrainConfig, device: torch.device, steps: int, last: int) -> list[float]:
    """Seconds per epoch of the same model/optimizer on tensors already on the device."""
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    model = build(config.architecture, CLASSES).to(device)
    fmt = torch.channels_last if cuda and config.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    optimizer = make_optimizer(model, config)
    net = torch.compile(model) if cuda and config.compile else model
    size, bs = config.image_size, config.batch_size
    x = torch.randn(bs, 3, size, size, device=device).contiguous(memory_format=fmt)
    y = torch.randint(0, CLASSES, (bs,), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda and config.amp)
    if cuda:
        torch.backends.cudnn.benchmark = True
    times = []
    for _ in range(config.epochs):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for s in range(steps):
            xb, yb = (x[:last], y[:last]) if s == steps - 1 and last else (x, y)
            with autocast:
                loss = F.cross_entropy(net(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return times


def throughput(args: argparse.Namespace, device: torch.device) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        manifest = make_jpegs(Path(tmp), args.images, args.image_size)
        print(f"wrote {args.images} JPEGs in {time.perf_counter() - t:.1f}s", flush=True)
        params = {
            "epochs": args.epochs, "batch_size": args.batch_size, "image_size": args.image_size,
            "device": str(device), "cache": args.cache, "num_workers": args.workers,
            "compile": args.compile, "warmup_epochs": 0, "lr": 0.05, "augment": 0.5,
        }  # fmt: skip
        config = TrainConfig.from_params(
            task="classify", architecture_name=args.arch, params=params
        )
        timer = Timer()
        train(manifest, config, Path(tmp) / "run", timer)
        n_train = timer.info["train_size"]
        spe = timer.info["steps_per_epoch"]
        first_end = next(ts for ts, s, _ in timer.steps if s == spe)
        ours_first = n_train / (first_end - timer.t0)
        ours_later = n_train * (args.epochs - 1) / sum(timer.epoch_times()[1:])
    print("plain loop on device tensors ...", flush=True)
    plain = plain_loop(config, device, spe, n_train % args.batch_size)
    plain_first = n_train / plain[0]
    plain_later = n_train * (args.epochs - 1) / sum(plain[1:])
    return {
        "device": timer.info["device_name"], "arch": args.arch, "image_size": args.image_size,
        "batch_size": args.batch_size, "train_images": n_train, "data": timer.info["data"],
        "ml_epoch1_img_s": round(ours_first, 1), "ml_epochs2plus_img_s": round(ours_later, 1),
        "plain_epoch1_img_s": round(plain_first, 1), "plain_epochs2plus_img_s": round(plain_later, 1),
        "ratio_epochs2plus": round(ours_later / plain_later, 3),
    }  # fmt: skip


def digits(args: argparse.Namespace, device: torch.device) -> dict:
    from ml.predict import load_model
    from ml.synthetic import digits_manifest

    with tempfile.TemporaryDirectory() as tmp:
        manifest = digits_manifest(Path(tmp) / "digits", size=32, seed=0)
        params = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": 0.1,
                  "augment": 0.3, "device": str(device), "cache": args.cache,
                  "num_workers": args.workers}  # fmt: skip
        config = TrainConfig.from_params(
            task="classify", architecture_name="resnet20", params=params
        )
        reached: dict = {}
        t0 = time.perf_counter()

        class Watch(Callbacks):
            def on_epoch(
                self, epoch: int, step: int, metrics: dict[str, float], *, best: bool = False
            ) -> None:
                print(f"  epoch {epoch}: {metrics} at {time.perf_counter() - t0:.1f}s", flush=True)
                if metrics["val_accuracy"] >= 0.95 and not reached:
                    reached.update(seconds=time.perf_counter() - t0, epoch=epoch, step=step)

        result = train(manifest, config, Path(tmp) / "run", Watch())
        total = time.perf_counter() - t0
        test = manifest.split("test")
        predictor = load_model(result.weights_path, "resnet20", manifest.classes, 32, device)
        predictions = predictor.classify([manifest.resolve(s) for s in test], top_k=1)
        hits = sum(
            p[0].label == manifest.classes[s.labels[0]]
            for p, s in zip(predictions, test, strict=True)
        )
    return {
        "device": result.device, "epochs": args.epochs, "batch_size": args.batch_size,
        "seconds_to_95pct_val": round(reached["seconds"], 1) if reached else None,
        "epoch_reached": reached.get("epoch"), "total_seconds": round(total, 1),
        "best_val_accuracy": round(result.best_metrics["val_accuracy"], 4),
        "test_accuracy": round(hits / len(test), 4), "test_images": len(test),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--image-size", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--images", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--cache", default="auto", choices=["auto", "none", "cpu", "gpu"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compile", action="store_true", help="torch.compile both loops")
    parser.add_argument("--digits", action="store_true", help="time to 95%% on sklearn digits")
    args = parser.parse_args()
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    if args.digits:
        args.epochs = args.epochs or (15 if cuda else 8)
        args.batch_size = args.batch_size or 64
        print(json.dumps(digits(args, device)), flush=True)
        return
    args.image_size = args.image_size or (224 if cuda else 64)
    args.batch_size = args.batch_size or (256 if cuda else 32)
    args.images = args.images or (2048 if cuda else 256)
    args.epochs = args.epochs or 3
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (epochs 2+ are the steady state).")
    print(json.dumps(throughput(args, device)), flush=True)


if __name__ == "__main__":
    main()
