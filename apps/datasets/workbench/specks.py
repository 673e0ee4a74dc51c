"""The shape clean-up: polygons of less than `min_area` px² (outline less holes) removed, and
masks' specks (8-connected regions of fewer than `min_area` pixels) wiped, a mask left with
no pixel removed. A preview (dry run) with examples, or an apply that plans again on the
locked rows and writes every change with its history event as one DatasetOperation (undone
by dataset_operation_undo like the box tools)."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.urls import reverse

from apps.annotations.bulk import (
    annotations_bulk_delete,
    annotations_bulk_set_masks,
    annotations_lock_shapes,
    announce,
)
from apps.annotations.models import Annotation, Kind
from apps.projects.models import Project
from ml.geometry import (
    mask_rle,
    mask_without_specks,
    polygon_area,
    rings_of,
    rle_area,
    rle_bbox,
    rle_check,
    rle_mask,
)

from ..models import DatasetOperation, OperationKind
from .table import BoxFilter, filtered_annotations

EXAMPLES = 12  # images shown in a preview


@dataclass
class ShapePlan:
    delete: list[int] = field(default_factory=list)  # annotation ids
    masks: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> the mask left
    removed_pixels: int = 0  # by the masks' clean-up

    @property
    def matched(self) -> int:
        return len(self.delete) + len(self.masks)

    def ids(self) -> list[int]:
        return [*self.delete, *self.masks]


def _shapes(project: Project, filters: BoxFilter) -> Any:
    kinds = (Kind.POLYGON, Kind.MASK)
    return filtered_annotations(project=project, filters=filters, kinds=kinds).order_by("id")


def plan_small_shapes(rows: list[Annotation], *, min_area: float) -> ShapePlan:
    """What the clean-up does to these polygons and masks."""
    plan = ShapePlan()
    for a in rows:
        if a.kind == Kind.POLYGON:
            if polygon_area(rings_of(a.polygon)) < min_area:
                plan.delete.append(a.pk)
            continue
        rle = rle_check(a.mask)
        area = rle_area(rle)
        if area < min_area:  # every region is smaller: nothing left
            plan.delete.append(a.pk)
            plan.removed_pixels += area
            continue
        kept = mask_without_specks(rle_mask(rle), math.ceil(min_area))
        left = int(kept.sum())
        if left == 0:
            plan.delete.append(a.pk)
        elif left != area:
            plan.masks[a.pk] = mask_rle(kept).json()
        plan.removed_pixels += area - left
    return plan


def _box(a: Annotation) -> dict[str, float]:
    return {k: round(float(getattr(a, k)), 2) for k in "xywh"}


def _examples(rows: list[Annotation], plan: ShapePlan) -> list[dict[str, Any]]:
    """The first EXAMPLES images the plan touches, each shape's bounding box before and after
    (after = null: removed), as the box tools' previews show them."""
    by_image: dict[int, list[dict[str, Any]]] = defaultdict(list)
    sizes: dict[int, tuple[int, int]] = {}
    for a in rows:
        if a.pk not in plan.delete and a.pk not in plan.masks:
            continue
        if a.image_id not in by_image and len(by_image) >= EXAMPLES:
            continue
        after = None
        if a.pk in plan.masks:
            after = dict(zip("xywh", (round(v, 2) for v in rle_bbox(rle_check(plan.masks[a.pk]))),
                             strict=True))  # fmt: skip
        by_image[a.image_id].append({"id": a.pk, "label": a.label_id, "kind": a.kind,
                                     "box": _box(a), "after": after})  # fmt: skip
        sizes[a.image_id] = (a.image.width, a.image.height)
    return [{"image": image, "width": sizes[image][0], "height": sizes[image][1],
             "file": reverse("image-file", args=[image]),
             "thumbnail": reverse("image-thumbnail", args=[image]), "boxes": shapes}
            for image, shapes in by_image.items()]  # fmt: skip


def dataset_shapes_clean(*, project: Project, user: AbstractBaseUser | None, min_area: float,
                         filters: BoxFilter, dry_run: bool) -> dict[str, Any]:  # fmt: skip
    """{matched, changed, operation, params, examples, removed_pixels}: a dry run changes
    nothing (operation null)."""
    params = {"min_area": min_area}
    rows = list(_shapes(project, filters).select_related("image"))
    plan = plan_small_shapes(rows, min_area=min_area)
    if dry_run:
        return {"matched": plan.matched, "changed": 0, "operation": None, "params": params,
                "removed_pixels": plan.removed_pixels, "examples": _examples(rows, plan)}  # fmt: skip
    with transaction.atomic():
        # what the preview saw may have changed: plan again on the rows locked now
        locked = annotations_lock_shapes(project=project, ids=plan.ids())
        plan = plan_small_shapes(locked, min_area=min_area)
        by_id = {a.pk: a for a in locked}
        events = annotations_bulk_delete(project=project, user=user,
                                         annotations=[by_id[pk] for pk in plan.delete])  # fmt: skip
        events += annotations_bulk_set_masks(project=project, user=user, masks=plan.masks,
                                             annotations=[by_id[pk] for pk in plan.masks])  # fmt: skip
        operation = DatasetOperation.objects.create(
            project=project, kind=OperationKind.REMOVE_SMALL_SHAPES,
            params={**params, **filters.params()}, matched=plan.matched, changed=len(events),
            events=events, created_by=user,
        )  # fmt: skip
        announce(project=project, image_ids={by_id[pk].image_id for pk in plan.ids()},
                 operation=operation.pk)  # fmt: skip
    return {"matched": plan.matched, "changed": len(events), "operation": operation,
            "params": params, "removed_pixels": plan.removed_pixels, "examples": []}  # fmt: skip
