"""Freezing a project's labelled images into an immutable training manifest.

What a sample is depends on the snapshot's source (`Source`): an image by its tag, an image
with its boxes by their label or by their `scale_class` attribute (a detector of shape
classes, the first stage of a two-stage pipeline), or one box cut out of its image by its
label (a classifier for the second stage, optionally only the boxes of one scale class).
A crop sample names its image and carries `crop` [x, y, w, h]; the worker cuts it out when it
materialises the snapshot, so ml/ sees plain images."""

import json
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.json import KeyTextTransform

from apps.annotations.models import USABLE, Annotation, Kind
from apps.core.exceptions import ApplicationError
from apps.images.models import Image
from apps.models.models import SOURCES, DatasetSnapshot, Source
from apps.models.training.datacheck import DataCheck, check_samples
from apps.projects.models import Project
from ml.autolabel import MIN_CROP


@dataclass(frozen=True)
class Selection:
    """Which annotations a snapshot learns from; `scale_class` narrows crops to one."""

    task: str
    source: str = ""  # "" = the task's default
    scale_class: str = ""

    def resolved(self) -> "Selection":
        allowed = SOURCES[self.task]
        source = self.source or allowed[0]
        if source not in allowed:
            names = " or ".join(str(s) for s in allowed)
            raise ApplicationError(f"source: a {self.task} run trains on {names}, not {source}.",
                                   code="invalid_source")  # fmt: skip
        if self.scale_class and source != Source.CROPS:
            raise ApplicationError("scale_class: only crops are narrowed to one scale class.",
                                   code="invalid_source")  # fmt: skip
        return Selection(self.task, source, self.scale_class.strip())


def _shape_rows(project: Project) -> list[tuple]:
    """(image_id, label id, x, y, w, h, segment) of the polygons and masks: the segment is
    {"polygon": rings} or {"mask": {size, counts}}, x, y, w, h its bounding box."""
    qs = Annotation.objects.filter(USABLE, image__project=project, image__excluded=False,
                                   kind__in=[Kind.POLYGON, Kind.MASK])  # fmt: skip
    rows = qs.order_by("image_id", "id").values_list(
        "image_id", "label_id", "x", "y", "w", "h", "kind", "polygon", "mask"
    )
    return [(i, label, x, y, w, h, {"polygon": polygon} if kind == Kind.POLYGON else {"mask": mask})
            for i, label, x, y, w, h, kind, polygon, mask in rows]  # fmt: skip


def _rows(project: Project, sel: Selection) -> list[tuple]:
    """(image_id, class key, x, y, w, h): the key is a label id, or a scale class's name
    (shapes: and the segment)."""
    if sel.source == Source.SHAPES:
        return _shape_rows(project)
    kind = Kind.TAG if sel.source == Source.TAGS else Kind.BOX
    qs = Annotation.objects.filter(
        USABLE, image__project=project, image__excluded=False, kind=kind
    ).annotate(scale_class=KeyTextTransform("scale_class", "attributes"))
    if sel.scale_class:
        qs = qs.filter(scale_class=sel.scale_class)
    key = "scale_class" if sel.source == Source.SCALE_CLASSES else "label_id"
    return list(qs.order_by("image_id", "id").values_list("image_id", key, "x", "y", "w", "h"))


def _unclassed(rows: list[tuple]) -> tuple[list[tuple], int]:
    """Scale classes: an image with a box that has none (drawn since the tool last ran) is
    left out whole, else the detector would learn that box as background."""
    missing = [r for r in rows if not r[1]]
    bad = {r[0] for r in missing}
    return [r for r in rows if r[0] not in bad], len(missing)


def _classes(project: Project, sel: Selection, keys: set) -> tuple[list, list[str]]:
    """(the class keys in class-index order, their names)."""
    ordered = sorted(keys)
    if sel.source == Source.SCALE_CLASSES:
        return ordered, list(ordered)
    names = dict(project.labels.filter(pk__in=ordered).values_list("id", "name"))
    return ordered, [names[i] for i in ordered]


def _sample(image: Image, **fields: object) -> dict:
    return {"path": image.file.name, "sha256": image.sha256, "split": image.split,
            "weight": image.sample_weight, "width": image.width, "height": image.height,
            "image_id": image.pk, "labels": [], "boxes": [], "segments": [], **fields}  # fmt: skip


def _samples(project: Project, sel: Selection) -> tuple[list[dict], list, list[str], int, int]:
    """(samples, class keys, class names, how many units could have been samples, boxes
    without a scale class)."""
    rows, unclassed = _rows(project, sel), 0
    if sel.source == Source.CROPS:  # boxes too small to classify are not worth a sample
        big = [r for r in rows if min(r[4], r[5]) >= MIN_CROP]
        possible, rows = len(rows), big
    else:
        possible = project.images.filter(excluded=False).count()
    if sel.source == Source.SCALE_CLASSES:
        rows, unclassed = _unclassed(rows)
    keys, classes = _classes(project, sel, {r[1] for r in rows})
    index = {k: i for i, k in enumerate(keys)}
    by_image: dict[int, list[tuple]] = {}
    for image_id, *rest in rows:
        by_image.setdefault(image_id, []).append(tuple(rest))
    samples = []
    for image in Image.objects.filter(pk__in=by_image).order_by("id").iterator(chunk_size=2000):
        items = by_image[image.pk]
        if sel.source == Source.TAGS:
            samples.append(_sample(image, labels=[index[items[0][0]]]))
        elif sel.source == Source.CROPS:
            samples.extend(
                _sample(
                    image, labels=[index[k]], crop=[x, y, w, h], width=round(w), height=round(h)
                )
                for k, x, y, w, h in items
            )
        elif sel.source == Source.SHAPES:
            samples.append(_sample(image, boxes=[(x, y, w, h, index[k]) for k, x, y, w, h, _ in items],
                                   segments=[seg for *_, seg in items]))  # fmt: skip
        else:
            samples.append(
                _sample(image, boxes=[(x, y, w, h, index[k]) for k, x, y, w, h in items])
            )
    return samples, keys, classes, possible, unclassed


def _checked(project: Project, sel: Selection) -> tuple[list[dict], list, list[str], DataCheck]:
    sel = sel.resolved()
    samples, keys, classes, possible, unclassed = _samples(project, sel)
    check = check_samples(task=sel.task, source=sel.source, samples=samples, classes=classes,
                          total=possible, unclassed=unclassed,
                          excluded=project.images.filter(excluded=True).count())  # fmt: skip
    return samples, keys, classes, check


def training_data_check(*, project: Project, task: str, source: str = "",
                        scale_class: str = "") -> DataCheck:  # fmt: skip
    """What a snapshot of `project` for `task` would hold now, and whether it can train."""
    return _checked(project, Selection(task, source, scale_class))[3]


def snapshot_create(*, project: Project, task: str, user: AbstractBaseUser, source: str = "",
                    scale_class: str = "") -> DatasetSnapshot:  # fmt: skip
    sel = Selection(task, source, scale_class).resolved()
    samples, keys, classes, check = _checked(project, sel)
    if check.errors:
        raise ApplicationError(check.errors[0]["detail"], code=check.errors[0]["code"])
    label_ids = [] if sel.source == Source.SCALE_CLASSES else keys
    manifest = {"task": task, "classes": classes, "samples": samples, "label_ids": label_ids}
    snapshot = DatasetSnapshot.objects.create(
        project=project,
        task=task,
        source=sel.source,
        scale_class=sel.scale_class,
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
