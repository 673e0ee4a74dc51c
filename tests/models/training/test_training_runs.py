"""API -> train queue -> real RQ worker -> ml/ -> metrics in PostgreSQL -> websocket events."""

import io
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage

from apps.models.models import RunMetric, RunStatus, TrainingRun
from apps.models.training.services import run_reap_stale
from tests.helpers.processes import run_worker, subprocess_env
from tests.helpers.training import FAST
from tests.helpers.ws import connect, receive

ROOT = Path(__file__).resolve().parents[3]


def start(world, who="manager", **params):
    body = {"task": "classify", "architecture": "resnet20", "params": {**FAST, **params}}
    return world.client(who).post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )


def train_losses(run: TrainingRun) -> list[int]:
    return list(
        RunMetric.objects.filter(run=run, name="train_loss")
        .order_by("step")
        .values_list("step", flat=True)
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_run_trains_through_the_queue_and_streams_progress(world, tagged_images) -> None:
    communicator = await connect(world, "annotator")
    await communicator.connect()
    await receive(communicator)  # hello
    response = await database_sync_to_async(start)(world)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["params"]["epochs"] == 2
    assert body["snapshot"]["images"] == 40 and body["snapshot"]["classes"] == ["sparrow", "robin"]
    assert body["snapshot"]["splits"] == {"train": 30, "val": 10}
    assert (await receive(communicator))["type"] == "run.status"

    assert await database_sync_to_async(run_worker)("train") == 1
    run = await database_sync_to_async(TrainingRun.objects.get)(pk=body["id"])
    assert run.status == RunStatus.SUCCEEDED and run.worker and run.device == "cpu"
    assert run.total_steps == 2 * 4 and run.step == run.total_steps and run.progress == 1.0
    assert await database_sync_to_async(train_losses)(run) == list(range(1, 9))
    assert 0 <= run.best_metrics["val_accuracy"] <= 1 and "val_loss" in run.best_metrics
    assert default_storage.exists(run.weights)

    statuses, progressed = [], []
    while True:
        event = await receive(communicator)
        if event["type"] == "run.status":
            statuses.append(event["payload"]["status"])
            if event["payload"]["status"] == "succeeded":
                break
        elif event["type"] == "run.progress":
            progressed += [m for m in event["payload"]["metrics"] if m["name"] == "train_loss"]
    assert statuses[0] == "running" and statuses[-1] == "succeeded"
    assert [m["step"] for m in progressed] == list(range(1, 9))
    await communicator.disconnect()

    client = await database_sync_to_async(world.client)("annotator")
    metrics = await database_sync_to_async(client.get)(f"/api/v1/training-runs/{run.pk}/metrics/")
    names = {m["name"] for m in metrics.json()["results"]}
    assert {"train_loss", "lr", "throughput", "val_loss", "val_accuracy", "val_top5"} <= names
    after = await database_sync_to_async(client.get)(
        f"/api/v1/training-runs/{run.pk}/metrics/?after_step=6"
    )
    assert {m["step"] for m in after.json()["results"]} == {7, 8}
    log = await database_sync_to_async(client.get)(f"/api/v1/training-runs/{run.pk}/log/")
    assert log.json()["text"] and log.json()["offset"] == len(log.json()["text"].encode())

    package = await database_sync_to_async(client.get)(f"/api/v1/training-runs/{run.pk}/package/")
    assert package.status_code == 200 and package["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(b"".join(package.streaming_content))) as zf:
        assert {
            "snapshot/manifest.json",
            "params.json",
            "model.pt",
            "metrics.csv",
            "log.txt",
        } <= set(zf.namelist())
        assert zf.read("metrics.csv").decode().count("train_loss") == 8


@pytest.mark.django_db(transaction=True)
def test_cancel_saves_a_checkpoint_and_resume_finishes_with_the_same_step_count(
    world, tagged_images
) -> None:
    run_id = start(world, epochs=6).json()["id"]
    worker = threading.Thread(target=run_worker, args=("train",))
    worker.start()
    deadline = time.monotonic() + 60
    while TrainingRun.objects.get(pk=run_id).step < 3:
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.05)
    cancel = world.client("manager").post(f"/api/v1/training-runs/{run_id}/cancel/")
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelling"
    worker.join(60)
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.CANCELLED and 3 <= run.step < run.total_steps
    assert default_storage.exists(run.checkpoint)
    assert (
        world.client("manager").post(f"/api/v1/training-runs/{run_id}/cancel/").status_code == 409
    )

    resumed = world.client("manager").post(f"/api/v1/training-runs/{run_id}/resume/")
    assert resumed.status_code == 202 and resumed.json()["status"] == "queued"
    run_worker("train")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.step == run.total_steps == 24
    assert train_losses(run) == list(range(1, 25))  # every step once, none repeated or lost


@pytest.mark.django_db(transaction=True)
def test_killed_worker_is_interrupted_and_resume_succeeds(world, tagged_images, tmp_path) -> None:
    run_id = start(world, epochs=8, checkpoint_every=4).json()["id"]
    env = subprocess_env(Path(settings.MEDIA_ROOT))
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "train", "--burst"],
        cwd=ROOT, env={**env, "LABELFORGE_WORK_DIR": str(tmp_path / "host-a")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while TrainingRun.objects.get(pk=run_id).step < 10:
        assert time.monotonic() < deadline and worker.poll() is None, (
            "worker did not start training"
        )
        time.sleep(0.05)
    # the host is lost: the worker and its work horse (RQ puts it in a session of its own) die
    # with no goodbye
    for proc in [*psutil.Process(worker.pid).children(recursive=True), psutil.Process(worker.pid)]:
        proc.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert TrainingRun.objects.get(pk=run_id).status == RunStatus.RUNNING
    deadline = time.monotonic() + 15
    while run_reap_stale() == 0:
        assert time.monotonic() < deadline, "the stale run was not reaped"
        time.sleep(0.2)
    detail = world.client("annotator").get(f"/api/v1/training-runs/{run_id}/").json()
    assert detail["status"] == "interrupted" and "stopped responding" in detail["error"]

    assert (
        world.client("manager").post(f"/api/v1/training-runs/{run_id}/resume/").status_code == 202
    )
    other_host = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "train", "--burst"],
        cwd=ROOT, env={**env, "LABELFORGE_WORK_DIR": str(tmp_path / "host-b")},
        capture_output=True, timeout=180,
    )  # fmt: skip
    assert other_host.returncode == 0, other_host.stderr.decode()[-2000:]
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.step == run.total_steps == 32 and run.attempts == 2
    assert train_losses(run) == list(range(1, 33))
