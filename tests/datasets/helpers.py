"""Small archives for the format tests, built in memory, and imports and exports run through
the API on a real worker."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.datasets.formats.base import Archive
from apps.images.archives import ArchiveLimits
from tests.helpers.processes import run_worker

LIMITS = ArchiveLimits(max_entries=10_000, max_uncompressed_bytes=2**30, max_file_bytes=2**27)


def jpeg(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG")
    return buf.getvalue()


def archive(files: dict[str, bytes | str]) -> Archive:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buf.seek(0)
    return Archive(zipfile.ZipFile(buf), LIMITS)


def written(write, dataset, image_bytes=None) -> Archive:
    """What a format's writer puts in a zip, read back as an Archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        write(dataset, zf, image_bytes)
    buf.seek(0)
    return Archive(zipfile.ZipFile(buf), LIMITS)


def zipped(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def post(client, commits, url: str, body, **kwargs):
    """A request whose on-commit callbacks (the job's enqueue, its event) run when it ends, as
    its commit would: `commits` is pytest-django's django_capture_on_commit_callbacks."""
    with commits(execute=True):
        return client.post(url, body, **kwargs)


def run_import(world, commits, data: bytes, name: str = "set.zip", **fields) -> dict:
    """POST the archive as the manager, run the default queue to the end, the import's JSON."""
    client = world.client("manager")
    response = post(client, commits, f"/api/v1/projects/{world.project.pk}/imports/",
                    {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")  # fmt: skip
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["url"].endswith(f"/api/v1/imports/{body['id']}/")
    run_worker("default")
    return client.get(f"/api/v1/imports/{response.json()['id']}/").json()


def run_export(world, commits, body: dict) -> tuple[dict, bytes]:
    """POST the export as the manager, run the queue, the export's JSON and its zip's bytes."""
    client = world.client("manager")
    response = post(client, commits, f"/api/v1/projects/{world.project.pk}/exports/", body,
                    format="json")  # fmt: skip
    assert response.status_code == 202, response.json()
    run_worker("default")
    job = client.get(f"/api/v1/exports/{response.json()['id']}/").json()
    assert job["status"] == "succeeded", job
    return job, b"".join(client.get(job["download"]).streaming_content)
