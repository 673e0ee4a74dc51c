"""Every stored file the database references: image files and thumbnails, snapshot
manifests, run checkpoints, weights, metrics and logs, model version artifacts. Read inside
the backup's snapshot, so the list matches the dumped rows exactly."""

from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from apps.images.models import Image
from apps.models.models import DatasetSnapshot, ModelVersion, TrainingRun

RUN_EXTRAS = ("metrics.csv", "log.txt")  # written under runs/<id>/ without a column
VERSION_EXTRAS = ("model.json", "model.onnx.data")  # beside model.pt / model.onnx


def _named(values: Iterator[str]) -> Iterator[str]:
    for name in values:
        if name:
            yield name


def referenced_files() -> list[str]:
    """Sorted, unique storage names; optional extras only where they exist."""
    names: set[str] = set()
    for file, thumb in Image.objects.values_list("file", "thumbnail").iterator():
        names.update(_named(iter((file, thumb))))
    names.update(_named(DatasetSnapshot.objects.values_list("manifest", flat=True).iterator()))
    for pk, checkpoint, weights in TrainingRun.objects.values_list("pk", "checkpoint", "weights"):
        names.update(_named(iter((checkpoint, weights))))
        names.update(f"runs/{pk}/{extra}" for extra in RUN_EXTRAS)
    for pk, weights, onnx in ModelVersion.objects.values_list("pk", "weights", "onnx"):
        names.update(_named(iter((weights, onnx))))
        names.update(f"models/{pk}/{extra}" for extra in VERSION_EXTRAS)
    optional = {n for n in names if n.rsplit("/", 1)[-1] in RUN_EXTRAS + VERSION_EXTRAS}
    return sorted(n for n in names if n not in optional or default_storage.exists(n))


def _walk(folder: str) -> Iterator[str]:
    dirs, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(f"{folder}/{sub}")


def upload_orphans(*, older_than: timedelta) -> list[str]:
    """Uploaded image files no row references, written more than `older_than` ago: what an
    upload leaves when its web process dies before the commit (its rows roll back, the files
    it had stored stay). Newer files may belong to an upload still in progress."""
    if not default_storage.exists("projects"):
        return []
    referenced = set(referenced_files())
    cutoff = timezone.now() - older_than
    projects, _ = default_storage.listdir("projects")
    return sorted(
        name
        for project in projects
        if default_storage.exists(f"projects/{project}/images")
        for name in _walk(f"projects/{project}/images")
        if name not in referenced and default_storage.get_modified_time(name) < cutoff
    )
