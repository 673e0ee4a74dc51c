"""Freezing a project's labelled images into an immutable training manifest."""

import json

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.annotations.models import USABLE, Annotation, Kind
from apps.core.exceptions import ApplicationError
from apps.images.models import Image
from apps.models.models import DatasetSnapshot, Task
from apps.models.training.datacheck import DataCheck, check_samples
from apps.projects.models import Project


def _samples(project: Project, task: str) -> tuple[list[dict], list[int]]:
    kind = Kind.TAG if task == Task.CLASSIFY else Kind.BOX
    rows = (
        Annotation.objects.filter(USABLE, image__project=project, kind=kind)
        .order_by("image_id", "id")
        .values_list("image_id", "label_id", "x", "y", "w", "h")
    )
    by_image: dict[int, list[tuple]] = {}
    for image_id, label_id, x, y, w, h in rows:
        by_image.setdefault(image_id, []).append((label_id, x, y, w, h))
    label_ids = sorted({r[0] for items in by_image.values() for r in items})
    images = Image.objects.filter(pk__in=by_image).order_by("id")
    samples = []
    for image in images.iterator(chunk_size=2000):
        items = by_image[image.pk]
        sample = {
            "path": image.file.name,
            "sha256": image.sha256,
            "split": image.split,
            "weight": image.sample_weight,
            "width": image.width,
            "height": image.height,
            "image_id": image.pk,
            "labels": [],
            "boxes": [],
        }
        if task == Task.CLASSIFY:
            sample["labels"] = [label_ids.index(items[0][0])]
        else:
            sample["boxes"] = [(x, y, w, h, label_ids.index(lab)) for lab, x, y, w, h in items]
        samples.append(sample)
    return samples, label_ids


def _checked_samples(
    project: Project, task: str
) -> tuple[list[dict], list[int], list[str], DataCheck]:
    samples, label_ids = _samples(project, task)
    names = dict(project.labels.filter(pk__in=label_ids).values_list("id", "name"))
    classes = [names[i] for i in label_ids]
    check = check_samples(
        task=task, samples=samples, classes=classes, total_images=project.images.count()
    )
    return samples, label_ids, classes, check


def training_data_check(*, project: Project, task: str) -> DataCheck:
    """What a snapshot of `project` for `task` would hold now, and whether it can train."""
    return _checked_samples(project, task)[3]


def snapshot_create(*, project: Project, task: str, user: AbstractBaseUser) -> DatasetSnapshot:
    samples, label_ids, classes, check = _checked_samples(project, task)
    if check.errors:
        raise ApplicationError(check.errors[0]["detail"], code=check.errors[0]["code"])
    manifest = {"task": task, "classes": classes, "samples": samples, "label_ids": label_ids}
    snapshot = DatasetSnapshot.objects.create(
        project=project,
        task=task,
        classes=classes,
        splits={split: n for split, n in check.splits.items() if n},
        image_count=len(samples),
        left_out=check.left_out,
        warnings=check.warnings,
        created_by=user,
    )
    snapshot.manifest = default_storage.save(
        f"snapshots/{snapshot.pk}/manifest.json", ContentFile(json.dumps(manifest).encode())
    )
    snapshot.save(update_fields=["manifest"])
    return snapshot
