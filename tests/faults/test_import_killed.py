"""A worker SIGKILLed in the middle of a dataset import (host lost, OOM killer): the reaper
marks the import interrupted and deletes its upload, and importing the same archive again
stores each image once, with its one box: nothing half-stored, doubled or lost."""

import io
import json
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.datasets.models import DatasetImport
from apps.images.models import Image
from apps.models.models import RunStatus
from tests.datasets.helpers import jpeg
from tests.faults.test_worker_killed import _kill_tree
from tests.helpers.processes import run_worker, subprocess_env

ROOT = Path(__file__).resolve().parents[2]
IMAGES = 400


def _coco_zip() -> bytes:
    images, annotations = [], []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(IMAGES):
            zf.writestr(f"images/{i}.jpg", jpeg(64, 48, (i % 256, (i * 7) % 256, i // 256 * 90)))
            images.append({"id": i + 1, "file_name": f"{i}.jpg", "width": 64, "height": 48})
            annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1,
                                "bbox": [2, 2, 10 + i % 40, 10]})  # fmt: skip
        zf.writestr("annotations.json", json.dumps({
            "images": images, "annotations": annotations,
            "categories": [{"id": 1, "name": "thing"}]}))  # fmt: skip
    return buf.getvalue()


def _post(world, data: bytes) -> int:
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/imports/",
        {"file": SimpleUploadedFile("set.zip", data)}, format="multipart",
    )  # fmt: skip
    assert response.status_code == 202, response.json()
    return response.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_a_killed_import_is_reaped_and_the_retry_stores_each_image_once(world, tmp_path) -> None:
    data = _coco_zip()
    first = _post(world, data)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default", "--burst"],
        cwd=ROOT, env=subprocess_env(Path(settings.MEDIA_ROOT)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while Image.objects.filter(project=world.project).count() < 20:
        assert time.monotonic() < deadline and worker.poll() is None, "the worker never wrote"
        time.sleep(0.02)
    _kill_tree(worker.pid)
    worker.wait(10)
    job = DatasetImport.objects.get(pk=first)
    stored = Image.objects.filter(project=world.project).count()
    assert job.status == RunStatus.RUNNING and 20 <= stored < IMAGES, stored
    assert default_storage.exists(job.file)

    deadline = time.monotonic() + 30
    while DatasetImport.objects.get(pk=first).status == RunStatus.RUNNING:
        assert time.monotonic() < deadline, "the dead import was never reaped"
        call_command("reap_runs")  # what runstack's reaper loop runs
        time.sleep(0.5)
    detail = world.client("manager").get(f"/api/v1/imports/{first}/").json()
    assert detail["status"] == "interrupted" and "Start it again" in detail["error"]
    assert not default_storage.exists(job.file)  # the upload does not linger

    second = _post(world, data)
    assert run_worker("default") >= 1
    report = world.client("manager").get(f"/api/v1/imports/{second}/").json()
    assert report["status"] == "succeeded", report
    assert report["counts"]["images_existing"] == stored
    assert report["counts"]["images_created"] == IMAGES - stored
    assert Image.objects.filter(project=world.project).count() == IMAGES
    per_image = Counter(
        Annotation.objects.filter(image__project=world.project).values_list("image_id", flat=True)
    )
    assert len(per_image) == IMAGES and set(per_image.values()) == {1}
