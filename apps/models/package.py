"""Downloads: the self-contained run package (snapshot manifest, params, weights, metrics CSV,
log) and a model version's ONNX bundle (model.onnx with its .data file, model.json, labels)."""

import csv
import io
import json
import tempfile
import zipfile

from django.core.files.storage import default_storage

from .models import ModelVersion, TrainingRun


def _spooled() -> tempfile.SpooledTemporaryFile:
    return tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # the response closes it


def _copy_into(zf: zipfile.ZipFile, name: str, arcname: str) -> None:
    if name and default_storage.exists(name):
        with default_storage.open(name, "rb") as fh, zf.open(arcname, "w") as dst:
            while chunk := fh.read(1024 * 1024):
                dst.write(chunk)


def run_package(*, run: TrainingRun) -> tempfile.SpooledTemporaryFile:
    out = _spooled()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with default_storage.open(run.snapshot.manifest, "rb") as fh:
            zf.writestr("snapshot/manifest.json", fh.read())
        zf.writestr(
            "params.json",
            json.dumps(
                {"task": run.task, "architecture": run.architecture, "params": run.params,
                 "classes": run.snapshot.classes, "status": run.status,
                 "best_metrics": run.best_metrics, "step": run.step, "total_steps": run.total_steps},
                indent=2,
            ),
        )  # fmt: skip
        metrics = io.StringIO()
        writer = csv.writer(metrics)
        writer.writerow(["step", "epoch", "name", "value"])
        for row in run.metrics.order_by("step", "id").values_list("step", "epoch", "name", "value"):
            writer.writerow(row)
        zf.writestr("metrics.csv", metrics.getvalue())
        _copy_into(zf, run.weights, "model.pt")
        _copy_into(zf, f"{run.storage_dir}/log.txt", "log.txt")
    out.seek(0)
    return out


def onnx_package(*, version: ModelVersion) -> tempfile.SpooledTemporaryFile:
    """model.onnx references model.onnx.data by name: they must stay in one folder."""
    out = _spooled()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name in ("model.onnx", "model.onnx.data", "model.json"):
            _copy_into(zf, f"{version.storage_dir}/{name}", name)
        zf.writestr("labels.txt", "\n".join(version.classes) + "\n")
    out.seek(0)
    return out
