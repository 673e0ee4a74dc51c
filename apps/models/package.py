"""The self-contained run package: snapshot manifest, params, weights, metrics CSV and log."""

import csv
import io
import json
import tempfile
import zipfile

from django.core.files.storage import default_storage

from .models import TrainingRun


def run_package(*, run: TrainingRun) -> tempfile.SpooledTemporaryFile:
    out = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
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
        for name, arcname in ((run.weights, "model.pt"), (f"{run.storage_dir}/log.txt", "log.txt")):
            if name and default_storage.exists(name):
                with default_storage.open(name, "rb") as fh, zf.open(arcname, "w") as dst:
                    while chunk := fh.read(1024 * 1024):
                        dst.write(chunk)
    out.seek(0)
    return out
