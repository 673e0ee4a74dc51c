"""Imports and exports through the API with a real worker: the report's counts, a second
import creating nothing, an item whose bytes are already there adding only what is missing,
bad archives storing nothing, cancel, and an export that pycocotools and our import read."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from pycocotools.coco import COCO

from apps.annotations.models import Annotation, AnnotationEvent
from apps.datasets.models import DatasetExport, DatasetImport
from apps.images.models import Image
from apps.projects.services import project_create
from tests.datasets.helpers import jpeg, post, run_export, run_import, zipped
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db

COMMITS = None
RED, BLUE = jpeg(64, 48, (200, 30, 30)), jpeg(64, 48, (30, 30, 200))


def _coco() -> bytes:
    body = {
        "images": [{"id": 1, "file_name": "red.jpg"}, {"id": 2, "file_name": "blue.jpg"},
                   {"id": 3, "file_name": "red copy.jpg"}],
        "categories": [{"id": 5, "name": "Sparrow"}, {"id": 9, "name": "owl"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 5, "bbox": [4, 4, 20, 20]},
            {"id": 2, "image_id": 2, "category_id": 9, "bbox": [50, 40, 30, 30]},  # clipped
            {"id": 3, "image_id": 2, "category_id": 9, "bbox": [1, 1, 5, 5],
             "segmentation": [[1, 1, 6, 1, 6, 6]]},
            {"id": 4, "image_id": 3, "category_id": 5, "bbox": [4, 4, 20, 20]},  # same as 1
            {"id": 5, "image_id": 3, "category_id": 9, "bbox": [30, 10, 10, 10]},  # new on red
        ],
    }  # fmt: skip
    return zipped({"annotations/instances_train.json": json.dumps(body), "images/red.jpg": RED,
                 "images/blue.jpg": BLUE, "images/red copy.jpg": RED})  # fmt: skip


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run a request's on-commit callbacks (the job's
    enqueue, its event) when the request ends, as its commit would."""
    global COMMITS
    COMMITS = django_capture_on_commit_callbacks


def _post(client, url: str, body, **kwargs):
    return post(client, COMMITS, url, body, **kwargs)


def _import(world, data: bytes, name: str = "set.zip", **fields):
    client = world.client("manager")
    response = _post(client, f"/api/v1/projects/{world.project.pk}/imports/",
                           {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")  # fmt: skip
    return client, response


def _run(world, data: bytes, **fields) -> dict:
    return run_import(world, COMMITS, data, **fields)


def test_coco_import_reports_what_it_did_and_a_second_one_creates_nothing(world) -> None:
    job = _run(world, _coco())
    assert (job["status"], job["detected_format"], job["progress"]) == ("succeeded", "coco", 1.0)
    counts = job["counts"]
    assert (counts["images_created"], counts["images_existing"]) == (2, 1)  # red copy = red
    assert (counts["annotations_created"], counts["annotations_existing"]) == (4, 1)
    assert (counts["boxes_clipped"], counts["skipped"], counts["labels_created"]) == (1, 0, ["owl"])
    images = {i.filename: i for i in Image.objects.filter(project=world.project)}
    assert set(images) == {"images/red.jpg", "images/blue.jpg"}
    assert images["images/red.jpg"].split == "train"
    red = Annotation.objects.filter(image=images["images/red.jpg"]).select_related("label")
    assert sorted((a.label.name, a.x) for a in red) == [
        ("owl", 30),
        ("sparrow", 4),
    ]  # Sparrow -> sparrow
    history = AnnotationEvent.objects.filter(image__project=world.project, action="created")
    assert sorted(history.values_list("annotation_id", flat=True)) == sorted(
        Annotation.objects.filter(image__project=world.project).values_list("id", flat=True)
    )  # every imported annotation has its history, so it can be reverted
    polygon = Annotation.objects.get(image=images["images/blue.jpg"], kind="polygon")
    assert polygon.polygon == [[[1, 1], [6, 1], [6, 6]]]  # its segmentation, not its bbox
    clipped = Annotation.objects.get(image=images["images/blue.jpg"], x=50)
    assert (clipped.w, clipped.h) == (14, 8)
    assert not default_storage.exists(DatasetImport.objects.get(pk=job["id"]).file)  # upload gone

    again = _run(world, _coco())
    assert again["counts"]["images_created"] == 0 and again["counts"]["annotations_created"] == 0
    assert again["counts"]["annotations_existing"] == 5
    assert Annotation.objects.filter(image__project=world.project).count() == 4


@pytest.mark.parametrize(("data", "fmt", "error"), [
    (b"PK\x03\x04 this is not really a zip", "auto", "zip"),
    (zipped({"a.jpg": RED, "notes.txt": "hello"}), "auto", "Could not tell"),
    (zipped({"instances.json": "{broken", "a.jpg": RED}), "coco", "No COCO"),
    (zipped({"../evil.jpg": RED}), "auto", "escapes"),
])  # fmt: skip
def test_an_unreadable_archive_fails_and_stores_nothing(world, data, fmt, error) -> None:
    job = _run(world, data, format=fmt)
    assert job["status"] == "failed" and error in job["error"], job
    assert not Image.objects.filter(project=world.project).exists()


def test_a_bad_image_inside_a_good_archive_is_named_and_the_rest_imported(world) -> None:
    job = _run(world, zipped({"cats/a.jpg": RED, "cats/b.jpg": b"\xff\xd8\xff not a jpeg"}))
    assert job["status"] == "succeeded" and job["detected_format"] == "imagenet"
    assert job["counts"]["images_created"] == 1 and job["counts"]["images_failed"] == 1
    assert job["errors"][0]["file"] == "cats/b.jpg"


def test_what_is_not_a_zip_is_refused_in_the_request(world) -> None:
    _, response = _import(world, RED, name="photo.jpg")
    assert response.status_code == 400 and response.json()["code"] == "not_an_archive"
    _, response = _import(world, _coco(), format="pascal")
    assert response.status_code == 400
    assert not DatasetImport.objects.exists()


def test_a_queued_import_cancelled_is_never_run(world) -> None:
    client, response = _import(world, _coco())
    url = f"/api/v1/imports/{response.json()['id']}/"
    assert _post(client, f"{url}cancel/", None).json()["status"] == "cancelled"
    run_worker("default")
    assert client.get(url).json()["status"] == "cancelled"
    assert not Image.objects.filter(project=world.project).exists()
    assert client.post(f"{url}cancel/").status_code == 409


def test_export_coco_reads_in_pycocotools_and_imports_into_a_new_project(world, tmp_path) -> None:
    _run(world, _coco())
    job, data = run_export(world, COMMITS, {"format": "coco", "filter": {"split": "train"}})
    assert job["counts"] == {"images": 2, "annotations": 4}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        (tmp_path / "train.json").write_bytes(zf.read("annotations/instances_train.json"))
    api = COCO(str(tmp_path / "train.json"))
    assert len(api.getImgIds()) == 2 and len(api.getAnnIds()) == 4

    world.project = project_create(name="Copy", user=world.users["manager"])
    copy = _run(world, data)
    assert copy["counts"]["images_created"] == 2 and copy["counts"]["annotations_created"] == 4
    boxes = sorted((a.label.name, a.x, a.y, a.w, a.h) for a in
                   Annotation.objects.filter(image__project=world.project).select_related("label"))  # fmt: skip
    assert boxes == [("owl", 1, 1, 5, 5), ("owl", 30, 10, 10, 10), ("owl", 50, 40, 14, 8),
                     ("sparrow", 4, 4, 20, 20)]  # fmt: skip


def test_an_expired_export_is_swept_by_the_reaper(world) -> None:
    _run(world, _coco())
    client = world.client("manager")
    response = _post(client, f"/api/v1/projects/{world.project.pk}/exports/", {"format": "voc"},
                     format="json")  # fmt: skip
    run_worker("default")
    export = DatasetExport.objects.get(pk=response.json()["id"])
    assert export.file and default_storage.exists(export.file)
    call_command("reap_runs")  # not expired yet: kept
    assert default_storage.exists(export.file)
    DatasetExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("reap_runs")
    assert not default_storage.exists(export.file)
    job = client.get(f"/api/v1/exports/{export.pk}/").json()
    assert job["download"] is None and job["status"] == "succeeded"
    gone = client.get(f"/api/v1/exports/{export.pk}/download/")
    assert gone.status_code == 404 and gone.json()["code"] == "expired"


@pytest.mark.parametrize("body", [{"format": "tiff"}, {"format": "coco", "filter": {"split": "x"}},
                                  {"format": "coco", "filter": {"colour": "red"}}])  # fmt: skip
def test_a_bad_export_request_is_a_400(world, body) -> None:
    response = world.client("manager").post(f"/api/v1/projects/{world.project.pk}/exports/", body,
                                             format="json")  # fmt: skip
    assert response.status_code == 400 and "detail" in response.json()
