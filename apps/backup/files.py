"""Every stored file the database references: image files and thumbnails, snapshot
manifests, run checkpoints, weights, metrics and logs, model version artifacts. Read inside
the backup's snapshot, so the list matches the dumped rows exactly."""

from collections.abc import Iterator

from django.core.files.storage import default_storage

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
