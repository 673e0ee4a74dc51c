"""Reads for team statistics: per member (and per member and day) over a window of days,
what they sent to review, the boxes and tags they made, how their work fared in review,
what they reviewed, and their active labelling time."""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.annotations.models import AnnotationEvent, EventAction, Kind
from apps.images.models import ImageAction, ImageEvent, ImageStatus
from apps.projects.models import Membership, Project

from .models import LabellingTime

COUNTS = ("images_done", "boxes", "tags", "accepted", "rejected", "reviewed", "active_seconds")


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
        )
    ):
        entry = out[key(row, "actor__username")]
        entry["boxes"], entry["tags"] = row["boxes"], row["tags"]
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
    out = [
        {"username": name, **entry, "rejection_rate": _rate(entry), "gold_agreement": None,
         "member": name in members}
        for (name,), entry in rows.items()
        if name is not None
    ]  # fmt: skip
    return sorted(out, key=lambda r: (-r["images_done"], -r["boxes"] - r["tags"], r["username"]))


def team_stats_daily(*, project: Project, since: datetime.date) -> list[dict[str, Any]]:
    """One row per person and day with any work, oldest day first."""
    rows = _rows(project, since, by_day=True)
    out = [{"day": day.isoformat(), "username": name, **entry}
           for (name, day), entry in rows.items() if name is not None and day is not None]  # fmt: skip
    return sorted(out, key=lambda r: (r["day"], r["username"]))
