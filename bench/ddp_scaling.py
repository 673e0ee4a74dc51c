"""Data-parallel scaling of ml/ training: the same run with gpus=1 and gpus=N, in one run.

Both train the same model on the same JPEG set through train() (the real pipeline, rank 0
reporting); gpus=N splits each step's batch over N processes (NCCL on CUDA, gloo on the
CPU), so both make the same steps. Printed: images/s of epochs 2+ (step time only, as in
bench/train_throughput.py) for each, the speed-up N vs 1 and the scaling efficiency
(speed-up / N). Each process's batch is batch_size / N: give a batch that fills N devices.

    python bench/ddp_scaling.py --device cuda --gpus 8 --arch resnet50 --image-size 224 \
        --batch-size 1024 --images 16384
    python bench/ddp_scaling.py                 # 2 gloo processes on the CPU, small defaults

No Django: this imports ml/ only.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from train_throughput import Timer, make_jpegs  # noqa: E402

from ml.config import TrainConfig  # noqa: E402
from ml.manifest import Manifest  # noqa: E402
from ml.train import train  # noqa: E402


def images_per_second(args: argparse.Namespace, root: Path, manifest: Manifest, gpus: int) -> dict:
    params = {
        "epochs": args.epochs, "batch_size": args.batch_size, "image_size": args.image_size,
        "device": args.device, "cache": args.cache, "num_workers": args.workers,
        "warmup_epochs": 0, "lr": 0.05, "augment": 0.5, "gpus": gpus,
    }  # fmt: skip
    config = TrainConfig.from_params(task="classify", architecture_name=args.arch, params=params)
    timer = Timer()
    result = train(manifest, config, root / f"run-{gpus}", timer)
    n_train = timer.info["train_size"]
    later = sum(timer.epoch_times()[1:])
    return {
        "gpus": gpus, "steps": result.step, "device": timer.info["device_name"],
        "img_s": round(n_train * (args.epochs - 1) / later, 1),
        "best_val_accuracy": round((result.best_metrics or {}).get("val_accuracy", 0.0), 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda (not cuda:N)")
    parser.add_argument("--gpus", type=int, help="default: every visible GPU, 2 on the CPU")
    parser.add_argument("--image-size", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--images", type=int)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cache", default="auto", choices=["auto", "none", "cpu", "gpu"])
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    gpus = args.gpus or (torch.cuda.device_count() if cuda else 2)
    if gpus < 2:
        parser.error("--gpus: scaling needs at least 2 processes.")
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (epochs 2+ are the steady state).")
    args.image_size = args.image_size or (224 if cuda else 32)
    args.batch_size = args.batch_size or (256 * gpus if cuda else 32)
    args.images = args.images or (4096 if cuda else 256)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_jpegs(Path(tmp), args.images, args.image_size)
        one = images_per_second(args, Path(tmp), manifest, 1)
        many = images_per_second(args, Path(tmp), manifest, gpus)
    speedup = many["img_s"] / one["img_s"]
    print(json.dumps({
        "arch": args.arch, "image_size": args.image_size, "batch_size": args.batch_size,
        "one": one, "many": many, "speedup": round(speedup, 2),
        "efficiency": round(speedup / gpus, 2), "same_steps": one["steps"] == many["steps"],
    }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
