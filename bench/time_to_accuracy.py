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

The app (--only app, the default with plain): the whole stack as a user gets it. The
images go up as one folder-per-class zip through the upload service into a scratch
project, their splits are the data's own, the run is POSTed to the API with the same four
parameters, and `manage.py rqworker train` (a separate process, as in production)
claims, materialises, trains, stores and registers it. Reported: POST -> started (the
queue and the work horse's fork: the worker is started and idle first, as in production),
the run's started -> finished, POST -> succeeded (the version is ready by then), and the
job's own split (materialise, train, store, register) from its log. Needs
DATABASE_URL and REDIS_URL (`eval "$(scripts/services.sh start)"`) and a migrated database;
the scratch project is deleted afterwards.

    python bench/time_to_accuracy.py [--data patches32] [--epochs 15] [--only plain,ml,app]
"""

import argparse
import contextlib
import json
import math
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@contextlib.contextmanager
def _worker(queue: Any) -> Iterator[subprocess.Popen]:
    """`manage.py rqworker train` as a user runs it, started and idle (torch preloaded)
    before the POST, stopped afterwards."""
    from rq import Worker

    proc = subprocess.Popen([sys.executable, "manage.py", "rqworker", "train"], cwd=ROOT)
    try:
        while not Worker.count(queue=queue):
            if proc.poll() is not None:
                sys.exit("the worker did not start")
            time.sleep(0.2)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def stack_run(manifest: Manifest, data: str, arch: str, size: int, epochs: int,
              batch: int) -> dict:  # fmt: skip
    """The run through the whole app (see the module's docstring)."""
    import io
    import os
    import re
    import zipfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.local")
    import django

    django.setup()
    import django_rq
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from apps.annotations.services import upload_with_tags
    from apps.images.models import Image as ImageRow
    from apps.models.models import ModelVersion, TrainingRun
    from apps.models.training.selectors import run_log_text
    from apps.projects.services import project_create, project_delete

    if django_rq.get_queue("train").count:
        sys.exit("The train queue is not empty: run this with no other training queued.")
    user, _ = get_user_model().objects.get_or_create(username="bench-time-to-accuracy")
    project = project_create(name=f"bench {data} {time.strftime('%H:%M:%S')}", user=user)
    try:
        archive, splits = io.BytesIO(), {}
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
            for s in manifest.samples:
                name = f"{s.image_id}{Path(s.path).suffix}"
                zf.write(manifest.resolve(s), f"{manifest.classes[s.labels[0]]}/{name}")
                splits[name] = s.split
        upload = upload_with_tags(project=project, user=user, layout="folders",
                                  files=[SimpleUploadedFile("data.zip", archive.getvalue())])  # fmt: skip
        if upload.errors:
            sys.exit(f"upload failed: {upload.errors[:3]}")
        rows = ImageRow.objects.filter(project=project)
        ids: dict[str, list[int]] = {}
        for pk, filename in rows.values_list("id", "filename"):
            ids.setdefault(splits[Path(filename).name], []).append(pk)
        for split, pks in ids.items():
            rows.filter(pk__in=pks).update(split=split)
        print(f"  [app] uploaded {len(upload.created)} images "
              f"({len(upload.duplicates)} duplicates of others)", flush=True)  # fmt: skip
        client = APIClient(SERVER_NAME="localhost")
        client.force_authenticate(user)
        with _worker(django_rq.get_queue("train")) as worker:
            posted = time.time()
            response = client.post(f"/api/v1/projects/{project.pk}/training-runs/", {
                "task": "classify", "architecture": arch,
                "params": {"epochs": epochs, "batch_size": batch, "image_size": size}},
                format="json")  # fmt: skip
            if response.status_code != 202:
                sys.exit(f"POST failed: {response.status_code} {response.content[:300]!r}")
            run = TrainingRun.objects.get(pk=response.json()["id"])
            while run.status in ("queued", "running") and worker.poll() is None:
                time.sleep(0.5)
                run.refresh_from_db()
        version = ModelVersion.objects.filter(run=run).first()
        if run.status != "succeeded" or version is None:
            sys.exit(f"run {run.status}: {run.error}")
        text = run_log_text(run=run)
        job = dict(
            re.findall(r"(\w+) ([\d.]+) s", (re.findall(r"job time: (.*)", text) or [""])[-1])
        )
        return {
            "seconds": (run.finished_at - run.started_at).total_seconds(),
            "post_to_started": run.started_at.timestamp() - posted,
            "post_to_succeeded": run.finished_at.timestamp() - posted,
            "val_accuracy": run.latest_metrics["val_accuracy"],
            "best_val_accuracy": run.best_metrics["val_accuracy"],
            "version": {"status": version.status, "metrics": version.metrics},
            "ml_time": (re.findall(r"^time: (.*)", text, re.M) or [""])[-1],
            "job_time": {k: float(v) for k, v in job.items()},
        }
    finally:
        project_delete(project=project)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="patches32", choices=sorted(DATA))
    parser.add_argument("--arch")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--only",
        default="plain,app",
        help="comma-separated sides: plain, ml (ml.train directly), app",
    )
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
        sides = set(args.only.split(","))
        if "plain" in sides:
            out["plain"] = plain_loop(manifest, arch, size, epochs, batch, device)
            print(f"plain: {out['plain']['seconds']:.1f} s, val accuracy "
                  f"{out['plain']['val_accuracy']:.4f}", flush=True)  # fmt: skip
        if "ml" in sides:
            out["ml"] = app_run(manifest, arch, size, epochs, batch, device, Path(tmp) / "run")
            print(f"ml:    {out['ml']['seconds']:.1f} s, val accuracy "
                  f"{out['ml']['val_accuracy']:.4f}; {out['ml']['timings']}", flush=True)  # fmt: skip
        if "app" in sides:
            out["app"] = stack_run(manifest, args.data, arch, size, epochs, batch)
            app = out["app"]
            print(f"app:   started -> finished {app['seconds']:.1f} s, val accuracy "
                  f"{app['val_accuracy']:.4f}; POST -> started {app['post_to_started']:.1f} s, "
                  f"-> succeeded {app['post_to_succeeded']:.1f} s\n  job: {app['job_time']}\n"
                  f"  ml: {app['ml_time']}", flush=True)  # fmt: skip
        for side in ("ml", "app"):
            if "plain" in out and side in out:
                time_ratio = out[side]["seconds"] / out["plain"]["seconds"]
                accuracy_ratio = out[side]["val_accuracy"] / out["plain"]["val_accuracy"]
                out[f"{side}_ratios"] = {"time": round(time_ratio, 3),
                                         "accuracy": round(accuracy_ratio, 4)}  # fmt: skip
                print(f"{side}/plain: time {time_ratio:.3f}x, accuracy {accuracy_ratio:.4f}x "
                      "(goal: time <= 1.1x, accuracy >= 0.99x)")  # fmt: skip
    print(json.dumps(out))


if __name__ == "__main__":
    main()
