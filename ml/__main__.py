"""Command line: python -m ml architectures | train | predict.

python -m ml train --manifest m.json --arch resnet20 --params '{"epochs": 3}' --out DIR
python -m ml train ... --out DIR --resume        # continue from DIR/checkpoint.pt
python -m ml predict --weights DIR/model.pt --arch resnet20 --classes 0,1,2 --image-size 32 a.png
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from .architectures import ARCHITECTURES, architecture


def _architectures(_: argparse.Namespace) -> int:
    for a in ARCHITECTURES.values():
        defaults = json.dumps(a.defaults, sort_keys=True)
        print(f"{a.name:36} {a.task:9} {a.title:48} weights={a.weights_file or '-'} {defaults}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from .config import TrainConfig
    from .manifest import Manifest
    from .train import Callbacks, train

    manifest = Manifest.load(Path(args.manifest))
    params = json.loads(args.params) if args.params else {}
    task = architecture(args.arch).task
    config = TrainConfig.from_params(task=task, architecture_name=args.arch, params=params)
    out = Path(args.out)
    resume = out / "checkpoint.pt" if args.resume else None
    if resume is not None and not resume.is_file():
        print(f"error: nothing to resume: {resume} does not exist", file=sys.stderr)
        return 2

    class Printer(Callbacks):
        def __init__(self) -> None:
            self.total, self.every, self.last = 0, 1, 0.0

        def on_start(self, info: dict[str, Any]) -> None:
            self.total = info["total_steps"]
            self.every = max(1, info["steps_per_epoch"] // 5)
            print(json.dumps({"event": "start", **info}), flush=True)

        def on_step(self, step: int, epoch: float, metrics: dict[str, float]) -> None:
            now = time.monotonic()
            if step % self.every == 0 or step == self.total or now - self.last > 10:
                self.last = now
                print(f"step {step}/{self.total} epoch {epoch:.2f} loss {metrics['train_loss']:.4f} "
                      f"lr {metrics['lr']:.3g} {metrics['throughput']:.0f} img/s", flush=True)  # fmt: skip

        def on_log(self, line: str) -> None:
            print(line, flush=True)

    result = train(manifest, config, out, Printer(), resume_from=resume)
    print(json.dumps({"event": "end", "status": result.status, "step": result.step,
                      "best_metrics": result.best_metrics,
                      "weights": str(result.weights_path) if result.weights_path else None}),
          flush=True)  # fmt: skip
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .predict import load_model

    classes = args.classes.split(",")
    predictor = load_model(Path(args.weights), args.arch, classes, args.image_size, args.device)
    results = predictor.predict(args.images)
    for path, rows in zip(args.images, results, strict=True):
        print(json.dumps({"image": path, "predictions": [vars(r) for r in rows]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml", description="Labelforge training engine")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("architectures", help="list what can be trained").set_defaults(fn=_architectures)
    t = sub.add_parser("train", help="train on a manifest")
    t.add_argument("--manifest", required=True)
    t.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    t.add_argument("--params", default="{}", help="JSON object of TrainConfig overrides")
    t.add_argument("--out", required=True, help="run folder (checkpoint, weights, metrics, log)")
    t.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    t.set_defaults(fn=_train)
    p = sub.add_parser("predict", help="predict with trained weights")
    p.add_argument("--weights", required=True)
    p.add_argument("--arch", required=True, choices=sorted(ARCHITECTURES))
    p.add_argument("--classes", required=True, help="comma-separated, in training order")
    p.add_argument("--image-size", type=int, required=True)
    p.add_argument("--device", default="auto")
    p.add_argument("images", nargs="+")
    p.set_defaults(fn=_predict)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
