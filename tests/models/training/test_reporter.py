"""The run reporter keeps database, storage and channel-layer writes off the training thread:
its callbacks record into memory, a writer thread writes, nothing recorded is lost, a
failed write is retried, and a cancel is still seen within seconds."""

import io
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from apps.models.models import RunMetric, RunStatus, TrainingRun
from apps.models.training.reporter import RunReporter
from apps.models.training.selectors import run_log_text
from tests.helpers.training import FAST


def _run(world) -> TrainingRun:
    body = {"task": "classify", "architecture": "resnet20", "params": FAST}
    url = f"/api/v1/projects/{world.project.pk}/training-runs/"
    response = world.client("manager").post(url, body, format="json")
    run = TrainingRun.objects.get(pk=response.json()["id"])
    TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    run.status = RunStatus.RUNNING
    return run


@pytest.mark.django_db
def test_writes_happen_on_the_writer_thread_and_nothing_is_lost(
    world, tagged_images, tmp_path: Path, monkeypatch
) -> None:
    run = _run(world)
    writers: set[str] = set()
    bulk_create = RunMetric.objects.bulk_create

    def recording(rows, **kwargs):
        writers.add(threading.current_thread().name)
        return bulk_create(rows, **kwargs)

    monkeypatch.setattr(RunMetric.objects, "bulk_create", recording)
    (tmp_path / "checkpoint.pt").write_bytes(b"checkpoint bytes")
    reporter = RunReporter(run, tmp_path)
    with reporter:
        reporter.on_start({"device": "cpu", "total_steps": 600})
        for step in range(1, 601):
            reporter.on_step(step, step / 300, {"loss": 1.0 / step, "lr": 0.1})
            if step % 300 == 0:
                reporter.on_log(f"epoch {step // 300} done")
                reporter.on_epoch(step // 300, step, {"val_accuracy": step / 1000}, best=True)
            if step % 100 == 0:
                time.sleep(0.3)  # a training step's worth of time: the writer runs meanwhile
    assert writers and all(name.startswith("run-reporter-") for name in writers)
    assert threading.current_thread().name not in writers
    assert RunMetric.objects.filter(run=run, name="loss").count() == 600
    assert RunMetric.objects.filter(run=run, name="val_accuracy").count() == 2
    run.refresh_from_db()
    assert (run.step, run.total_steps, run.device, run.progress) == (600, 600, "cpu", 1.0)
    assert run.best_metrics == {"val_accuracy": 0.6}
    assert run.checkpoint and run.checkpoint_sha256
    assert run_log_text(run=run) == "epoch 1 done\nepoch 2 done\n"


@pytest.mark.django_db
def test_a_failed_write_is_retried_with_the_next_batch(
    world, tagged_images, tmp_path: Path, monkeypatch
) -> None:
    run = _run(world)
    bulk_create = RunMetric.objects.bulk_create
    calls = []

    def flaky(rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        return bulk_create(rows, **kwargs)

    monkeypatch.setattr(RunMetric.objects, "bulk_create", flaky)
    reporter = RunReporter(run, tmp_path)
    with reporter:
        reporter.on_start({"device": "cpu", "total_steps": 20})
        for step in range(1, 11):
            reporter.on_step(step, step / 10, {"loss": float(step)})
        deadline = time.monotonic() + 10
        while not calls and time.monotonic() < deadline:
            time.sleep(0.05)
        for step in range(11, 21):
            reporter.on_step(step, step / 10, {"loss": float(step)})
    assert len(calls) >= 2 and calls[0] == 10  # the first write failed
    steps = list(RunMetric.objects.filter(run=run).order_by("step").values_list("step", flat=True))
    assert steps == list(range(1, 21))


@pytest.mark.django_db(transaction=True)
def test_the_writer_sees_a_cancel_within_seconds(world, tagged_images, tmp_path: Path) -> None:
    run = _run(world)
    reporter = RunReporter(run, tmp_path)
    with reporter:
        reporter.on_start({"device": "cpu", "total_steps": 10})
        time.sleep(1.5)  # more than a stop check's interval: still running
        assert not reporter.should_stop()

        def cancel() -> None:  # another process's request, on its own connection
            TrainingRun.objects.filter(pk=run.pk).update(status=RunStatus.CANCELLING)
            connection.close()

        thread = threading.Thread(target=cancel)
        thread.start()
        thread.join()
        deadline = time.monotonic() + 10
        while not reporter.should_stop() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reporter.should_stop()


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_is_stored_whole_before_the_run_points_at_it(
    world, tagged_images, tmp_path: Path, monkeypatch
) -> None:
    """A worker killed while storing a checkpoint (a partial file) leaves the run on the last
    whole one; a whole new one replaces it, and the old file goes."""
    from django.core.files.storage import default_storage

    run = _run(world)
    reporter = RunReporter(run, tmp_path)
    (tmp_path / "checkpoint.pt").write_bytes(b"first checkpoint")
    reporter.sync_checkpoint()
    first = run.checkpoint
    assert default_storage.open(first).read() == b"first checkpoint"

    (tmp_path / "checkpoint.pt").write_bytes(b"second checkpoint, cut short")
    from apps.models.training import reporter as module

    real_save = module.storage_save

    def killed_mid_write(name, content):
        real_save(name, io.BytesIO(content.read()[:6]))  # what a SIGKILL leaves
        raise SystemExit("killed")

    monkeypatch.setattr(module, "storage_save", killed_mid_write)
    with pytest.raises(SystemExit):
        reporter.sync_checkpoint()
    run.refresh_from_db()
    assert run.checkpoint == first and default_storage.open(first).read() == b"first checkpoint"

    monkeypatch.setattr(module, "storage_save", real_save)
    (tmp_path / "checkpoint.pt").write_bytes(b"third checkpoint")
    reporter.sync_checkpoint()
    run.refresh_from_db()
    assert (
        run.checkpoint != first
        and default_storage.open(run.checkpoint).read() == b"third checkpoint"
    )
    assert not default_storage.exists(first)
