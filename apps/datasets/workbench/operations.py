"""Running a workbench tool: a preview (dry run) with examples, or an apply that re-plans on
the locked rows and writes every change with its history event as one DatasetOperation; and
that operation's undo."""

from collections import defaultdict
from typing import Any

import numpy as np
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.annotations.bulk import (
    annotation_events_revert_many,
    annotations_bulk_delete,
    annotations_bulk_set_attributes,
    annotations_bulk_set_boxes,
    annotations_lock,
    announce,
)
from apps.core.exceptions import Conflict
from apps.projects.models import Project

from ..models import DatasetOperation, OperationKind
from .plans import Plan, make_plan, prepare
from .table import BoxFilter, BoxTable, box_table

EXAMPLES = 12  # images shown in a preview


def _examples(table: BoxTable, plan: Plan) -> list[dict[str, Any]]:
    """The first EXAMPLES images the plan touches, each with its boxes before and after
    (after = null: removed)."""
    rows = {int(i): n for n, i in enumerate(table.ids)}
    by_image: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk in sorted(plan.ids()):
        n = rows[pk]
        image = int(table.image_ids[n])
        if image not in by_image and len(by_image) >= EXAMPLES:
            continue
        after = plan.boxes.get(pk)
        entry = {"id": pk, "label": int(table.label_ids[n]), "box": _box(table.box(n)),
                 "after": _box(after) if after else None}  # fmt: skip
        if pk in plan.attributes:  # a changed attribute: the box stays where it is
            entry.update(after=entry["box"], attributes=plan.attributes[pk])
        by_image[image].append(entry)
    sizes = {
        int(i): (float(w), float(h))
        for i, w, h in zip(table.image_ids, table.image_w, table.image_h, strict=True)
    }
    return [{"image": image, "width": sizes[image][0], "height": sizes[image][1],
             "file": reverse("image-file", args=[image]),
             "thumbnail": reverse("image-thumbnail", args=[image]), "boxes": boxes}
            for image, boxes in by_image.items()]  # fmt: skip


def _box(box: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip("xywh", (round(v, 2) for v in box), strict=True))


def dataset_tool_run(*, project: Project, user: AbstractBaseUser | None, kind: str,
                     params: dict[str, Any], filters: BoxFilter, dry_run: bool) -> dict[str, Any]:  # fmt: skip
    """{matched, changed, operation, examples}: a dry run changes nothing (operation null)."""
    table = box_table(project=project, filters=filters)
    if kind == OperationKind.SCALE_CLASSES:
        last = DatasetOperation.objects.filter(project=project, kind=kind, undone_at=None).first()
        params = {**params, "previous": last.params if last else None}
    params = prepare(kind, table, params)
    plan = make_plan(kind, table, params)
    if dry_run:
        return {"matched": plan.matched, "changed": 0, "operation": None, "params": params,
                "examples": _examples(table, plan)}  # fmt: skip
    planned = np.isin(table.ids, plan.ids())
    touched = sorted(set(table.image_ids[planned].tolist()))
    with transaction.atomic():
        # what the preview saw may have changed: plan again on the rows locked now
        locked = box_table(project=project, filters=filters, image_ids=touched, lock=True)
        plan = make_plan(kind, locked, params)
        rows = {a.pk: a for a in annotations_lock(project=project, ids=plan.ids())}
        events = annotations_bulk_delete(project=project, user=user,
                                         annotations=[rows[pk] for pk in plan.delete])  # fmt: skip
        events += annotations_bulk_set_boxes(project=project, user=user, boxes=plan.boxes,
                                             annotations=[rows[pk] for pk in plan.boxes])  # fmt: skip
        events += annotations_bulk_set_attributes(
            project=project, user=user, values=plan.attributes,
            annotations=[rows[pk] for pk in plan.attributes],
        )  # fmt: skip
        operation = DatasetOperation.objects.create(
            project=project, kind=kind, params={**params, **filters.params()},
            matched=plan.matched, changed=len(events), events=events, created_by=user,
        )  # fmt: skip
        announce(project=project, image_ids={a.image_id for a in rows.values()},
                 operation=operation.pk)  # fmt: skip
    return {"matched": plan.matched, "changed": len(events), "operation": operation,
            "params": params, "examples": []}  # fmt: skip


def dataset_operation_undo(
    *, operation: DatasetOperation, user: AbstractBaseUser | None
) -> DatasetOperation:
    """Revert every change the operation made; a box someone changed since is left as it is
    now and counted as a conflict. Undone once only."""
    with transaction.atomic():
        operation = DatasetOperation.objects.select_for_update().get(pk=operation.pk)
        if operation.undone_at is not None:
            raise Conflict("This operation was already undone.", code="already_undone")
        report = annotation_events_revert_many(project=operation.project, user=user,
                                               event_ids=operation.events)  # fmt: skip
        operation.undone_at, operation.undone_by = timezone.now(), user
        operation.undo_counts = {"reverted": report.reverted, "conflicts": report.conflicts}
        operation.save(update_fields=["undone_at", "undone_by", "undo_counts"])
    return operation
