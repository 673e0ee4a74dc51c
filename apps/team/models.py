from django.conf import settings
from django.db import models

from apps.projects.models import Project


class LabellingTime(models.Model):
    """Seconds a member spent actively labelling in a project on a day (server date): the
    labeller reports them while the tab is visible and the person has used it in the last
    minute, so idle time is not counted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project", "day"], name="labelling_time_once")
        ]
        indexes = [models.Index(fields=["project", "day"], name="labelling_time_project")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.project_id} {self.day}: {self.seconds}s"
