"""Assignments: a manager hands sets of a project's images (batches) to annotators.

An image is in at most one batch. Creating a batch from images already in another one is
refused (409 already_batched) unless `move` says so; splitting a filter's images among
annotators takes only images in no batch yet. Moving, reassigning, unassigning or deleting
a batch never touches an image's labels or status: only which batch it is in and who is
asked to label it.

Gold checks: a batch may take `gold` images besides its own, drawn at random from the
project's gold images (sample weight above 1, with labels a person made) that its assignee
has not labelled or tried before. They come as blind attempts (apps.annotations.Attempt):
the assignee labels them like any other image of the batch, on private copies, and their
labels are scored against the gold ones (apps.team). Each change is broadcast (`batch.changed`, `batch.deleted`) and an
assignment is a webhook event (`batch.assigned`).
"""

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.annotations.models import Annotation, Attempt, Purpose, Source
from apps.core.broadcast import broadcast_on_commit, project_group
from apps.core.exceptions import ApplicationError, Conflict
from apps.core.jobs import enqueue_on_commit
from apps.projects.models import Project
from apps.projects.notifications import notify
from apps.webhooks.services import webhook_emit

from .models import Batch, Image
from .selectors import ImageFilters, batch_get, image_queryset_ordered
from .serializers import batch_payload

MAX_IMAGES = 10_000  # per request: a batch is a day's work, not a dataset
MAX_GOLD = 50  # gold checks per batch


def project_member(project: Project, username: str | None, *,
                   field: str = "assignee") -> AbstractBaseUser | None:  # fmt: skip
    """The member of that name (None for none); 400 not_a_member naming `field` otherwise."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, memberships__project=project).first()
    if user is None:
        raise ApplicationError(
            f"{field}: {username!r} is not a member of this project.", code="not_a_member"
        )
    return user


def batch_changed(batch: Batch, *, assigned: bool) -> None:
    """Broadcast the batch as it is now (counts included), and emit the assignment."""
    payload = batch_payload(batch_get(batch_id=batch.pk) or batch)
    broadcast_on_commit(project_group(batch.project_id), "batch.changed", payload)
    if assigned:
        _schedule_due(batch)
    if assigned and batch.assignee_id is not None:
        webhook_emit(project_id=batch.project_id, event="batch.assigned", data=payload)
        notify(
            user_id=batch.assignee_id, project_id=batch.project_id, kind="batch.assigned",
            key=f"{batch.pk}:{batch.assignee_id}", url="/#my-work",
            text=f"{batch.project.name}: {batch.name} ({payload['images']} images) is yours"
            + (f", due {batch.due:%d %b}" if batch.due else ""),
        )  # fmt: skip


DUE_JOB = "apps.images.jobs.batch_due_check"


def _schedule_due(batch: Batch) -> None:
    """On the morning of the due day (server time), remind the assignee if work is left."""
    if batch.due is None or batch.assignee_id is None:
        return
    at = timezone.make_aware(datetime.datetime.combine(batch.due, datetime.time.min))
    enqueue_on_commit("default", DUE_JOB, at=max(at, timezone.now()),
                      batch_id=batch.pk, due=batch.due.isoformat())  # fmt: skip


def batch_due_notify(*, batch_id: int, due: str) -> bool:
    """The due-day reminder (`batch.due` webhook and inbox), once per batch and date; nothing
    if the batch went, its date moved, or every image in it is done. True if sent."""
    batch = batch_get(batch_id=batch_id)
    if batch is None or batch.due is None or batch.due.isoformat() != due:
        return False
    if batch.assignee_id is None or batch.done_count >= batch.image_count:
        return False
    payload = batch_payload(batch)
    sent = notify(
        user_id=batch.assignee_id, project_id=batch.project_id, kind="batch.due",
        key=f"{batch.pk}:{due}:{batch.assignee_id}", url="/#my-work",
        text=f"{batch.project.name}: {batch.name} is due today "
        f"({batch.image_count - batch.done_count} of {batch.image_count} images left)",
    )  # fmt: skip
    if sent:
        webhook_emit(project_id=batch.project_id, event="batch.due", data=payload)
    return sent


def _mix_gold(batch: Batch, count: int) -> int:
    """Up to `count` gold images as blind attempts of the batch's assignee; how many."""
    if count <= 0 or batch.assignee_id is None:
        return 0
    person = batch.assignee_id
    reference = Annotation.objects.filter(image_id=OuterRef("pk"), source=Source.HUMAN)
    pool = (
        Image.objects.filter(project_id=batch.project_id, sample_weight__gt=1, excluded=False)
        .filter(Exists(reference))
        .exclude(Exists(reference.filter(created_by_id=person)))  # not scored against oneself
        .exclude(Exists(Attempt.objects.filter(image_id=OuterRef("pk"), user_id=person)))
        .exclude(batch__assignee_id=person)
    )
    ids = list(pool.order_by("?").values_list("id", flat=True)[: min(count, MAX_GOLD)])
    Attempt.objects.bulk_create(
        Attempt(image_id=pk, user_id=person, purpose=Purpose.GOLD, batch=batch,
                created_by_id=batch.created_by_id)
        for pk in ids
    )  # fmt: skip
    return len(ids)


def _next_name(project: Project) -> str:
    return f"Batch {project.batches.count() + 1}"


@transaction.atomic
def batch_create(*, project: Project, user: AbstractBaseUser, image_ids: list[int],
                 assignee: str | None, name: str = "", due: datetime.date | None = None,
                 move: bool = False, gold: int = 0) -> Batch:  # fmt: skip
    ids = list(dict.fromkeys(image_ids))
    if not ids:
        raise ApplicationError("image_ids: give at least one image.", code="invalid")
    if len(ids) > MAX_IMAGES:
        raise ApplicationError(f"image_ids: at most {MAX_IMAGES:,} per batch.", code="invalid")
    person = project_member(project, assignee)
    images = Image.objects.select_for_update().filter(project=project, pk__in=ids)
    found = dict(images.values_list("id", "batch_id"))
    unknown = [i for i in ids if i not in found]
    if unknown:
        shown = ", ".join(map(str, unknown[:10]))
        raise ApplicationError(f"image_ids: not images of this project: {shown}.",
                               code="unknown_images")  # fmt: skip
    taken = [i for i in ids if found[i] is not None]
    if taken and not move:
        raise Conflict(f"{len(taken)} of these images are in another batch already; send "
                       "move: true to move them here (their labels stay).",
                       code="already_batched")  # fmt: skip
    batch = Batch.objects.create(project=project, name=name or _next_name(project),
                                 assignee=person, due=due, created_by=user)  # fmt: skip
    previous = set(found.values()) - {None}
    Image.objects.filter(pk__in=ids).update(batch=batch)
    _mix_gold(batch, gold)
    for old in Batch.objects.filter(pk__in=previous):
        batch_changed(old, assigned=False)
    batch_changed(batch, assigned=True)
    return batch


@transaction.atomic
def batch_split(*, project: Project, user: AbstractBaseUser, filters: ImageFilters,
                assignees: list[str | None], size: int | None = None,
                due: datetime.date | None = None, limit: int = MAX_IMAGES,
                gold: int = 0) -> list[Batch]:  # fmt: skip
    """The images matching `filters` that are in no batch yet (in the filter's order, e.g.
    uniqueness for the most unique first; at most `limit`), split among `assignees`: in
    batches of `size` dealt round-robin, or without a size into one even batch each; each
    batch with up to `gold` gold checks."""
    if not assignees:
        raise ApplicationError("assignees: name at least one annotator.", code="invalid")
    people = [project_member(project, a) for a in assignees]
    free = image_queryset_ordered(project=project, filters=filters).filter(batch__isnull=True)
    if gold:  # gold images come as checks, not as work
        free = free.filter(sample_weight__lte=1)
    ids = list(free.values_list("id", flat=True)[: min(limit, MAX_IMAGES)])
    if not ids:
        raise ApplicationError("No image matching the filter is left unassigned.",
                               code="nothing_to_assign")  # fmt: skip
    if size is None:
        per = -(-len(ids) // len(people))
        chunks = [ids[i : i + per] for i in range(0, len(ids), per)]
    else:
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    batches = []
    for k, chunk in enumerate(chunks):
        batch = Batch.objects.create(project=project, name=_next_name(project),
                                     assignee=people[k % len(people)], due=due,
                                     created_by=user)  # fmt: skip
        moved = Image.objects.filter(pk__in=chunk, batch__isnull=True).update(batch=batch)
        if moved != len(chunk):  # another manager assigned some meanwhile
            raise Conflict("Some of these images were assigned meanwhile: try again.",
                           code="already_batched")  # fmt: skip
        _mix_gold(batch, gold)
        batches.append(batch)
    for batch in batches:
        batch_changed(batch, assigned=True)
    return batches


@transaction.atomic
def batch_update(*, batch: Batch, data: dict[str, Any]) -> Batch:
    """Rename, set the due date, reassign (a member's username) or unassign (null)."""
    fields = []
    reassigned = False
    if "assignee" in data:
        person = project_member(batch.project, data["assignee"])
        reassigned = (person.pk if person else None) != batch.assignee_id
        batch.assignee = person
        fields.append("assignee")
    for name in ("name", "due"):
        if name in data:
            setattr(batch, name, data[name])
            fields.append(name)
    if fields:
        batch.save(update_fields=[*fields, "updated_at"])
        if reassigned:
            _hand_over_attempts(batch)
        batch_changed(batch, assigned=reassigned)
        if "due" in fields and not reassigned:
            _schedule_due(batch)
    return batch


def _close_unsubmitted(batch: Batch) -> list[Attempt]:
    """The batch's blind attempts nobody submitted yet end (their private copies stay)."""
    left = list(batch.attempts.filter(submitted_at__isnull=True, closed_at__isnull=True))
    Attempt.objects.filter(pk__in=[a.pk for a in left]).update(batch=None, closed_at=timezone.now())
    return left


def _hand_over_attempts(batch: Batch) -> None:
    """A reassigned batch's unsubmitted attempts go to its new assignee: as many fresh gold
    checks, and the same consensus images (unless they have tried those already)."""
    left = _close_unsubmitted(batch)
    _mix_gold(batch, sum(a.purpose == Purpose.GOLD for a in left))
    if batch.assignee_id is None:
        return
    tried = set(
        Attempt.objects.filter(user_id=batch.assignee_id).values_list("image_id", flat=True)
    )
    Attempt.objects.bulk_create(
        Attempt(image_id=a.image_id, user_id=batch.assignee_id, purpose=a.purpose, batch=batch,
                created_by_id=a.created_by_id)
        for a in left if a.purpose == Purpose.CONSENSUS and a.image_id not in tried
    )  # fmt: skip


@transaction.atomic
def batch_delete(*, batch: Batch) -> None:
    """The batch goes; its images stay as they are, in no batch; its unsubmitted blind
    attempts end."""
    project_id, pk = batch.project_id, batch.pk
    _close_unsubmitted(batch)
    Image.objects.filter(batch=batch).update(batch=None)
    batch.delete()
    broadcast_on_commit(project_group(project_id), "batch.deleted", {"id": pk})
