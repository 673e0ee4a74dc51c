"""Reads for images: permission-checked fetches and the keyset-paginated list."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from apps.annotations.models import Annotation, Attempt
from apps.core.exceptions import NotFound
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role

from .models import STAGE_STATUSES, Batch, Image, ImageEvent, ImageStatus, Issue, Split, Stage


def image_get_for_user(
    *, image_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR
) -> tuple[Image, Role]:
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        raise NotFound("Image not found.")
    role = require_role(project_id=image.project_id, user=user, min_role=min_role)
    return image, role


@dataclass(frozen=True)
class ImageFilters:
    status: str | None = None
    stage: str | None = None  # annotation, review (the review queue), done
    open_issues: bool | None = None  # with (or without) issues a reviewer raised, unresolved
    split: str | None = None
    label: int | None = None
    source: str | None = None
    has_annotations: bool | None = None
    review: str | None = None  # "pending": images with model predictions awaiting review
    video: str | None = None  # frames taken from this video (a video import)
    frame_from: float | None = None  # and at or after this many seconds into it
    frame_to: float | None = None  # and at or before
    excluded: bool | None = None  # set aside by curation (left out of training)
    ids: tuple[int, ...] | None = None  # only these images (a selection)
    batch: int | None = None  # only this batch's images (an assignment)
    # "id", or a score highest first, then by id: "uncertain" (active learning) or
    # "uniqueness" (the most unlike the rest, from the latest embeddings) or "mistakenness"
    # (likely label errors first, from the latest model embeddings)
    order: str = "id"


def image_queryset(*, project: Project, filters: ImageFilters) -> QuerySet[Image]:
    qs = Image.objects.filter(project=project)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.stage:
        qs = qs.filter(status__in=STAGE_STATUSES[Stage(filters.stage)])
    if filters.open_issues is not None:
        unresolved = Issue.objects.filter(image_id=OuterRef("pk"), resolved_at__isnull=True)
        qs = qs.filter(Exists(unresolved) if filters.open_issues else ~Exists(unresolved))
    if filters.split:
        qs = qs.filter(split=filters.split)
    if filters.video is not None:
        qs = qs.filter(source_video=filters.video)
    if filters.frame_from is not None:
        qs = qs.filter(frame_time__gte=filters.frame_from)
    if filters.frame_to is not None:
        qs = qs.filter(frame_time__lte=filters.frame_to)
    if filters.excluded is not None:
        qs = qs.filter(excluded=filters.excluded)
    if filters.ids is not None:
        qs = qs.filter(pk__in=filters.ids)
    if filters.batch is not None:  # its own images and its blind attempts
        attempts = Attempt.objects.filter(image_id=OuterRef("pk"), batch_id=filters.batch)
        qs = qs.filter(Q(batch_id=filters.batch) | Exists(attempts))
    annotations = Annotation.objects.filter(image_id=OuterRef("pk"))
    if filters.label is not None:
        qs = qs.filter(Exists(annotations.filter(label_id=filters.label)))
    if filters.source:
        qs = qs.filter(Exists(annotations.filter(source=filters.source)))
    if filters.review:
        qs = qs.filter(Exists(annotations.filter(source="model", review=filters.review)))
    if filters.has_annotations is not None:
        exists = Exists(annotations)
        qs = qs.filter(exists if filters.has_annotations else ~exists)
    return qs


UNSCORED = -1.0  # images without the score sort after every scored one
# order -> Image field
SCORES = {"uncertain": "uncertainty", "uniqueness": "uniqueness", "mistakenness": "mistakenness"}


def _ordered(qs: QuerySet[Image], order: str, *, reverse: bool = False) -> QuerySet[Image]:
    if order not in SCORES:
        return qs.order_by("-id" if reverse else "id")
    qs = qs.annotate(u=Coalesce(SCORES[order], Value(UNSCORED)))
    return qs.order_by("u", "-id") if reverse else qs.order_by("-u", "id")


def image_queryset_ordered(*, project: Project, filters: ImageFilters) -> QuerySet[Image]:
    """The filter's images in its order (the list's), scores highest first."""
    return _ordered(image_queryset(project=project, filters=filters), filters.order)


def _beyond(
    qs: QuerySet[Image], pivot: Image, order: str, *, before: bool = False
) -> QuerySet[Image]:
    """Rows after (or before) `pivot` in list order: a keyset condition, any depth."""
    if order not in SCORES:
        return qs.filter(id__lt=pivot.pk) if before else qs.filter(id__gt=pivot.pk)
    score = getattr(pivot, SCORES[order])
    u = score if score is not None else UNSCORED
    qs = qs.annotate(u=Coalesce(SCORES[order], Value(UNSCORED)))
    if before:
        return qs.filter(Q(u__gt=u) | Q(u=u, id__lt=pivot.pk))
    return qs.filter(Q(u__lt=u) | Q(u=u, id__gt=pivot.pk))


def image_page(
    *, project: Project, filters: ImageFilters, after: int | None, page_size: int
) -> tuple[list[Image], int | None]:
    """Keyset pagination (`after` = the last image id seen): each page is an index range
    scan, however deep it goes, in id order or most-uncertain-first."""
    qs = image_queryset(project=project, filters=filters)
    if after is not None:
        pivot = project.images.filter(pk=after).first()
        if pivot is not None:
            qs = _beyond(qs, pivot, filters.order)
    rows = list(_ordered(qs, filters.order)[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    counts = dict(
        Annotation.objects.filter(image_id__in=[r.pk for r in rows])
        .values_list("image_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        row.annotation_count = counts.get(row.pk, 0)
    return rows, (rows[-1].pk if has_more else None)


def image_split_counts(*, project: Project) -> dict[str, int]:
    """Images per split, every split named (0 where empty)."""
    counts = dict(project.images.values_list("split").annotate(n=Count("id")).order_by())
    return {split: counts.get(split, 0) for split in Split.values}


def image_neighbors(*, image: Image, filters: ImageFilters) -> dict[str, int | None]:
    """Previous/next image in list order under the same filters, and the next image (after
    this one, wrapping around) that has no annotations yet."""
    qs = image_queryset(project=image.project, filters=filters)
    order = filters.order
    previous = _ordered(_beyond(qs, image, order, before=True), order, reverse=True)
    following = _ordered(_beyond(qs, image, order), order)
    previous, following = (q.values_list("id", flat=True).first() for q in (previous, following))
    unlabelled = qs.filter(~Exists(Annotation.objects.filter(image_id=OuterRef("pk"))))
    next_unlabelled = (
        unlabelled.filter(id__gt=image.pk).order_by("id").values_list("id", flat=True).first()
        or unlabelled.filter(id__lt=image.pk).order_by("id").values_list("id", flat=True).first()
    )
    return {"previous": previous, "next": following, "next_unlabelled": next_unlabelled}


def image_videos(*, project: Project) -> list[dict[str, object]]:
    """The videos the project's frames came from: name, frames, first and last frame time."""
    rows = (
        project.images.exclude(source_video="")
        .values("source_video")
        .annotate(frames=Count("id"), start=Min("frame_time"), end=Max("frame_time"))
        .order_by("source_video")
    )
    return [{"video": r["source_video"], "frames": r["frames"], "start": r["start"],
             "end": r["end"]} for r in rows]  # fmt: skip


# ---- batches (assignments) ---------------------------------------------------------------

FINISHED = (ImageStatus.DONE, ImageStatus.REVIEWED)


def _count(qs: QuerySet) -> Coalesce:
    """How many rows of `qs` (filtered on OuterRef("pk")), as a subquery."""
    rows = qs.order_by().values("batch_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows), Value(0))


def _first(qs: QuerySet, field: str) -> Subquery:
    return Subquery(qs.order_by(field).values(field)[:1])


def _batch_counts(qs: QuerySet[Batch]) -> QuerySet[Batch]:
    """Counts that take in the batch's blind attempts (gold checks, consensus images) as
    images: done once submitted."""
    own = Image.objects.filter(batch_id=OuterRef("pk"))
    blind = Attempt.objects.filter(batch_id=OuterRef("pk"))
    open_own, open_blind = own.exclude(status__in=FINISHED), blind.filter(submitted_at__isnull=True)
    return qs.select_related("assignee", "project").annotate(
        image_count=_count(own) + _count(blind),
        done_count=_count(own.filter(status__in=FINISHED)) + _count(blind.exclude(submitted_at=None)),
        next_image=Coalesce(_first(open_own, "id"), _first(open_blind, "image_id"),
                            _first(own, "id"), _first(blind, "image_id"),
                            output_field=BigIntegerField()),
    )  # fmt: skip


def batch_list_for_user(
    *, user: AnyUser, assignee: str | None = None, project_id: int | None = None
) -> QuerySet[Batch]:
    """Batches the user may see: all of a project's for its reviewers and managers (and
    staff), only their own for annotators. `assignee`: "me", a username, or "none"."""
    qs = Batch.objects.all()
    if not user.is_staff:
        managed = Q(project__memberships__user_id=user.pk,
                    project__memberships__role__gte=Role.REVIEWER)  # fmt: skip
        qs = qs.filter(managed | Q(assignee_id=user.pk, project__memberships__user_id=user.pk))
    if project_id is not None:
        qs = qs.filter(project_id=project_id)
    if assignee == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__username=assignee)
    return _batch_counts(qs.distinct()).order_by("due", "id")


def batch_get(*, batch_id: int) -> Batch | None:
    """A batch with its counts (image_count, done_count, next_image), unchecked."""
    return _batch_counts(Batch.objects.filter(pk=batch_id)).first()


def batch_get_for_user(*, batch_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR) -> Batch:
    """A batch its project's reviewers and managers may see, and its assignee; anyone else:
    not found."""
    batch = batch_get(batch_id=batch_id)
    if batch is None:
        raise NotFound("Batch not found.")
    role = require_role(project_id=batch.project_id, user=user, min_role=Role.ANNOTATOR)
    if role < Role.REVIEWER and batch.assignee_id != user.pk:
        raise NotFound("Batch not found.")
    if role < min_role:
        require_role(project_id=batch.project_id, user=user, min_role=min_role)
    return batch


def image_issues(*, image: Image) -> QuerySet[Issue]:
    return Issue.objects.filter(image=image).select_related("created_by", "resolved_by")


def issue_get_for_user(*, issue_id: int, user: AnyUser) -> Issue:
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None:
        raise NotFound("Issue not found.")
    require_role(project_id=issue.project_id, user=user, min_role=Role.ANNOTATOR)
    return issue


def image_events(*, image: Image) -> QuerySet[ImageEvent]:
    return ImageEvent.objects.filter(image=image).select_related("actor", "annotator")


def image_mask_blind(*, images: Sequence[Image], user: AnyUser) -> Sequence[Image]:
    """The images as the user sees them: one they are labelling blind (an open attempt) reads
    as their attempt stands (in progress, or done once submitted), in the attempt's batch, and
    not as gold (a gold check is unannounced). The objects are changed in memory only."""
    if not user.is_authenticated or not images:
        return images
    attempts = Attempt.objects.filter(
        user_id=user.pk, closed_at__isnull=True, image_id__in=[i.pk for i in images]
    )
    blind = {a.image_id: a for a in attempts}
    mine = dict(
        Annotation.everyone.filter(image_id__in=blind, worker_id=user.pk)
        .values_list("image_id").annotate(n=Count("id"))
    ) if blind else {}  # fmt: skip
    for image in images:
        attempt = blind.get(image.pk)
        if attempt is not None:
            done = attempt.submitted_at is not None
            image.status = ImageStatus.DONE if done else ImageStatus.IN_PROGRESS
            image.sample_weight = min(image.sample_weight, 1.0)
            image.batch_id = attempt.batch_id
            image.mistakenness = None
            if hasattr(image, "annotation_count"):  # a list's: their own copies'
                image.annotation_count = mine.get(image.pk, 0)
    return images
