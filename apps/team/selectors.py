"""Reads for team statistics: per member (and per member and day) over a window of days,
what they sent to review, the boxes and tags they made, how their work fared in review,
what they reviewed, their active labelling time and their agreement with gold labels; and
the consensus images, each annotator's labels and their merge (ml.agreement): tags, boxes,
and polygons and masks (compared and merged as pixels)."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.annotations.models import (
    USABLE,
    Annotation,
    AnnotationEvent,
    Attempt,
    EventAction,
    Kind,
    Purpose,
    Source,
)
from apps.images.models import Image, ImageAction, ImageEvent, ImageStatus
from apps.projects.models import Membership, Project
from ml.agreement import Counts, Labels, Merged, Score, Shape, gold_score, merge
from ml.geometry import Rle, rings_of

from .models import LabellingTime

COUNTS = ("images_done", "boxes", "tags", "shapes", "accepted", "rejected", "reviewed",
          "active_seconds")  # fmt: skip
SHAPES = (Kind.POLYGON, Kind.MASK)


def _window(project: Project, since: datetime.date) -> dict[str, QuerySet]:
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    events = ImageEvent.objects.filter(project=project, created_at__gte=start)
    return {
        "images_done": events.filter(action=ImageAction.STATUS, status_after=ImageStatus.DONE),
        "made": AnnotationEvent.objects.filter(
            project=project, created_at__gte=start, action=EventAction.CREATED, actor__isnull=False
        ),
        "judged": events.filter(action__in=[ImageAction.ACCEPTED, ImageAction.REJECTED]),
        "time": LabellingTime.objects.filter(project=project, day__gte=since),
        # blind work (gold checks, consensus) leaves no history: its attempts and copies count
        "submitted": Attempt.objects.filter(image__project=project, submitted_at__gte=start),
        "private": Annotation.everyone.filter(
            image__project=project, worker__isnull=False, created_at__gte=start
        ),
    }


def _rows(project: Project, since: datetime.date, *, by_day: bool) -> dict[tuple, dict[str, Any]]:
    q = _window(project, since)
    out: dict[tuple, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    day = {"day": TruncDate("created_at")} if by_day else {}

    def key(row: dict[str, Any], who: str) -> tuple:
        return (row[who], row["day"]) if by_day else (row[who],)

    for row in (
        q["images_done"]
        .values("actor__username", **day)
        .annotate(n=Count("image_id", distinct=True))
    ):
        out[key(row, "actor__username")]["images_done"] = row["n"]
    for row in (
        q["made"]
        .values("actor__username", **day)
        .annotate(
            boxes=Count("id", filter=Q(after__kind=Kind.BOX)),
            tags=Count("id", filter=Q(after__kind=Kind.TAG)),
            shapes=Count("id", filter=Q(after__kind__in=SHAPES)),
        )
    ):
        entry = out[key(row, "actor__username")]
        entry["boxes"], entry["tags"], entry["shapes"] = row["boxes"], row["tags"], row["shapes"]
    on = {"day": TruncDate("submitted_at")} if by_day else {}
    for row in q["submitted"].values("user__username", **on).annotate(n=Count("id")):
        out[key(row, "user__username")]["images_done"] += row["n"]
    for row in (
        q["private"]
        .values("worker__username", **day)
        .annotate(
            boxes=Count("id", filter=Q(kind=Kind.BOX)),
            tags=Count("id", filter=Q(kind=Kind.TAG)),
            shapes=Count("id", filter=Q(kind__in=SHAPES)),
        )
    ):
        entry = out[key(row, "worker__username")]
        for n in ("boxes", "tags", "shapes"):
            entry[n] += row[n]
    for row in q["judged"].filter(annotator__isnull=False).values("annotator__username", **day).annotate(
        accepted=Count("id", filter=Q(action=ImageAction.ACCEPTED)),
        rejected=Count("id", filter=Q(action=ImageAction.REJECTED)),
    ):  # fmt: skip
        entry = out[key(row, "annotator__username")]
        entry["accepted"], entry["rejected"] = row["accepted"], row["rejected"]
    for row in q["judged"].values("actor__username", **day).annotate(n=Count("id")):
        out[key(row, "actor__username")]["reviewed"] = row["n"]
    for row in (
        q["time"].values("user__username", *(["day"] if by_day else [])).annotate(s=Sum("seconds"))
    ):
        out[key(row, "user__username")]["active_seconds"] = row["s"]
    out.pop((None,), None)
    return out


def _rate(entry: dict[str, Any]) -> float | None:
    judged = entry["accepted"] + entry["rejected"]
    return round(entry["rejected"] / judged, 4) if judged else None


def team_stats(*, project: Project, since: datetime.date) -> list[dict[str, Any]]:
    """One row per member (and anyone else who worked here in the window), busiest first."""
    rows = _rows(project, since, by_day=False)
    members = set(
        Membership.objects.filter(project=project).values_list("user__username", flat=True)
    )
    for name in members:
        rows.setdefault((name,), dict.fromkeys(COUNTS, 0))
    gold = gold_scores(project=project, since=since)
    out = [
        {"username": name, **entry, "rejection_rate": _rate(entry),
         "gold_agreement": _round(gold[name].overall.agreement) if name in gold else None,
         "member": name in members}
        for (name,), entry in rows.items()
        if name is not None
    ]  # fmt: skip
    return sorted(
        out, key=lambda r: (-r["images_done"], -r["boxes"] - r["tags"] - r["shapes"], r["username"])
    )


def team_stats_daily(*, project: Project, since: datetime.date) -> list[dict[str, Any]]:
    """One row per person and day with any work, oldest day first."""
    rows = _rows(project, since, by_day=True)
    out = [{"day": day.isoformat(), "username": name, **entry}
           for (name, day), entry in rows.items() if name is not None and day is not None]  # fmt: skip
    return sorted(out, key=lambda r: (r["day"], r["username"]))


# ---- gold checks -------------------------------------------------------------------------


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


COMPARED = [Kind.TAG, Kind.BOX, Kind.POLYGON, Kind.MASK]


def _shape(row: dict[str, Any]) -> Shape:
    """A stored polygon (rasterised at its image's size) or mask, as ml.agreement takes it."""
    if row["kind"] == Kind.POLYGON:
        return Shape.of_polygon(rings_of(row["polygon"]), row["image__height"],
                                row["image__width"])  # fmt: skip
    size, counts = row["mask"]["size"], row["mask"]["counts"]
    return Shape.of_mask(Rle(int(size[0]), int(size[1]), counts))


def _labels_of(rows: QuerySet[Annotation], key: str) -> dict[Any, Labels]:
    """Labels per `key` ("image_id", or "image_id,worker_id") from annotation rows."""
    tags: dict[Any, set[str]] = defaultdict(set)
    boxes: dict[Any, list[tuple[str, tuple[float, float, float, float]]]] = defaultdict(list)
    shapes: dict[Any, list[tuple[str, Shape]]] = defaultdict(list)
    fields = ("image_id", "worker_id", "kind", "label__name", "x", "y", "w", "h", "polygon",
              "mask", "image__height", "image__width")  # fmt: skip
    for row in rows.filter(kind__in=COMPARED).order_by("id").values(*fields):
        k = row["image_id"] if key == "image_id" else (row["image_id"], row["worker_id"])
        if row["kind"] == Kind.TAG:
            tags[k].add(row["label__name"])
        elif row["kind"] == Kind.BOX:
            boxes[k].append((row["label__name"], (row["x"], row["y"], row["w"], row["h"])))
        else:
            shapes[k].append((row["label__name"], _shape(row)))
    return {k: Labels(frozenset(tags[k]), tuple(boxes[k]), tuple(shapes[k]))
            for k in tags.keys() | boxes.keys() | shapes.keys()}  # fmt: skip


def gold_scores(*, project: Project, since: datetime.date | None = None) -> dict[str, Score]:
    """Each annotator's submitted gold checks (in the window, by submission) scored against
    the gold images' labels as they are now (what people made or accepted)."""
    attempts = Attempt.objects.filter(
        image__project=project, purpose=Purpose.GOLD, submitted_at__isnull=False
    )
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        attempts = attempts.filter(submitted_at__gte=start)
    pairs = list(attempts.values_list("image_id", "user_id", "user__username"))
    if not pairs:
        return {}
    images = {image for image, _, _ in pairs}
    reference = _labels_of(Annotation.objects.filter(USABLE, image_id__in=images), "image_id")
    private = Annotation.everyone.filter(
        image_id__in=images, worker_id__in={u for _, u, _ in pairs}
    )
    theirs = _labels_of(private, "image_id,worker_id")
    per_person: dict[str, list[Score]] = defaultdict(list)
    for image, user, name in pairs:
        per_person[name].append(
            gold_score(reference.get(image, Labels()), theirs.get((image, user), Labels()))
        )
    return {name: Score.combine(scores) for name, scores in per_person.items()}


def _counts(counts: Counts) -> dict[str, Any]:
    return {
        "agreement": _round(counts.agreement), "tag_accuracy": _round(counts.tag_accuracy),
        "precision": _round(counts.precision), "recall": _round(counts.recall),
        "mean_iou": _round(counts.mean_iou), "reference_boxes": counts.reference_boxes,
        "boxes": counts.attempt_boxes, "matched": counts.matched,
        "tag_decisions": counts.tag_decisions,
        "shape_precision": _round(counts.shape_precision),
        "shape_recall": _round(counts.shape_recall),
        "shape_mean_iou": _round(counts.shape_mean_iou),
        "reference_shapes": counts.reference_shapes, "shapes": counts.attempt_shapes,
        "shapes_matched": counts.shapes_matched,
    }  # fmt: skip


def gold_report(*, project: Project, since: datetime.date) -> list[dict[str, Any]]:
    """Per annotator: how many gold checks they submitted, their scores overall and per label
    (worst agreement first)."""
    checks = dict(
        Attempt.objects.filter(image__project=project, purpose=Purpose.GOLD,
                               submitted_at__isnull=False)
        .values_list("user__username").annotate(n=Count("id"))
    )  # fmt: skip
    out = []
    for name, score in sorted(gold_scores(project=project, since=since).items()):
        by_label = [{"label": label, **_counts(c)} for label, c in sorted(score.by_label.items())]
        out.append({"username": name, "checks": checks.get(name, 0), **_counts(score.overall),
                    "by_label": by_label})  # fmt: skip
    return out


# ---- consensus ---------------------------------------------------------------------------


def consensus_attempts(*, image: Image) -> list[Attempt]:
    """The image's open consensus attempts, oldest first."""
    return list(
        Attempt.objects.filter(image=image, purpose=Purpose.CONSENSUS, closed_at__isnull=True)
        .select_related("user")
        .order_by("id")
    )


def consensus_merged(
    *, image: Image, attempts: list[Attempt], quorum: int | None = None
) -> tuple[Merged, dict[int, Labels]]:
    """The merge of the submitted attempts' labels, and each submitter's labels."""
    submitted = [a for a in attempts if a.submitted_at is not None]
    rows = Annotation.everyone.filter(image=image, worker_id__in=[a.user_id for a in submitted])
    theirs = {
        worker: labels for (_, worker), labels in _labels_of(rows, "image_id,worker_id").items()
    }
    attempt_labels = [theirs.get(a.user_id, Labels()) for a in submitted]
    return merge(attempt_labels, quorum=quorum), theirs


def consensus_replaced(*, image: Image) -> QuerySet[Annotation]:
    """The labels a merge replaces: the image's shared tags, boxes, polygons and masks that
    people made."""
    return Annotation.objects.filter(image=image, source=Source.HUMAN, kind__in=COMPARED)


def _box(box: tuple[float, float, float, float]) -> dict[str, float]:
    return dict(zip(("x", "y", "w", "h"), (round(v, 2) for v in box), strict=True))


def shape_wire(shape: Shape) -> dict[str, Any]:
    """A shape as the annotation API writes it: {kind, polygon (rings) | mask {size, counts}}."""
    if shape.polygon is not None:
        rings = [[[round(x, 2), round(y, 2)] for x, y in ring] for ring in shape.polygon]
        return {"kind": Kind.POLYGON.value, "polygon": rings, "mask": None}
    return {"kind": Kind.MASK.value, "polygon": None, "mask": shape.rle.json()}


def consensus_detail(*, image: Image, quorum: int | None = None) -> dict[str, Any]:
    """Each annotator's labels (once submitted), their agreement and the merge proposed."""
    attempts = consensus_attempts(image=image)
    merged, theirs = consensus_merged(image=image, attempts=attempts, quorum=quorum)
    submitted = sum(a.submitted_at is not None for a in attempts)
    people = []
    for attempt in attempts:
        labels = theirs.get(attempt.user_id, Labels()) if attempt.submitted_at else None
        people.append({
            "username": attempt.user.get_username(), "submitted": attempt.submitted_at is not None,
            "tags": sorted(labels.tags) if labels else [],
            "boxes": [{"label": n, "box": _box(b)} for n, b in labels.boxes] if labels else [],
            "shapes": [{"label": n, **shape_wire(s)} for n, s in labels.shapes] if labels else [],
        })  # fmt: skip
    return {
        "image": image.pk, "filename": image.filename, "width": image.width,
        "height": image.height, "annotators": people, "submitted": submitted,
        "quorum": quorum if quorum is not None else submitted // 2 + 1,
        "agreement": _round(merged.agreement) if submitted >= 2 else None,
        "merged": {
            "tags": [{"label": t, "votes": v} for t, v in merged.tags.items()],
            "boxes": [{"label": f.label, "box": _box(f.box), "votes": f.votes,
                       "mean_iou": _round(f.mean_iou)} for f in merged.boxes],
            "shapes": [{"label": f.label, **shape_wire(f.shape), "votes": f.votes,
                        "mean_iou": _round(f.mean_iou)} for f in merged.shapes],
            "tag_votes": [{"label": t, "votes": v} for t, v in merged.tag_votes.items()],
            "left_out_boxes": merged.unmatched,
            "left_out_shapes": merged.unmatched_shapes,
        },
        "current_labels": consensus_replaced(image=image).count(),
    }  # fmt: skip


def consensus_list(*, project: Project) -> list[dict[str, Any]]:
    """The project's images out for consensus (open attempts), with who has submitted and,
    once two have, how far they agree."""
    attempts = (
        Attempt.objects.filter(image__project=project, purpose=Purpose.CONSENSUS,
                               closed_at__isnull=True)
        .select_related("user", "image").order_by("image_id", "id")
    )  # fmt: skip
    by_image: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        by_image[attempt.image_id].append(attempt)
    out = []
    for group in by_image.values():
        image = group[0].image
        submitted = [a for a in group if a.submitted_at is not None]
        merged = consensus_merged(image=image, attempts=group)[0] if len(submitted) >= 2 else None
        out.append({
            "image": image.pk, "filename": image.filename,
            "annotators": [{"username": a.user.get_username(),
                            "submitted": a.submitted_at is not None} for a in group],
            "submitted": len(submitted),
            "agreement": _round(merged.agreement) if merged else None,
        })  # fmt: skip
    return out
