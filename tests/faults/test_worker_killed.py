"""A worker process SIGKILLed in the middle of an auto-annotation run (host lost, OOM killer):
the reaper marks the run interrupted, the same run started again finishes, and every image
ends with exactly one pending prediction from the version: nothing duplicated, nothing lost."""

import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.models.models import AutoAnnotationRun, RunStatus
from tests.factories.models import make_version
from tests.helpers.processes import run_worker, subprocess_env
from tests.helpers.training import noisy_png

ROOT = Path(__file__).resolve().parents[2]
IMAGES = 320  # ten batches of 32: the kill lands between the first and the last


def _kill_tree(pid: int) -> None:
    """No goodbye: the worker and its work horse die at once."""
    proc = psutil.Process(pid)
    for p in [*proc.children(recursive=True), proc]:
        p.send_signal(signal.SIGKILL)


@pytest.mark.django_db(transaction=True)
def test_a_killed_auto_annotation_worker_is_reaped_and_the_rerun_duplicates_nothing(
    world, tmp_path
) -> None:
    version = make_version(world.project, world.users["owner"])
    files = [SimpleUploadedFile(f"n{i}.png", noisy_png((200, 40, 40), i)) for i in range(IMAGES)]
    images = upload_with_tags(project=world.project, user=world.users["owner"], files=files).created
    assert len(images) == IMAGES
    url = f"/api/v1/projects/{world.project.pk}/auto-annotate/"
    body = {"model_version": version.pk, "scope": "all", "threshold": 0.0}
    first = world.client("manager").post(url, body, format="json").json()

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "infer", "--burst"],
        cwd=ROOT, env={**subprocess_env(Path(settings.MEDIA_ROOT)),
                       "LABELFORGE_WORK_DIR": str(tmp_path / "host-a")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while AutoAnnotationRun.objects.get(pk=first["id"]).processed == 0:
        assert time.monotonic() < deadline and worker.poll() is None, "the worker never wrote"
        time.sleep(0.02)
    _kill_tree(worker.pid)
    worker.wait(10)
    run = AutoAnnotationRun.objects.get(pk=first["id"])
    assert run.status == RunStatus.RUNNING and 0 < run.processed < IMAGES, run.processed
    written = Annotation.objects.filter(model_version=version).count()
    assert 0 < written < IMAGES

    deadline = time.monotonic() + 30
    while AutoAnnotationRun.objects.get(pk=first["id"]).status == RunStatus.RUNNING:
        assert time.monotonic() < deadline, "the dead run was never reaped"
        call_command("reap_runs")  # what runstack's reaper loop runs
        time.sleep(0.5)
    detail = world.client("annotator").get(f"/api/v1/auto-annotation-runs/{first['id']}/").json()
    assert detail["status"] == "interrupted" and "Start the run again" in detail["error"]

    again = world.client("manager").post(url, body, format="json")
    assert again.status_code == 202, again.json()
    assert run_worker("infer") == 1
    rerun = AutoAnnotationRun.objects.get(pk=again.json()["id"])
    assert rerun.status == RunStatus.SUCCEEDED and rerun.processed == IMAGES
    assert rerun.counts["replaced"] == written  # the first run's predictions, replaced
    per_image = Counter(
        Annotation.objects.filter(model_version=version).values_list("image_id", flat=True)
    )
    assert set(per_image) == set(images) and set(per_image.values()) == {1}
