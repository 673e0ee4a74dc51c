"""Command line: python -m ml architectures | train | export | predict.

python -m ml train --manifest m.json --arch resnet20 --params '{"epochs": 3}' --out DIR
python -m ml train ... --out DIR --resume        # continue from DIR/checkpoint.pt
python -m ml export --weights DIR/model.pt --out DIR     # DIR/model.onnx + model.onnx.data
python -m ml predict --weights DIR/model.pt [--backend auto|onnx|torch] a.png
python -m ml predict --weights DIR/model.pt --arch resnet20 --classes 0,1,2 --image-size 32 a.png

export and predict read architecture, classes and image size from model.json beside the
weights (what train writes) unless --arch, --classes and --image-size are given.
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
    from .callbacks import Callbacks
    from .config import TrainConfig
    from .manifest import Manifest
    from .train import train

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


def _model_info(args: argparse.Namespace) -> dict[str, Any]:
    """Flags first, then model.json beside the weights."""
    meta_path = Path(args.weights).parent / "model.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if args.arch:
        meta["architecture"] = args.arch
    if args.classes:
        meta["classes"] = args.classes.split(",")
    if args.image_size:
        meta["image_size"] = args.image_size
    missing = [flag for flag, key in (("--arch", "architecture"), ("--classes", "classes"),
               ("--image-size", "image_size")) if not meta.get(key)]  # fmt: skip
    if missing:
        raise ValueError(f"{', '.join(missing)} needed: no {meta_path} to read them from.")
    meta["task"] = architecture(meta["architecture"]).task
    return meta


def _export(args: argparse.Namespace) -> int:
    from .export import export_onnx
    from .predict import load_model
    from .registry import label_offset

    info = _model_info(args)
    predictor = load_model(Path(args.weights), info["architecture"], info["classes"],
                           info["image_size"], "cpu")  # fmt: skip
    out = Path(args.out)
    result = export_onnx(predictor.model, task=info["task"], image_size=info["image_size"],
                         out_dir=out)  # fmt: skip
    meta_path = out / "model.json"
    if result.ok and not meta_path.is_file():  # the ONNX backend reads it beside model.onnx
        offset = label_offset(info["architecture"])
        meta_path.write_text(json.dumps({**info, "label_offset": offset}, indent=2))
    print(json.dumps({"event": "export", "path": str(result.path) if result.path else None,
                      "data_path": str(result.data_path) if result.data_path else None,
                      "max_abs_diff": result.max_abs_diff, "seconds": round(result.seconds, 2),
                      "error": result.error}), flush=True)  # fmt: skip
    if not result.ok:
        print(f"error: {result.error}", file=sys.stderr)
        return 1
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .serving import OnnxPredictor, choose_backend

    weights = Path(args.weights)
    backend = choose_backend(weights.parent, args.backend, args.device)
    predictor: Any
    if backend == "onnx":
        predictor = OnnxPredictor(weights.parent)
    else:
        from .predict import load_model

        info = _model_info(args)
        device = "cpu" if backend == "torch-cpu" else args.device
        predictor = load_model(weights, info["architecture"], info["classes"],
                               info["image_size"], "cuda" if device == "auto" else device)  # fmt: skip
    results = predictor.predict(args.images)
    for path, rows in zip(args.images, results, strict=True):
        print(json.dumps({"image": path, "backend": predictor.backend,
                          "predictions": [vars(r) for r in rows]}))  # fmt: skip
    return 0


def _model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--weights", required=True, help="model.pt (or a checkpoint.pt)")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), help="default: model.json")
    parser.add_argument(
        "--classes", help="comma-separated, in training order (default: model.json)"
    )
    parser.add_argument("--image-size", type=int, help="default: model.json")


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
    e = sub.add_parser("export", help="export trained weights to ONNX (CPU serving)")
    _model_flags(e)
    e.add_argument("--out", required=True, help="folder for model.onnx and model.onnx.data")
    e.set_defaults(fn=_export)
    p = sub.add_parser("predict", help="predict with trained weights")
    _model_flags(p)
    p.add_argument("--backend", default="auto", choices=("auto", "onnx", "torch"),
                   help="auto: torch on a GPU, else ONNX when model.onnx is beside the weights")  # fmt: skip
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
