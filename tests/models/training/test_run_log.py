"""The run log: appended one chunk per flush at a cost that does not grow with the log, read
back by byte offset from any web process, whole in the run package; and the reporter's
best_metrics, which mean the best epoch's figures from the first epoch on."""

import io
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.models.models import TrainingRun
from apps.models.training.package import run_package
from apps.models.training.reporter import RunReporter
from apps.models.training.selectors import run_log
from apps.models.training.services import run_log_append
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(world, tagged_images) -> TrainingRun:
    body = {"task": "classify", "architecture": "resnet20", "params": FAST}
    url = f"/api/v1/projects/{world.project.pk}/training-runs/"
    return TrainingRun.objects.get(
        pk=world.client("manager").post(url, body, format="json").json()["id"]
    )


def test_reads_resume_at_any_byte_offset(run, world) -> None:
    for text in ("epoch 1 ✓\n", "epoch 2: naïve\n", "done\n"):
        run_log_append(run=run, text=text)
    whole = "epoch 1 ✓\nepoch 2: naïve\ndone\n"
    assert run_log(run=run, offset=0) == (whole, len(whole.encode()))
    middle = len("epoch 1 ✓\nepoch".encode())  # inside the second chunk
    assert run_log(run=run, offset=middle) == (" 2: naïve\ndone\n", len(whole.encode()))
    assert run_log(run=run, offset=len(whole.encode())) == ("", len(whole.encode()))
    body = world.client("annotator").get(f"/api/v1/training-runs/{run.pk}/log/?offset=0").json()
    assert body == {"text": whole, "offset": len(whole.encode())}


def test_an_append_costs_the_same_however_long_the_log(run) -> None:
    def queries_for_one_append() -> int:
        with CaptureQueriesContext(connection) as ctx:
            run_log_append(run=run, text="x" * 200 + "\n")
        return len(ctx.captured_queries)

    first = queries_for_one_append()
    for _ in range(300):
        run_log_append(run=run, text="y" * 200 + "\n")
    assert queries_for_one_append() == first == 2  # the end offset, one insert: no rewrite
    text, offset = run_log(run=run, offset=0)
    assert offset == 302 * 201 and text.count("\n") == 302


def test_the_run_package_holds_the_whole_log(run) -> None:
    run_log_append(run=run, text="first line\n")
    run_log_append(run=run, text="second line\n")
    with zipfile.ZipFile(io.BytesIO(run_package(run=run).read())) as zf:
        assert zf.read("log.txt").decode() == "first line\nsecond line\n"


def test_best_metrics_are_the_best_epochs_figures_together(run, tmp_path: Path) -> None:
    reporter = RunReporter(run, tmp_path)
    reporter.on_epoch(1, 10, {"val_accuracy": 0.6, "val_loss": 0.9}, best=True)
    reporter.on_epoch(2, 20, {"val_accuracy": 0.5, "val_loss": 0.7})  # lower loss, not better
    reporter.close()  # no writer thread here: close() writes on this one
    run.refresh_from_db()
    assert run.best_metrics == {"val_accuracy": 0.6, "val_loss": 0.9}
    assert run.latest_metrics == {"val_accuracy": 0.5, "val_loss": 0.7}
