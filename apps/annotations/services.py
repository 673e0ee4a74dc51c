"""Writes for annotations. Every write checks the version it was based on, appends a history
event with the state before and after, and broadcasts after commit. A blind attempt's private
copies (Annotation.worker) are versioned the same way, but their events go to their owner
only and stay out of the image's history, which every member reads."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Conflict
from apps.images.archives import Layout
from apps.images.models import Image
from apps.images.services import UploadResult, image_mark_in_progress, image_upload
from apps.projects.models import Label, Project
from ml.geometry import Polygon, polygon_bbox, rings_of, rle_area, rle_bbox, rle_check

from .models import Annotation, AnnotationEvent, EventAction, Kind, Review, Source
from .selectors import annotation_get_by_client_id
from .serializers import annotation_state, annotation_states, state_geometry

User = get_user_model()
BOX_FIELDS = ("x", "y", "w", "h")


def _label_for(image: Image, label_id: int) -> Label:
    label = Label.objects.filter(pk=label_id, project_id=image.project_id).first()
    if label is None:
        raise ApplicationError(
            f"Label {label_id} does not exist in this project.", code="unknown_label"
        )
    return label


def _check_box(image: Image, box: dict[str, float]) -> dict[str, float]:
    x, y, w, h = (float(box[k]) for k in BOX_FIELDS)
    if w <= 0 or h <= 0:
        raise ApplicationError("A box needs a positive width and height.", code="invalid_box")
    tolerance = 0.5  # sub-pixel rounding from the browser
    if x < 0 or y < 0 or x + w > image.width + tolerance or y + h > image.height + tolerance:
        raise ApplicationError(
            f"Box {x:g},{y:g} {w:g}x{h:g} lies outside the {image.width}x{image.height} image.",
            code="invalid_box",
        )
    return {"x": x, "y": y, "w": min(w, image.width - x), "h": min(h, image.height - y)}


def _check_polygon(image: Image, value: Any) -> dict[str, Any]:
    """The geometry columns of a polygon inside the image (400 invalid_polygon otherwise)."""
    try:
        rings: Polygon = rings_of(value)
    except ValueError as exc:
        raise ApplicationError(f"polygon: {exc}.", code="invalid_polygon") from exc
    tolerance = 0.5
    for ring in rings:
        for x, y in ring:
            if not (
                -tolerance <= x <= image.width + tolerance
                and -tolerance <= y <= image.height + tolerance
            ):
                raise ApplicationError(
                    f"polygon: the point {x:g},{y:g} lies outside the {image.width}x{image.height} image.",
                    code="invalid_polygon",
                )  # fmt: skip
    rings = [[(min(max(x, 0.0), image.width), min(max(y, 0.0), image.height)) for x, y in r]
             for r in rings]  # fmt: skip
    x, y, w, h = polygon_bbox(rings)
    return {"polygon": [[list(p) for p in r] for r in rings], "x": x, "y": y, "w": w, "h": h}


def _check_mask(image: Image, value: Any) -> dict[str, Any]:
    """The geometry columns of a mask of the image's size with at least one pixel set."""
    try:
        rle = rle_check(value)
    except ValueError as exc:
        raise ApplicationError(f"mask: {exc}.", code="invalid_mask") from exc
    if (rle.height, rle.width) != (image.height, image.width):
        raise ApplicationError(
            f"mask: its size is {rle.height}x{rle.width} (height x width); the image is "
            f"{image.height}x{image.width}.", code="invalid_mask",
        )  # fmt: skip
    if rle_area(rle) == 0:
        raise ApplicationError("mask: no pixel is set.", code="invalid_mask")
    x, y, w, h = rle_bbox(rle)
    return {"mask": rle.json(), "x": x, "y": y, "w": w, "h": h}


SHAPE_FIELDS = {Kind.BOX: "box", Kind.POLYGON: "polygon", Kind.MASK: "mask"}
SHAPE_CHECKS = {"box": _check_box, "polygon": _check_polygon, "mask": _check_mask}


def _geometry(image: Image, kind: str, shapes: dict[str, Any]) -> dict[str, Any]:
    """The geometry columns for a new annotation of `kind` from the body's box, polygon or
    mask: exactly the one its kind takes (a tag takes none)."""
    given = {name for name, value in shapes.items() if value not in (None, {}, [])}
    wanted = SHAPE_FIELDS.get(Kind(kind))
    if given - {wanted}:
        other = sorted(given - {wanted})[0]
        raise ApplicationError(f"A {kind} annotation has no {other}.", code=f"invalid_{other}")
    fields: dict[str, Any] = dict.fromkeys(("x", "y", "w", "h", "polygon", "mask"))
    if wanted is None:
        return fields
    if wanted not in given:
        shape = {"box": "`box` {x, y, w, h}", "polygon": "`polygon` [[x, y], ...]",
                 "mask": "`mask` {size, counts}"}[wanted]  # fmt: skip
        raise ApplicationError(f"A {kind} annotation needs {shape}.", code=f"invalid_{wanted}")
    fields.update(SHAPE_CHECKS[wanted](image, shapes[wanted]))
    return fields


def _record(
    *,
    action: str,
    annotation: Annotation,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: AbstractBaseUser | None,
    reverts: AnnotationEvent | None = None,
) -> AnnotationEvent | None:
    payload = after if after is not None else {"id": annotation.pk, "image": annotation.image_id}
    message = {**payload, "actor": getattr(user, "username", None)}
    group = project_group(annotation.image.project_id)
    if annotation.worker_id is not None:  # a private copy: its owner's eyes only
        broadcast_on_commit(group, f"annotation.{action}", message, user_id=annotation.worker_id)
        return None
    event = AnnotationEvent.objects.create(
        project_id=annotation.image.project_id,
        image_id=annotation.image_id,
        annotation_id=annotation.pk,
        action=action,
        before=before,
        after=after,
        actor=user,
        reverts=reverts,
    )
    broadcast_on_commit(group, f"annotation.{action}", message)
    return event


def _duplicate_tag(image: Image, label: Label, worker_id: int | None = None) -> Conflict:
    existing = Annotation.everyone.filter(
        image=image, label=label, kind=Kind.TAG, source=Source.HUMAN, worker_id=worker_id
    ).first()
    return Conflict(
        f"The image already has the tag '{label.name}'.",
        code="duplicate_tag",
        extra={"current": annotation_state(existing) if existing else None},
    )


@transaction.atomic
def annotation_create(
    *,
    image: Image,
    user: AbstractBaseUser | None,
    kind: str,
    label_id: int,
    box: dict[str, float] | None = None,
    polygon: Any = None,
    mask: Any = None,
    source: str = Source.HUMAN,
    score: float | None = None,
    imported: bool = False,
    client_id: uuid.UUID | None = None,
    review: str | None = None,
    attributes: dict[str, Any] | None = None,
    worker: AbstractBaseUser | None = None,
) -> Annotation:
    """`imported`: made by an upload or a dataset import, so the image stays `new`; `review`
    (default: pending for a model's, none otherwise) and `attributes` come from imports.
    A create replayed with a `client_id` this image already has (a retry after a lost
    response) returns the annotation made the first time and writes nothing. `worker`: a
    private copy of that person's blind attempt (the image itself is left as it is)."""
    if client_id is not None:
        existing = annotation_get_by_client_id(image=image, client_id=client_id, worker=worker)
        if existing is not None:
            return existing
    label = _label_for(image, label_id)
    geometry = _geometry(image, kind, {"box": box, "polygon": polygon, "mask": mask})
    try:
        with transaction.atomic():
            annotation = Annotation.objects.create(
                image=image,
                label=label,
                kind=kind,
                source=source,
                score=score,
                review=review or (Review.PENDING if source == Source.MODEL else Review.NONE),
                attributes=attributes or {},
                client_id=client_id,
                created_by=user,
                updated_by=user,
                worker=worker,
                **geometry,
            )
    except IntegrityError as exc:
        replayed = client_id and annotation_get_by_client_id(
            image=image, client_id=client_id, worker=worker
        )
        if replayed:  # the same create raced itself
            return replayed
        raise _duplicate_tag(image, label, worker.pk if worker else None) from exc
    _record(
        action=EventAction.CREATED,
        annotation=annotation,
        before=None,
        after=annotation_state(annotation),
        user=user,
    )
    if source == Source.HUMAN and not imported and worker is None:
        image_mark_in_progress(image=image)
    return annotation


def annotations_import(
    *,
    project: Project,
    user: AbstractBaseUser | None,
    batch: list[tuple[Image, list[dict[str, Any]]]],
) -> int:
    """A dataset import's annotations for many images, in bulk: each (image, rows), each row
    {kind, label_id, box, source, score, review, attributes}, boxes checked as
    annotation_create checks them, one history event each. No event per annotation: the
    import job announces its end (a 10,000-image archive would otherwise send one message per
    box). The images stay as they were (imported work is not "in progress"). The caller holds
    the transaction."""
    labels = {label.pk: label for label in project.labels.all()}
    made = []
    for image, rows in batch:
        for row in rows:
            label = labels.get(row["label_id"])
            if label is None or image.project_id != project.pk:
                raise ApplicationError(
                    "That label is not in this image's project.", code="invalid_label"
                )
            geometry = _geometry(
                image, row["kind"], {k: row.get(k) for k in ("box", "polygon", "mask")}
            )
            source = row.get("source", Source.HUMAN)
            made.append(Annotation(
                image=image, label=label, kind=row["kind"], source=source, score=row.get("score"),
                review=row.get("review") or (Review.PENDING if source == Source.MODEL else Review.NONE),
                attributes=row.get("attributes") or {}, created_by=user, updated_by=user, **geometry,
            ))  # fmt: skip
    Annotation.objects.bulk_create(made)
    AnnotationEvent.objects.bulk_create(
        AnnotationEvent(project_id=project.pk, image_id=a.image_id, annotation_id=a.pk,
                        action=EventAction.CREATED, after=state, actor=user)
        for a, state in zip(made, annotation_states(made), strict=True)
    )  # fmt: skip
    return len(made)


def annotation_import_tag(
    *, image: Image, label: Label, user: AbstractBaseUser | None
) -> Annotation:
    return annotation_create(
        image=image, user=user, kind=Kind.TAG, label_id=label.pk, imported=True
    )


def image_tags_import(image: Image, labels: list[Label], user: AbstractBaseUser | None) -> None:
    for label in labels:
        annotation_import_tag(image=image, label=label, user=user)


def upload_with_tags(
    *, project: Project, user: AbstractBaseUser, files: Iterable[UploadedFile],
    label: Label | None = None, layout: Layout = "auto",
) -> UploadResult:  # fmt: skip
    """An upload (apps.images) whose images get their tags, the chosen label and the class of
    their archive folder, as imported annotations, each in its image's transaction."""
    return image_upload(project=project, user=user, files=files, label=label, layout=layout,
                        write_tags=image_tags_import)  # fmt: skip


def _lock(annotation_id: int) -> Annotation:
    annotation = (
        Annotation.everyone.select_for_update()
        .select_related("image")
        .filter(pk=annotation_id)
        .first()
    )
    if annotation is None:
        raise Conflict(
            "The annotation was deleted meanwhile.", code="deleted", extra={"current": None}
        )
    return annotation


def _check_version(annotation: Annotation, version: int) -> None:
    if annotation.version != version:
        raise Conflict(
            f"The annotation changed meanwhile (you had version {version}, the server has "
            f"{annotation.version}).",
            code="stale_version",
            extra={"current": annotation_state(annotation)},
        )


@transaction.atomic
def annotation_update(
    *, annotation_id: int, user: AbstractBaseUser | None, version: int, data: dict[str, Any]
) -> Annotation:
    annotation = _lock(annotation_id)
    _check_version(annotation, version)
    before = annotation_state(annotation)
    if "label" in data:
        annotation.label = _label_for(annotation.image, data["label"])
    for name in ("box", "polygon", "mask"):
        if name not in data:
            continue
        if SHAPE_FIELDS.get(Kind(annotation.kind)) != name:
            raise ApplicationError(f"A {annotation.kind} annotation has no {name}.",
                                   code=f"invalid_{name}")  # fmt: skip
        for key, value in SHAPE_CHECKS[name](annotation.image, data[name]).items():
            setattr(annotation, key, value)
    if "review" in data:
        annotation.review = data["review"]
    if annotation.source == Source.MODEL and data.keys() & {"label", "box", "polygon", "mask"}:
        # a person fixed a prediction: it is theirs now (model_version stays, for the stats)
        annotation.source, annotation.review = Source.HUMAN, Review.ACCEPTED
    annotation.version += 1
    annotation.updated_by = user
    try:
        with transaction.atomic():
            annotation.save()
    except IntegrityError as exc:
        raise _duplicate_tag(annotation.image, annotation.label, annotation.worker_id) from exc
    _record(
        action=EventAction.UPDATED,
        annotation=annotation,
        before=before,
        after=annotation_state(annotation),
        user=user,
    )
    return annotation


@transaction.atomic
def annotation_delete(*, annotation_id: int, user: AbstractBaseUser | None, version: int) -> None:
    annotation = _lock(annotation_id)
    _check_version(annotation, version)
    before = annotation_state(annotation)
    pk = annotation.pk
    annotation.delete()
    annotation.pk = pk
    _record(action=EventAction.DELETED, annotation=annotation, before=before, after=None, user=user)


def _shared(event: AnnotationEvent | None) -> AnnotationEvent:
    assert event is not None, "history events are of shared labels only"
    return event


@transaction.atomic
def annotation_event_revert(
    *, event: AnnotationEvent, user: AbstractBaseUser | None
) -> AnnotationEvent:
    """Undo one history event, if the annotation is still as that event left it."""
    current = (
        Annotation.objects.select_for_update()
        .select_related("image")
        .filter(pk=event.annotation_id)
        .first()
    )
    current_version = current.version if current else None
    expected_version = event.after["version"] if event.after else None
    if current_version != expected_version:
        raise Conflict(
            "The annotation changed after this event; revert the later changes first.",
            code="stale_version",
            extra={"current": annotation_state(current) if current else None},
        )
    before_state = annotation_state(current) if current else None
    if event.action == EventAction.CREATED:
        assert current is not None
        current.delete()
        current.pk = event.annotation_id
        return _shared(_record(
            action=EventAction.DELETED, annotation=current, before=before_state, after=None,
            user=user, reverts=event,
        ))  # fmt: skip
    target = event.before
    assert target is not None
    if current is None:  # undo a delete: bring the row back under its old id
        current = Annotation(pk=event.annotation_id, image_id=target["image"])
        current.created_by = User.objects.filter(pk=target["created_by"]).first()
        action = EventAction.CREATED
    else:
        action = EventAction.UPDATED
    current.label = _label_for(Image.objects.get(pk=target["image"]), target["label"])
    current.kind = target["kind"]
    for key, value in state_geometry(target).items():
        setattr(current, key, value)
    current.source = target["source"]
    current.score = target["score"]
    current.review = target["review"]
    current.attributes = target.get("attributes") or {}
    current.version = (current_version or target["version"]) + 1
    current.updated_by = user
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:
        raise _duplicate_tag(current.image, current.label) from exc
    current.refresh_from_db()
    return _shared(_record(
        action=action, annotation=current, before=before_state,
        after=annotation_state(current), user=user, reverts=event,
    ))  # fmt: skip


REVIEW_ACTIONS = {"accept": Review.ACCEPTED, "reject": Review.REJECTED}


def annotation_review(
    *, annotation_id: int, user: AbstractBaseUser | None, version: int, action: str
) -> Annotation:
    """Accept or reject a model prediction (fixing one is an ordinary update)."""
    annotation = Annotation.objects.filter(pk=annotation_id).only("source").first()
    if annotation is not None and annotation.source != Source.MODEL:
        raise ApplicationError("Only model predictions are reviewed.", code="not_a_prediction")
    return annotation_update(annotation_id=annotation_id, user=user, version=version,
                             data={"review": REVIEW_ACTIONS[action]})  # fmt: skip


@transaction.atomic
def image_review_pending(
    *, image: Image, user: AbstractBaseUser | None, action: str, min_score: float = 0.0
) -> list[Annotation]:
    """Accept (or reject) every pending prediction on the image scoring at least min_score."""
    pending = (
        Annotation.objects.select_for_update()
        .select_related("image")
        .filter(image=image, source=Source.MODEL, review=Review.PENDING, score__gte=min_score)
    )
    changed = []
    for annotation in pending:
        before = annotation_state(annotation)
        annotation.review, annotation.updated_by = REVIEW_ACTIONS[action], user
        annotation.version += 1
        annotation.save(update_fields=["review", "updated_by", "version", "updated_at"])
        _record(action=EventAction.UPDATED, annotation=annotation, before=before,
                after=annotation_state(annotation), user=user)  # fmt: skip
        changed.append(annotation)
    return changed


@transaction.atomic
def predictions_revert(*, model_version_id: int, user: AbstractBaseUser | None) -> int:
    """Remove every still-pending prediction of a model version (reviewed ones stay). Each
    removal is a history event, so it can be undone."""
    pending = (
        Annotation.objects.select_for_update()
        .select_related("image")
        .filter(model_version_id=model_version_id, source=Source.MODEL, review=Review.PENDING)
    )
    removed = 0
    for annotation in pending:
        before, pk = annotation_state(annotation), annotation.pk
        annotation.delete()
        annotation.pk = pk
        _record(action=EventAction.DELETED, annotation=annotation, before=before, after=None,
                user=user)  # fmt: skip
        removed += 1
    return removed


@dataclass(frozen=True)
class Prediction:
    """One annotation a model proposes: a tag (no box) or a box (x, y, w, h in pixels)."""

    image_id: int
    label_id: int
    score: float
    box: tuple[float, float, float, float] | None = None
    # a polygon's rings (image pixels, outline first); `box` is then its bounding box
    polygon: list[list[tuple[float, float]]] | None = None


def _event(annotation: Annotation, project_id: int, action: str, before: Any,
           after: Any) -> AnnotationEvent:  # fmt: skip
    return AnnotationEvent(project_id=project_id, image_id=annotation.image_id,
                           annotation_id=annotation.pk, action=action, before=before, after=after)  # fmt: skip


def _predicted(p: Prediction, model_version_id: int) -> Annotation:
    box = dict(zip(BOX_FIELDS, p.box, strict=True)) if p.box else {}
    kind = Kind.BOX if p.box else Kind.TAG
    if p.polygon:
        kind, box["polygon"] = Kind.POLYGON, [[list(pt) for pt in ring] for ring in p.polygon]
    return Annotation(image_id=p.image_id, label_id=p.label_id, kind=kind, source=Source.MODEL,
                      model_version_id=model_version_id, score=round(p.score, 6),
                      review=Review.PENDING, **box)  # fmt: skip


@transaction.atomic
def predictions_replace(
    *, project_id: int, model_version_id: int, image_ids: list[int], predictions: list[Prediction]
) -> int:
    """Replace a version's pending predictions on these images with `predictions`, in one
    transaction and in bulk, with a history event (no actor: the model) for every removal and
    creation. What people accepted, rejected or corrected is not touched. Returns how many
    pending predictions were replaced."""
    old = list(Annotation.objects.select_for_update().filter(
        image_id__in=image_ids, model_version_id=model_version_id, source=Source.MODEL,
        review=Review.PENDING,
    ))  # fmt: skip
    events = [_event(a, project_id, EventAction.DELETED, annotation_state(a), None) for a in old]
    Annotation.objects.filter(pk__in=[a.pk for a in old]).delete()
    created = Annotation.objects.bulk_create([_predicted(p, model_version_id) for p in predictions])
    events += [
        _event(a, project_id, EventAction.CREATED, None, annotation_state(a)) for a in created
    ]
    AnnotationEvent.objects.bulk_create(events)
    broadcast_on_commit(project_group(project_id), "predictions.updated",
                        {"image_ids": image_ids, "model_version": model_version_id})  # fmt: skip
    return len(old)
