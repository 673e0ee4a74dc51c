"""Time to accuracy: a training run through ml/ (the app's defaults) against a plain PyTorch
loop, in one run, on real images made offline.

Data (--data):
  patches32   10 classes of 32 px crops of skimage's photographs, 3,000 train / 960 val
              (ml.synthetic.photo_patches_manifest: val crops come from unseen parts);
  digits      sklearn's 1,797 real 8x8 digits at 32 px, stratified train/val/test;
  patches224  the same photographs at 224 px, 400 train / 120 val (JPEG).
ml/: ml.train.train() on the files with TrainConfig.from_params(architecture, epochs,
batch size, image size, device): everything else is the app's default, as a user's run
gets it. Its time is split by the run's own Stopwatch (setup and decode, data, step,
report, validation, checkpoint). The plain loop: the same architecture, epochs and batch,
the images decoded once into a uint8 tensor, SGD (nesterov, wd 5e-4, no decay on norms and
biases) with one-cycle, reflect-pad-4 random crops and flips on whole batches, a no-grad
validation pass per epoch: what a practitioner would write in 60 lines.

    python bench/time_to_accuracy.py [--data patches32] [--epochs 15] [--arch resnet20]

No Django: this imports ml/ only (the app's own overhead around ml/ is in --app).
"""

import argparse
import json
import math
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
from ml.data import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from ml.manifest import Manifest  # noqa: E402
from ml.optim import param_groups  # noqa: E402
from ml.registry import build  # noqa: E402
from ml.synthetic import digits_manifest, photo_patches_manifest  # noqa: E402
from ml.train import resolve_device, train  # noqa: E402

DATA = {
    "patches32": dict(arch="resnet20", size=32, epochs=15, batch=128),
    "digits": dict(arch="resnet20", size=32, epochs=15, batch=128),
    "patches224": dict(arch="resnet18", size=224, epochs=8, batch=32),
}


def make_data(name: str, folder: Path) -> Manifest:
    if name == "patches32":
        return photo_patches_manifest(folder)
    if name == "digits":
        return digits_manifest(folder, size=32)
    return photo_patches_manifest(folder, size=224, train_per_class=40, val_per_class=12,
                                  crop=(0.35, 0.8), fmt="JPEG")  # fmt: skip


def tensors(manifest: Manifest, split: str, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (N, 3, size, size) and int64 labels: centre square, resized."""
    samples = [s for s in manifest.samples if (s.split == split) or
               (split == "train" and s.split == "unassigned")]  # fmt: skip
    images = []
    for s in samples:
        img = Image.open(manifest.resolve(s)).convert("RGB")
        side = min(img.size)
        left, top = (img.width - side) // 2, (img.height - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size))
        images.append(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1))
    return torch.stack(images), torch.tensor([s.labels[0] for s in samples])


def plain_loop(manifest: Manifest, arch: str, size: int, epochs: int, batch: int,
               device: torch.device) -> dict:  # fmt: skip
    t0 = time.perf_counter()
    torch.manual_seed(0)
    x_train, y_train = (t.to(device) for t in tensors(manifest, "train", size))
    x_val, y_val = (t.to(device) for t in tensors(manifest, "val", size))
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1) * 255
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1) * 255
    model = build(arch, len(manifest.classes), image_size=size).to(device)
    steps = epochs * math.ceil(len(x_train) / batch)
    optimizer = torch.optim.SGD(param_groups(model, 5e-4), lr=0.1, momentum=0.9, nesterov=True)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=steps,
                                                   pct_start=0.25)  # fmt: skip
    pad = size // 8
    history = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), device=device)
        for lo in range(0, len(order), batch):
            idx = order[lo : lo + batch]
            xb = F.pad(x_train[idx].float(), (pad,) * 4, mode="reflect")
            n = len(idx)
            dx, dy = torch.randint(0, 2 * pad + 1, (2, n), device=device)
            rows = (dy[:, None] + torch.arange(size, device=device))[:, None, :, None]
            cols = (dx[:, None] + torch.arange(size, device=device))[:, None, None, :]
            xb = xb[torch.arange(n, device=device)[:, None, None, None],
                    torch.arange(3, device=device)[None, :, None, None], rows, cols]  # fmt: skip
            flip = torch.rand(n, device=device) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = F.cross_entropy(model((xb - mean) / std), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        model.eval()
        with torch.no_grad():
            hits = sum(
                (model((x_val[i : i + 1024].float() - mean) / std).argmax(1)
                 == y_val[i : i + 1024]).sum().item()
                for i in range(0, len(x_val), 1024)
            )  # fmt: skip
        history.append(hits / len(x_val))
    return {"seconds": time.perf_counter() - t0, "val_accuracy": history[-1],
            "best_val_accuracy": max(history), "history": history}  # fmt: skip


def app_run(manifest: Manifest, arch: str, size: int, epochs: int, batch: int,
            device: torch.device, out: Path) -> dict:  # fmt: skip
    config = TrainConfig.from_params(task="classify", architecture_name=arch, params={
        "epochs": epochs, "batch_size": batch, "image_size": size, "device": str(device)})  # fmt: skip

    class Log(Callbacks):
        def on_log(self, line: str) -> None:
            print(f"  [ml] {line}", flush=True)

    t0 = time.perf_counter()
    result = train(manifest, config, out, Log())
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "val_accuracy": result.history[-1]["val_accuracy"],
            "best_val_accuracy": result.best_metrics["val_accuracy"],
            "history": [h["val_accuracy"] for h in result.history],
            "timings": {k: round(v, 1) for k, v in result.timings.items()},
            "config": {k: getattr(config, k) for k in (
                "optimizer", "lr", "momentum", "weight_decay", "schedule", "warmup_epochs",
                "augment", "num_workers", "cache", "label_smoothing")}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="patches32", choices=sorted(DATA))
    parser.add_argument("--arch")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--only", choices=["plain", "app"], help="run one side only")
    args = parser.parse_args()
    spec = DATA[args.data]
    arch, size = args.arch or spec["arch"], spec["size"]
    epochs, batch = args.epochs or spec["epochs"], args.batch_size or spec["batch"]
    device = resolve_device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_data(args.data, Path(tmp) / "data")
        n = {s: len(manifest.split(s)) for s in ("train", "val", "test")}
        print(f"{args.data}: {n}, {arch}, {epochs} epochs, batch {batch}, {size} px, "
              f"{device}, {torch.get_num_threads()} torch threads", flush=True)  # fmt: skip
        out: dict = {"data": args.data, "arch": arch, "epochs": epochs, "batch": batch}
        if args.only != "app":
            out["plain"] = plain_loop(manifest, arch, size, epochs, batch, device)
            print(f"plain: {out['plain']['seconds']:.1f} s, val accuracy "
                  f"{out['plain']['val_accuracy']:.4f}", flush=True)  # fmt: skip
        if args.only != "plain":
            out["app"] = app_run(manifest, arch, size, epochs, batch, device, Path(tmp) / "run")
            print(f"app:   {out['app']['seconds']:.1f} s, val accuracy "
                  f"{out['app']['val_accuracy']:.4f}; {out['app']['timings']}", flush=True)  # fmt: skip
        if "plain" in out and "app" in out:
            out["time_ratio"] = round(out["app"]["seconds"] / out["plain"]["seconds"], 3)
            out["accuracy_ratio"] = round(
                out["app"]["val_accuracy"] / out["plain"]["val_accuracy"], 4
            )
            print(f"app/plain: time {out['time_ratio']}x, accuracy {out['accuracy_ratio']}x "
                  "(goal: time <= 1.1x, accuracy >= 0.99x)")  # fmt: skip
    print(json.dumps(out))


if __name__ == "__main__":
    main()
