"""Writes to many boxes at once (the dataset workbench's tools) and their undo. Each changed
annotation gets its history event, as a single write would, and one `annotations.bulk` event
after commit names the images, so open labellers and grids reload them instead of receiving
one message per box. The caller holds the transaction and has locked the rows
(annotations_lock)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import Conflict
from apps.projects.models import Project
from ml.geometry import rle_bbox, rle_check

from .models import Annotation, AnnotationEvent, EventAction, Kind
from .serializers import annotation_states, state_geometry
from .services import BOX_FIELDS, annotation_event_revert

Box = tuple[float, float, float, float]


def annotations_lock(*, project: Project, ids: list[int]) -> list[Annotation]:
    """The project's box annotations among `ids`, locked until the transaction ends (ones
    deleted meanwhile are simply missing)."""
    return list(
        Annotation.objects.select_for_update()
        .filter(pk__in=ids, image__project=project, kind=Kind.BOX)
        .order_by("pk")
    )


def _events(project: Project, user: AbstractBaseUser | None, action: str,
            rows: list[tuple[Annotation, dict | None, dict | None]]) -> list[int]:  # fmt: skip
    made = AnnotationEvent.objects.bulk_create(
        _event(project, user, None, a, action, before, after) for a, before, after in rows
    )
    return [e.pk for e in made]


def announce(*, project: Project, image_ids: set[int], operation: int | None = None) -> None:
    if image_ids:
        broadcast_on_commit(project_group(project.pk), "annotations.bulk",
                            {"image_ids": sorted(image_ids), "operation": operation})  # fmt: skip


def annotations_bulk_delete(
    *, project: Project, user: AbstractBaseUser | None, annotations: list[Annotation]
) -> list[int]:
    """Delete these (locked) annotations; the ids of their history events."""
    before = annotation_states(annotations)
    Annotation.objects.filter(pk__in=[a.pk for a in annotations]).delete()
    return _events(project, user, EventAction.DELETED,
                   [(a, b, None) for a, b in zip(annotations, before, strict=True)])  # fmt: skip


def _bulk_change(project: Project, user: AbstractBaseUser | None, changed: list[Annotation],
                 change: Callable[[Annotation], None], fields: list[str]) -> list[int]:  # fmt: skip
    """Apply `change` to each (locked) annotation, give each a new version, write `fields`
    in one update; the ids of their history events."""
    before = annotation_states(changed)
    now = timezone.now()
    for a in changed:
        change(a)
        a.version += 1
        a.updated_by, a.updated_at = user, now
    Annotation.objects.bulk_update(changed, [*fields, "version", "updated_by", "updated_at"])
    after = annotation_states(changed)
    return _events(project, user, EventAction.UPDATED,
                   list(zip(changed, before, after, strict=True)))  # fmt: skip


def annotations_bulk_set_boxes(
    *, project: Project, user: AbstractBaseUser | None, boxes: dict[int, Box],
    annotations: list[Annotation],
) -> list[int]:  # fmt: skip
    """Give these (locked) annotations new boxes (pixels, already checked against their
    image) and a new version each; the ids of their history events."""

    def move(a: Annotation) -> None:
        a.x, a.y, a.w, a.h = boxes[a.pk]

    return _bulk_change(project, user, [a for a in annotations if a.pk in boxes], move,
                        list(BOX_FIELDS))  # fmt: skip


def annotations_bulk_set_attributes(
    *, project: Project, user: AbstractBaseUser | None, values: dict[int, dict[str, Any]],
    annotations: list[Annotation],
) -> list[int]:  # fmt: skip
    """Merge `values` (annotation id -> {attribute: value}) into these (locked) annotations'
    attributes, a new version each; the ids of their history events."""

    def merge(a: Annotation) -> None:
        a.attributes = {**(a.attributes or {}), **values[a.pk]}

    return _bulk_change(project, user, [a for a in annotations if a.pk in values], merge,
                        ["attributes"])  # fmt: skip


@dataclass
class RevertReport:
    reverted: int = 0
    conflicts: int = 0  # changed again after the event: left as they are now
    image_ids: set[int] = field(default_factory=set)


def annotation_events_revert_many(
    *, project: Project, user: AbstractBaseUser | None, event_ids: list[int]
) -> RevertReport:
    """Undo these history events (latest first) where each annotation is still as its event
    left it; the others are counted as conflicts and left alone. A restored box comes back
    under its old id. Falls back to one event at a time when the bulk write collides (a tag
    that exists again)."""
    events = list(AnnotationEvent.objects.filter(pk__in=event_ids, project=project)
                  .order_by("-pk"))  # fmt: skip
    report = RevertReport()
    try:
        with transaction.atomic():
            _revert_bulk(project, user, events, report)
    except IntegrityError:
        report = RevertReport()
        for event in events:
            try:
                with transaction.atomic():
                    annotation_event_revert(event=event, user=user)
                report.reverted += 1
                report.image_ids.add(event.image_id)
            except Conflict:
                report.conflicts += 1
    announce(project=project, image_ids=report.image_ids)
    return report


RESTORED = ["label", "kind", *BOX_FIELDS, "polygon", "mask", "source", "score", "review",
            "model_version", "attributes", "version", "updated_by", "updated_at"]  # fmt: skip


def _revert_bulk(project: Project, user: AbstractBaseUser | None,
                 events: list[AnnotationEvent], report: RevertReport) -> None:  # fmt: skip
    current = {a.pk: a for a in Annotation.objects.select_for_update()
               .filter(pk__in=[e.annotation_id for e in events])}  # fmt: skip
    now = timezone.now()
    removed: list[tuple[AnnotationEvent, Annotation]] = []
    restored: list[tuple[AnnotationEvent, Annotation, dict | None]] = []  # (event, row, before)
    for event in events:
        row = current.get(event.annotation_id)
        expected = event.after["version"] if event.after else None
        if (row.version if row else None) != expected:
            report.conflicts += 1
        elif event.action == EventAction.CREATED:
            removed.append((event, row))  # type: ignore[arg-type]
        else:
            before = annotation_states([row])[0] if row else None
            restored.append((event, _restored(row, event.before or {}, user, now), before))
    Annotation.objects.filter(pk__in=[a.pk for _, a in removed]).delete()
    Annotation.objects.bulk_create([row for _, row, before in restored if before is None])
    Annotation.objects.bulk_update([row for _, row, before in restored if before is not None],
                                   RESTORED)  # fmt: skip
    gone = annotation_states([a for _, a in removed])
    back = annotation_states([row for _, row, _ in restored])
    AnnotationEvent.objects.bulk_create([
        *(_event(project, user, e, a, EventAction.DELETED, s, None)
          for (e, a), s in zip(removed, gone, strict=True)),
        *(_event(project, user, e, row, EventAction.CREATED if before is None else
                 EventAction.UPDATED, before, s)
          for (e, row, before), s in zip(restored, back, strict=True)),
    ])  # fmt: skip
    report.reverted = len(removed) + len(restored)
    report.image_ids = {e.image_id for e, _ in removed} | {e.image_id for e, _, _ in restored}


def _restored(row: Annotation | None, state: dict[str, Any], user: AbstractBaseUser | None,
              now: datetime) -> Annotation:  # fmt: skip
    """`row` (or, for a deleted one, a new row under its old id) set back to `state`."""
    target = row or Annotation(pk=state["id"], image_id=state["image"], client_id=state["client_id"],
                               created_by_id=state["created_by"])  # fmt: skip
    target.label_id, target.kind = state["label"], state["kind"]
    for key, value in state_geometry(state).items():
        setattr(target, key, value)
    target.source, target.score, target.review = state["source"], state["score"], state["review"]
    target.model_version_id = state["model_version"]
    target.attributes = state.get("attributes") or {}
    target.version = (row.version if row else state["version"]) + 1
    target.updated_by, target.updated_at = user, now
    return target


def _event(project: Project, user: AbstractBaseUser | None, reverts: AnnotationEvent | None,
           a: Annotation, action: str, before: dict | None, after: dict | None) -> AnnotationEvent:  # fmt: skip
    return AnnotationEvent(project_id=project.pk, image_id=a.image_id, annotation_id=a.pk,
                           action=action, before=before, after=after, actor=user, reverts=reverts)  # fmt: skip


def annotations_lock_shapes(*, project: Project, ids: list[int]) -> list[Annotation]:
    """The project's polygon and mask annotations among `ids`, locked until the transaction
    ends (the workbench's shape clean-up; ones deleted meanwhile are simply missing)."""
    return list(
        Annotation.objects.select_for_update()
        .filter(pk__in=ids, image__project=project, kind__in=[Kind.POLYGON, Kind.MASK])
        .order_by("pk")
    )


def annotations_bulk_set_masks(
    *, project: Project, user: AbstractBaseUser | None, masks: dict[int, dict[str, Any]],
    annotations: list[Annotation],
) -> list[int]:  # fmt: skip
    """Give these (locked) mask annotations new masks ({size, counts}, already checked, with
    a pixel set) and their bounding boxes, a new version each; the ids of their events."""

    def redraw(a: Annotation) -> None:
        a.mask = masks[a.pk]
        a.x, a.y, a.w, a.h = rle_bbox(rle_check(masks[a.pk]))

    return _bulk_change(project, user, [a for a in annotations if a.pk in masks], redraw,
                        ["mask", *BOX_FIELDS])  # fmt: skip
