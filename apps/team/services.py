"""Writes for the team: active labelling time (reported by the labeller), and consensus
(send images to several annotators blind, merge what they labelled)."""

import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from apps.annotations.models import Attempt, Kind, Purpose
from apps.annotations.services import BOX_FIELDS, annotation_create, annotation_delete
from apps.core.exceptions import ApplicationError, Conflict
from apps.images.batches import batch_changed, project_member
from apps.images.models import Batch, Image, ImageAction, ImageEvent, ImageStatus
from apps.images.services import image_broadcast_updated
from apps.projects.models import Project

from .models import LabellingTime
from .selectors import consensus_attempts, consensus_merged, consensus_replaced, shape_wire

MAX_REPORT_SECONDS = 120  # one report covers at most this much (the labeller sends every 30 s)
DAY_SECONDS = 24 * 3600


def labelling_time_add(*, project: Project, user: AbstractBaseUser, seconds: int) -> int:
    """Add to today's active time (capped per report and per day); the day's total."""
    seconds = max(0, min(int(seconds), MAX_REPORT_SECONDS))
    row, _ = LabellingTime.objects.get_or_create(
        user=user, project=project, day=timezone.localdate()
    )
    LabellingTime.objects.filter(pk=row.pk).update(
        seconds=Least(F("seconds") + seconds, DAY_SECONDS)
    )
    row.refresh_from_db(fields=["seconds"])
    return row.seconds


# ---- consensus ---------------------------------------------------------------------------

MAX_CONSENSUS_IMAGES = 1_000


@transaction.atomic
def consensus_send(*, project: Project, user: AbstractBaseUser, image_ids: list[int],
                   annotators: list[str], due: datetime.date | None = None) -> dict[str, Any]:  # fmt: skip
    """Each of `annotators` (two or more) labels every one of these images independently:
    a batch each, of blind attempts. An image someone already labelled blind is left out of
    their batch (`skipped`)."""
    names = list(dict.fromkeys(annotators))
    if len(names) < 2:
        raise ApplicationError("annotators: name at least two people.", code="too_few_annotators")
    ids = list(dict.fromkeys(image_ids))
    if not ids or len(ids) > MAX_CONSENSUS_IMAGES:
        raise ApplicationError(f"image_ids: give 1 to {MAX_CONSENSUS_IMAGES:,} images.",
                               code="invalid")  # fmt: skip
    people = [project_member(project, name, field="annotators") for name in names]
    found = set(Image.objects.filter(project=project, pk__in=ids).values_list("id", flat=True))
    if unknown := [i for i in ids if i not in found]:
        raise ApplicationError(
            "image_ids: not images of this project: " + ", ".join(map(str, unknown[:10])) + ".",
            code="unknown_images",
        )
    batches, skipped = [], 0
    number = Batch.objects.filter(project=project).count()
    for person in people:
        tried = set(Attempt.objects.filter(user=person, image_id__in=ids)
                    .values_list("image_id", flat=True))  # fmt: skip
        todo = [i for i in ids if i not in tried]
        skipped += len(ids) - len(todo)
        if not todo:
            continue
        number += 1
        batch = Batch.objects.create(project=project, name=f"Consensus {number}",
                                     assignee=person, due=due, created_by=user)  # fmt: skip
        Attempt.objects.bulk_create(
            Attempt(image_id=i, user=person, purpose=Purpose.CONSENSUS, batch=batch,
                    created_by=user) for i in todo
        )  # fmt: skip
        batch_changed(batch, assigned=True)
        batches.append(batch)
    return {"batches": [b.pk for b in batches], "skipped": skipped}


@transaction.atomic
def consensus_merge(*, image: Image, user: AbstractBaseUser, quorum: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A reviewer confirms the merge of the submitted independent labellings: the image's
    labels become the merge (tags, boxes, and polygons or masks voted pixel by pixel; the
    ones it had are deleted, each as a history event, so the
    step can be undone from the history), its consensus ends and the image is done."""
    image = Image.objects.select_for_update().get(pk=image.pk)
    attempts = consensus_attempts(image=image)
    submitted = [a for a in attempts if a.submitted_at is not None]
    if len(submitted) < 2:
        raise Conflict(f"{len(submitted)} of {len(attempts)} annotators have submitted: a "
                       "consensus needs two.", code="not_enough_attempts")  # fmt: skip
    if quorum is not None and not 1 <= quorum <= len(submitted):
        raise ApplicationError(f"quorum: 1 to {len(submitted)}.", code="invalid_quorum")
    merged, _ = consensus_merged(image=image, attempts=attempts, quorum=quorum)
    labels = dict(image.project.labels.values_list("name", "id"))
    removed = 0
    for old in consensus_replaced(image=image).order_by("id"):
        annotation_delete(annotation_id=old.pk, user=user, version=old.version)
        removed += 1
    for name in merged.tags:
        annotation_create(image=image, user=user, kind=Kind.TAG, label_id=labels[name])
    for fused in merged.boxes:
        box = dict(zip(BOX_FIELDS, fused.box, strict=True))
        annotation_create(image=image, user=user, kind=Kind.BOX, label_id=labels[fused.label],
                          box=box)  # fmt: skip
    for shape in merged.shapes:
        wire = shape_wire(shape.shape)
        annotation_create(image=image, user=user, kind=wire["kind"], label_id=labels[shape.label],
                          polygon=wire["polygon"], mask=wire["mask"])  # fmt: skip
    now = timezone.now()
    for attempt in attempts:
        attempt.closed_at = now
        if attempt.submitted_at is None:
            attempt.batch = None  # not done, and no longer asked for
    Attempt.objects.bulk_update(attempts, ["closed_at", "batch"])
    before = image.status
    image.status = ImageStatus.REVIEWED
    image.save(update_fields=["status", "updated_at"])
    ImageEvent.objects.create(project_id=image.project_id, image=image,
                              action=ImageAction.MERGED, status_before=before,
                              status_after=image.status, actor=user)  # fmt: skip
    image_broadcast_updated(image=image)
    for batch_id in {a.batch_id for a in submitted if a.batch_id}:
        batch_changed(Batch.objects.get(pk=batch_id), assigned=False)
    return {"image": image.pk, "removed": removed, "tags": len(merged.tags),
            "boxes": len(merged.boxes), "shapes": len(merged.shapes), "annotators": [a.user.get_username() for a in submitted],
            "agreement": round(merged.agreement, 4)}  # fmt: skip
