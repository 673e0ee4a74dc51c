"""The self-contained run package: snapshot manifest, params, weights, metrics CSV, log."""

import csv
import io
import json
import tempfile
import zipfile

from django.core.files.storage import default_storage

from apps.core.storage import spooled_download, storage_copy_into_zip
from apps.models.models import TrainingRun
from apps.models.training.selectors import run_log_text


def run_package(*, run: TrainingRun) -> tempfile.SpooledTemporaryFile:
    out = spooled_download()
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
        storage_copy_into_zip(zf, run.weights, "model.pt")
        zf.writestr("log.txt", run_log_text(run=run))
    out.seek(0)
    return out
