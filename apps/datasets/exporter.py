"""A project's images and annotations as a neutral dataset (formats.base.Dataset), for an
export: the images a filter picks, each with its usable annotations (a person's, or a
prediction a person accepted; the Labelforge format keeps pending and rejected ones too)."""

from typing import Any

from django.db.models import Prefetch

from apps.annotations.models import USABLE, Annotation, Kind
from apps.images.models import Image, ImageStatus
from apps.projects.models import Project

from .formats.base import Box, Dataset, Item, LabelSpec, Shape


def export_images(*, project: Project, filters: dict[str, Any]) -> list[Image]:
    qs = project.images.order_by("id")
    if "split" in filters:
        qs = qs.filter(split=filters["split"])
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if filters.get("reviewed_only"):
        qs = qs.filter(status=ImageStatus.REVIEWED)
    return list(qs)


def export_dataset(*, project: Project, images: list[Image], everything: bool) -> Dataset:
    """`everything`: every annotation with its source, score, review and model version."""
    annotations = Annotation.objects.select_related("label").order_by("id")
    if not everything:
        annotations = annotations.filter(USABLE)
    rows = Image.objects.filter(pk__in=[i.pk for i in images]).order_by("id").prefetch_related(
        Prefetch("annotations", queryset=annotations, to_attr="exported"))  # fmt: skip
    labels = [LabelSpec(x.name, x.color, x.hotkey) for x in project.labels.order_by("id")]
    names = _unique_names([image.filename for image in rows])
    items = []
    for image, name in zip(rows, names, strict=True):
        item = Item(name=name, path=image.file.name, split=None if image.split == "unassigned"
                    else image.split, width=image.width, height=image.height)  # fmt: skip
        if everything:
            item.extra = {"status": image.status, "sample_weight": image.sample_weight,
                          "sha256": image.sha256}  # fmt: skip
        for ann in image.exported:
            extra = {"source": ann.source, "score": ann.score, "review": ann.review,
                     "model_version": ann.model_version_id} if everything else {}  # fmt: skip
            extra = {k: v for k, v in extra.items() if v is not None}
            if ann.kind == Kind.TAG:
                item.tags.append(ann.label.name)
                if everything:
                    item.extra.setdefault("tag_extra", []).append(extra)
            elif ann.kind == Kind.BOX:
                item.boxes.append(Box(ann.label.name, ann.x, ann.y, ann.w, ann.h,
                                      dict(ann.attributes or {}), extra))  # fmt: skip
            else:  # a polygon or a mask
                item.shapes.append(Shape(ann.label.name, polygon=ann.polygon, mask=ann.mask,
                                         attributes=dict(ann.attributes or {}), extra=extra))  # fmt: skip
        items.append(item)
    return Dataset("labelforge", items, labels)


def _unique_names(filenames: list[str]) -> list[str]:
    """File names for the archive: the uploaded name without folders, made unique."""
    used: set[str] = set()
    out = []
    for filename in filenames:
        base = filename.replace("\\", "/").rsplit("/", 1)[-1] or "image"
        stem, dot, ext = base.rpartition(".")
        stem, ext = (stem, f".{ext}") if dot else (base, "")
        name, n = base, 0
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}{ext}"
        used.add(name.lower())
        out.append(name)
    return out
