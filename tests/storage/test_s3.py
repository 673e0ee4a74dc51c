"""Media in a real S3 server (SeaweedFS on loopback, started by the test command like
PostgreSQL and Redis) through django-storages, as LABELFORGE_STORAGE=s3 configures it: each
test gets its own private bucket. Uploads, thumbnails, served files, a training run's
snapshot images, checkpoints and model files, predictions from a cold cache, an export and an
import all go through the bucket and nothing lands in MEDIA_ROOT; an unreachable store is a
507 with nothing half-stored."""

import contextlib
import io
import os
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from apps.images.models import Image
from apps.models.models import ModelVersion, RunStatus, TrainingRun
from project.settings.base import s3_storage
from tests.datasets.helpers import run_export
from tests.factories.images import distinct_images
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db(transaction=True)


BUCKET = "labelforge-test"


@dataclass
class Bucket:
    """The test's part of the bucket: every key under its own prefix (django-storages'
    `location`), named as the app stores them (without the prefix)."""

    client: object
    name: str
    prefix: str

    def stored(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(  # type: ignore[attr-defined]
            Bucket=self.name, Prefix=f"{self.prefix}/"
        )
        return {
            o["Key"][len(self.prefix) + 1 :] for page in pages for o in page.get("Contents", [])
        }

    def read(self, key: str) -> bytes:
        body = self.client.get_object(Bucket=self.name, Key=f"{self.prefix}/{key}")["Body"]  # type: ignore[attr-defined]
        return body.read()


def s3_client():
    endpoint = os.environ.get("AWS_S3_ENDPOINT_URL")
    assert endpoint, (
        "AWS_S3_ENDPOINT_URL is not set: run the tests with `make test` (it starts SeaweedFS), "
        'or eval "$(scripts/services.sh start)" first.'
    )
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "x"),
                        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "x"))  # fmt: skip


def _bucket(client) -> str:
    """The shared test bucket, made on first use (a SeaweedFS just started may need a few
    seconds before its filer takes writes)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
                client.create_bucket(Bucket=BUCKET)
            return BUCKET
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture
def bucket(settings, tmp_path):
    client = s3_client()
    here = Bucket(client, _bucket(client), f"t-{uuid.uuid4().hex[:12]}")
    storage = s3_storage(BUCKET)
    storage["OPTIONS"]["location"] = here.prefix
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_ROOT = tmp_path / "media-unused"  # anything written here is a bug
    yield here
    for key in here.stored():
        client.delete_object(Bucket=BUCKET, Key=f"{here.prefix}/{key}")


def _local_media(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_uploads_thumbnails_and_served_files_live_in_the_bucket(world, bucket, settings) -> None:
    data = distinct_images(2)
    client = world.client("manager")
    response = client.post(
        f"/api/v1/projects/{world.project.pk}/images/",
        {"files": [SimpleUploadedFile(f"{i}.png", d) for i, d in enumerate(data)]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    run_worker("default")  # thumbnails
    images = list(Image.objects.filter(project=world.project).order_by("id"))
    assert len(images) == 2 and all(i.thumbnail for i in images)
    keys = bucket.stored()
    for image, original in zip(images, data, strict=True):
        assert image.file.name in keys and image.thumbnail.name in keys
        assert bucket.read(image.file.name) == original
        served = client.get(f"/api/v1/images/{image.pk}/file/")
        assert served.status_code == 200 and b"".join(served.streaming_content) == original
        thumb = world.client("annotator").get(f"/api/v1/images/{image.pk}/thumbnail/")
        assert thumb.status_code == 200
        assert PILImage.open(io.BytesIO(b"".join(thumb.streaming_content))).size[0] <= 256
    # clients get the app's permission-checked URLs, never the bucket's
    listed = client.get(f"/api/v1/projects/{world.project.pk}/images/").json()["results"]
    endpoint = os.environ["AWS_S3_ENDPOINT_URL"]
    assert all(endpoint not in str(row) and bucket.name not in str(row) for row in listed)
    assert world.client("outsider").get(f"/api/v1/images/{images[0].pk}/file/").status_code == 404
    assert _local_media(settings) == []


def test_train_predict_from_a_cold_cache_and_export_through_the_bucket(
    world, bucket, tagged_images, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.LABELFORGE_WORK_DIR = tmp_path / "worker-a"  # the training host's own disk
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": {**FAST, "epochs": 1}},
        format="json",
    )
    assert response.status_code == 202, response.json()
    run_worker("train")
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    version = ModelVersion.objects.get(run=run)
    keys = bucket.stored()
    assert any(k.startswith(version.storage_dir) and k.endswith("model.pt") for k in keys), keys
    assert run.checkpoint in keys and run.weights in keys  # resumable on another host

    # another host, with nothing on its disk: the model comes from the bucket
    settings.LABELFORGE_WORK_DIR = tmp_path / "web-b"
    shutil.rmtree(tmp_path / "worker-a")
    image = Image.objects.filter(project=world.project).first()
    blob = bucket.read(image.file.name)
    predicted = world.client("annotator").post(
        f"/api/v1/model-versions/{version.pk}/predict/",
        {"image": SimpleUploadedFile("x.png", blob)}, format="multipart",
    )  # fmt: skip
    assert predicted.status_code == 200, predicted.json()
    assert predicted.json()["predictions"][0]["label"] in {"sparrow", "robin"}

    job, data = run_export(
        world, django_capture_on_commit_callbacks, {"format": "imagenet", "include_images": True}
    )
    exports = [k for k in bucket.stored() if k.startswith(f"projects/{world.project.pk}/exports/")]
    assert job["download"] and exports
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(n.endswith(".png") for n in zf.namelist()) == 40
    assert _local_media(settings) == []


def test_an_unreachable_store_is_a_507_and_stores_nothing(world, settings) -> None:
    storage = s3_storage("lf-nowhere")
    storage["OPTIONS"] |= {
        "endpoint_url": "http://127.0.0.1:9",  # nothing listens: connection refused
        "client_config": Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=2),
    }
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/images/",
        {"files": [SimpleUploadedFile("a.png", distinct_images(1)[0])]}, format="multipart",
    )  # fmt: skip
    assert response.status_code == 507, response.content
    assert response.json()["code"] == "storage_refused"
    assert not Image.objects.filter(project=world.project).exists()


def test_ensure_bucket_creates_a_missing_bucket_once(settings) -> None:
    from django.core.management import call_command

    client = s3_client()
    name = f"lf-new-{uuid.uuid4().hex[:10]}"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(name)}
    out = io.StringIO()
    call_command("ensure_bucket", stdout=out)
    assert f"Bucket '{name}' created; writes work." in out.getvalue()
    client.head_bucket(Bucket=name)  # it is there now
    out = io.StringIO()
    call_command("ensure_bucket", stdout=out)  # safe to run on every start
    assert "is there" in out.getvalue()
    assert client.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0  # the probe is gone
    client.delete_bucket(Bucket=name)


def test_a_run_stopped_on_one_host_resumes_on_another_from_the_bucket(
    world, bucket, tagged_images, settings, tmp_path
) -> None:
    import threading

    from django.db import connection

    settings.LABELFORGE_WORK_DIR = tmp_path / "host-a"
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": {**FAST, "epochs": 6}},
        format="json",
    )
    run_id = response.json()["id"]

    def host_a() -> None:
        try:
            run_worker("train")
        finally:
            connection.close()  # the thread's own connection

    worker = threading.Thread(target=host_a)
    worker.start()
    deadline = time.monotonic() + 60
    while TrainingRun.objects.get(pk=run_id).step < 3:
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.05)
    world.client("manager").post(f"/api/v1/training-runs/{run_id}/cancel/")
    worker.join(60)
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == RunStatus.CANCELLED and 3 <= run.step < run.total_steps
    assert run.checkpoint in bucket.stored()

    # host A is gone with its disk; host B has only the bucket
    shutil.rmtree(tmp_path / "host-a")
    settings.LABELFORGE_WORK_DIR = tmp_path / "host-b"
    resumed = world.client("manager").post(f"/api/v1/training-runs/{run_id}/resume/")
    assert resumed.status_code == 202, resumed.json()
    run_worker("train")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.step == run.total_steps == 24, run.error
    steps = list(
        run.metrics.filter(name="train_loss").order_by("step").values_list("step", flat=True)
    )
    assert steps == list(range(1, 25))  # every step once: it continued, not restarted
