"""An import stores a hundred items per transaction: a few queries per batch, not per image;
and a batch that collides with another import storing the same image at the same moment is
rolled back (its files deleted) and redone one item at a time, matching that image."""

import json
import threading
import time

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction

from apps.annotations.models import Annotation
from apps.datasets.formats.coco import read
from apps.datasets.importer import ImportReport, import_dataset
from apps.images.imaging import decode_image
from apps.images.models import Image
from tests.datasets.helpers import archive, jpeg, run_import, zipped

IMAGES = 5


def _coco_files(n: int) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {
        f"images/{i}.jpg": jpeg(64, 48, (i % 16 * 16, i // 16 * 16, 90)) for i in range(n)
    }
    body = {
        "images": [{"id": i + 1, "file_name": f"{i}.jpg", "width": 64, "height": 48} for i in range(n)],
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "bike"}],
        "annotations": [{"id": 2 * i + k + 1, "image_id": i + 1, "category_id": k + 1,
                         "bbox": [2 + k * 20, 2, 10, 10]} for i in range(n) for k in range(2)],
    }  # fmt: skip
    files["annotations/instances_train.json"] = json.dumps(body)
    return files


@pytest.mark.django_db
def test_two_hundred_images_take_a_few_queries_per_hundred(world, django_assert_max_num_queries):
    data = archive(_coco_files(200))
    dataset, report = read(data), ImportReport()
    with django_assert_max_num_queries(40):  # one image at a time took about 1,800
        assert import_dataset(project=world.project, user=world.users["manager"], archive=data,
                              dataset=dataset, report=report, progress=lambda d, t: True)  # fmt: skip
    assert (report.images_created, report.annotations_created) == (200, 400)
    assert Annotation.objects.filter(image__project=world.project).count() == 400


def _hold_until_someone_waits(project, data: bytes, seen: dict) -> None:
    """Another import's transaction: stores an image with `data`'s content and commits only
    once a query elsewhere waits on its row (or after 30 s)."""
    try:
        with transaction.atomic():
            Image.objects.create(
                project=project, file="projects/elsewhere.jpg", filename="elsewhere.jpg",
                width=64, height=48, format="JPEG", size_bytes=len(data),
                sha256=decode_image(data, max_pixels=settings.LABELFORGE_MAX_IMAGE_PIXELS).sha256,
            )  # fmt: skip
            seen["inserted"].set()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not seen["waiter"]:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                   "wait_event_type = 'Lock' AND datname = current_database()")  # fmt: skip
                    seen["waiter"] = cursor.fetchone()[0] > 0
                time.sleep(0.05)
    finally:
        seen["inserted"].set()
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_batch_colliding_with_another_import_is_redone_one_by_one(
    world, django_capture_on_commit_callbacks
) -> None:
    files = _coco_files(IMAGES)
    seen = {"inserted": threading.Event(), "waiter": False}
    other = threading.Thread(target=_hold_until_someone_waits,
                             args=(world.project, files["images/3.jpg"], seen))  # fmt: skip
    other.start()
    assert seen["inserted"].wait(30)
    job = run_import(world, django_capture_on_commit_callbacks, zipped(files))
    other.join(60)
    assert seen["waiter"], "the batch never waited on the other import's row"

    assert job["status"] == "succeeded", job
    counts = job["counts"]
    assert (counts["images_created"], counts["images_existing"]) == (IMAGES - 1, 1), counts
    assert counts["annotations_created"] == 2 * IMAGES and counts["images_failed"] == 0
    elsewhere = Image.objects.get(filename="elsewhere.jpg")
    assert Annotation.objects.filter(image=elsewhere).count() == 2  # matched, its boxes added
    assert Image.objects.filter(project=world.project).count() == IMAGES
    _, stored = default_storage.listdir(f"projects/{world.project.pk}/images")
    assert len(stored) == IMAGES - 1  # the rolled-back batch's files were deleted
