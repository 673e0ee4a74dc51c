"""Writes for team statistics: active labelling time, reported by the labeller."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from apps.projects.models import Project

from .models import LabellingTime

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
