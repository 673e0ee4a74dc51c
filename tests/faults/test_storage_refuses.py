"""The disk refusing a write in the middle of an upload (ENOSPC, as the OS answers when it
is full: the one thing here that stands in for the outside world): a clear 507 JSON error,
and nothing half-stored, neither the image rows nor the files written before the refusal."""

import errno
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.images.models import Image
from tests.factories.images import distinct_images, zip_bytes


class FullDisk(FileSystemStorage):
    """Takes `room` files, then answers every write as a full disk does."""

    room = 1

    def _save(self, name: str, content: object) -> str:
        if FullDisk.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        FullDisk.room -= 1
        return super()._save(name, content)


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "tests.faults.test_storage_refuses.FullDisk"}}  # fmt: skip
    FullDisk.room = 1
    return Path(settings.MEDIA_ROOT)


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("as_zip", [False, True])
def test_a_full_disk_mid_upload_is_a_507_and_stores_nothing(world, full_disk, as_zip) -> None:
    images = distinct_images(3)
    if as_zip:
        files = [
            SimpleUploadedFile(
                "batch.zip", zip_bytes({f"{i}.png": d for i, d in enumerate(images)})
            )
        ]
    else:
        files = [SimpleUploadedFile(f"{i}.png", d) for i, d in enumerate(images)]
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/images/", {"files": files}, format="multipart"
    )
    assert response.status_code == 507, response.content
    body = response.json()
    assert body["code"] == "storage_refused" and "No space left on device" in body["detail"]
    assert not Image.objects.filter(project=world.project).exists()
    assert _files(full_disk) == []  # the first image, written before the refusal, is gone

    FullDisk.room = 10  # space again: the same upload goes through whole
    files = [SimpleUploadedFile(f"{i}.png", d) for i, d in enumerate(images)]
    again = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/images/", {"files": files}, format="multipart"
    )
    assert again.status_code == 201 and len(again.json()["created"]) == 3
