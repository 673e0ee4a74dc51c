"""Dataset imports and exports: background jobs on the `default` queue, with the statuses of
every run (apps.models.models.RunStatus)."""

from django.conf import settings
from django.db import models

from apps.models.models import BatchRun
from apps.projects.models import Project

IMPORT_FORMATS = ("auto", "coco", "yolo", "voc", "cvat", "labelstudio", "imagenet", "labelforge",
                  "video")  # fmt: skip
EXPORT_FORMATS = ("coco", "yolo", "voc", "cvat", "labelstudio", "imagenet", "labelforge")


class _Job(BatchRun):
    """A dataset job: a run's lifecycle and progress, plus the per-file notes of its report."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    errors = models.JSONField(default=list, blank=True)  # [{file, detail}]

    class Meta:
        abstract = True
        ordering = ["-id"]


class DatasetImport(_Job):
    """An uploaded archive (kept in storage until the job ends) read in a format and added
    to the project: images matched by content, labels by name, annotations not doubled."""

    format = models.CharField(max_length=12, default="auto")  # as asked
    detected_format = models.CharField(max_length=12, blank=True, default="")
    options = models.JSONField(default=dict, blank=True)
    file = models.CharField(max_length=300, blank=True, default="")  # storage path
    filename = models.CharField(max_length=255)

    def __str__(self) -> str:
        return f"import {self.pk} {self.status}"


class DatasetExport(_Job):
    """A zip of the project's images and annotations in a format, kept for a while."""

    format = models.CharField(max_length=12)
    filters = models.JSONField(default=dict, blank=True)
    include_images = models.BooleanField(default=True)
    file = models.CharField(max_length=300, blank=True, default="")  # storage path
    size_bytes = models.PositiveBigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export {self.pk} {self.status}"


class OperationKind(models.TextChoices):
    REMOVE_SMALL_BOXES = "remove_small_boxes", "Remove small boxes"
    REMOVE_DUPLICATES = "remove_duplicates", "Remove duplicate boxes"
    FIX_OUTSIDE = "fix_outside", "Fix boxes outside the image"
    NORMALIZE_ASPECT = "normalize_aspect", "Normalize aspect ratio"
    SCALE_CLASSES = "scale_classes", "Scale classes"
    REMOVE_SMALL_SHAPES = "remove_small_shapes", "Remove small polygons and mask specks"


class DatasetOperation(models.Model):
    """One applied workbench tool: what it was asked, what it matched and changed, and the
    history events it wrote, so that one undo reverts them all."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=OperationKind.choices)
    params = models.JSONField(default=dict, blank=True)
    matched = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    events = models.JSONField(default=list, blank=True)  # AnnotationEvent ids it wrote
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    undo_counts = models.JSONField(default=dict, blank=True)  # {reverted, conflicts}

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
