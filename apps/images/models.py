from django.conf import settings
from django.db import models

from apps.projects.models import Project

GOLD_SAMPLE_WEIGHT = 4.0


class Batch(models.Model):
    """A set of a project's images handed to one annotator (or to nobody yet), with an
    optional due date. An image is in at most one batch; moving it keeps its labels."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=100)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="batches",
    )  # fmt: skip
    due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["assignee", "id"], name="batch_assignee")]

    def __str__(self) -> str:
        return self.name


class ImageStatus(models.TextChoices):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REVIEWED = "reviewed"


class Stage(models.TextChoices):
    """Where an image is in the team's workflow, read from its status: being labelled, waiting
    for a reviewer (marked done), accepted by one (reviewed)."""

    ANNOTATION = "annotation"
    REVIEW = "review"
    DONE = "done"


STAGE_STATUSES = {
    Stage.ANNOTATION: (ImageStatus.NEW, ImageStatus.IN_PROGRESS),
    Stage.REVIEW: (ImageStatus.DONE,),
    Stage.DONE: (ImageStatus.REVIEWED,),
}


class Split(models.TextChoices):
    UNASSIGNED = "unassigned"
    TRAIN = "train"
    VAL = "val"
    TEST = "test"


class Image(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=300)
    thumbnail = models.FileField(max_length=300, blank=True, default="")
    filename = models.CharField(max_length=255, help_text="Name as uploaded (archive path).")
    source_video = models.CharField(
        max_length=255, blank=True, default="", help_text="The video a frame was taken from."
    )
    frame_time = models.FloatField(
        null=True, blank=True, help_text="Seconds into source_video of this frame."
    )
    source_image = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="crops",
        help_text="The image this one was cropped from (the labeller's Transform).",
    )  # fmt: skip
    crop = models.JSONField(
        default=dict, blank=True, help_text="{x, y, w, h, angle} in the source image's pixels."
    )
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the uploaded bytes.")
    status = models.CharField(max_length=16, choices=ImageStatus.choices, default=ImageStatus.NEW)
    split = models.CharField(max_length=16, choices=Split.choices, default=Split.UNASSIGNED)
    sample_weight = models.FloatField(
        default=1.0, help_text="Relative sampling weight in training; > 1 marks a gold image."
    )
    uncertainty = models.FloatField(
        null=True, blank=True,
        help_text="From the latest auto-annotation: 1 - (top-1 - top-2 confidence); 1 = a coin toss.",
    )  # fmt: skip
    uniqueness = models.FloatField(
        null=True, blank=True,
        help_text="From the latest embeddings: distance to its nearest neighbours, 0..1 (1 = the most unlike the rest).",
    )  # fmt: skip
    mistakenness = models.FloatField(
        null=True, blank=True,
        help_text="From the latest model embeddings: how strongly the model disagrees with the labels, 0..1.",
    )  # fmt: skip
    excluded = models.BooleanField(
        default=False, help_text="Left out of training snapshots (a near-duplicate set aside)."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="images",
        help_text="The batch (assignment) the image is in, if any.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sha256"], name="image_unique_content"),
            models.CheckConstraint(
                condition=models.Q(sample_weight__gt=0), name="image_sample_weight_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "id"], name="image_project_id"),
            models.Index(fields=["project", "status", "id"], name="image_project_status"),
            models.Index(fields=["project", "split", "id"], name="image_project_split"),
            models.Index(fields=["project", "uncertainty", "id"], name="image_project_uncertainty"),
            models.Index(
                fields=["project", "mistakenness", "id"], name="image_project_mistakenness"
            ),
            models.Index(
                fields=["project", "source_video", "frame_time"], name="image_project_video"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_gold(self) -> bool:
        return self.sample_weight > 1.0

    @property
    def stage(self) -> Stage:
        return next(stage for stage, statuses in STAGE_STATUSES.items() if self.status in statuses)


class ImageAction(models.TextChoices):
    STATUS = "status"  # a member changed the status (done: sent to review)
    ACCEPTED = "accepted"  # a reviewer's decisions
    REJECTED = "rejected"
    RESOLVED = "resolved"  # an issue marked fixed (or open again: reopened)
    REOPENED = "reopened"
    MERGED = "merged"  # a reviewer merged a consensus of independent labellings into the labels


class ImageEvent(models.Model):
    """Append-only history of an image's workflow: status changes, reviewers' decisions and
    issues resolved, each with who did it; a decision names the annotator whose work it judged."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=ImageAction.choices)
    status_before = models.CharField(max_length=16, choices=ImageStatus.choices)
    status_after = models.CharField(max_length=16, choices=ImageStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="A decision's: who had sent the image to review.",
    )  # fmt: skip
    issue = models.ForeignKey(
        "Issue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["image", "-id"], name="image_event_image"),
            models.Index(fields=["project", "action", "created_at"], name="image_event_project"),
        ]

    def __str__(self) -> str:
        return f"{self.action} image {self.image_id}"


class Issue(models.Model):
    """A reviewer's note pinned to a point of an image (and, when about a box, that box):
    "missing person here". Open until the annotator (or anyone) resolves it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="issues")
    x = models.FloatField(help_text="Image pixels.")
    y = models.FloatField()
    annotation_id = models.BigIntegerField(
        null=True, blank=True, help_text="The box it is about, if any (outlives a delete)."
    )
    comment = models.CharField(max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["image", "resolved_at"], name="issue_image_open")]

    def __str__(self) -> str:
        return self.comment[:40]
