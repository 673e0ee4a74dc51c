from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.images.models import Batch, Image
from apps.projects.models import Label, Project


class Kind(models.TextChoices):
    BOX = "box"
    TAG = "tag"
    POLYGON = "polygon"  # rings in image pixels, the first the outline, the rest holes
    MASK = "mask"  # COCO compressed RLE of the image's size


class Source(models.TextChoices):
    HUMAN = "human"
    MODEL = "model"


class Review(models.TextChoices):
    NONE = "none"
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# Annotations a person stands behind: made by one, or a prediction one accepted. Training
# learns from these; an image without any is "unlabelled" for pre-labelling.
USABLE = Q(source=Source.HUMAN) | Q(source=Source.MODEL, review=Review.ACCEPTED)


# a box has a positive size; a polygon or mask its bounding box in x, y, w, h; a tag nothing
SHAPED = Q(kind__in=[Kind.BOX, Kind.POLYGON, Kind.MASK], x__isnull=False, y__isnull=False,
           w__gte=0, h__gte=0)  # fmt: skip
GEOMETRY_MATCHES_KIND = (
    SHAPED & (Q(kind=Kind.BOX, w__gt=0, h__gt=0, polygon__isnull=True, mask__isnull=True)
              | Q(kind=Kind.POLYGON, polygon__isnull=False, mask__isnull=True)
              | Q(kind=Kind.MASK, mask__isnull=False, polygon__isnull=True))
    | Q(kind=Kind.TAG, x__isnull=True, y__isnull=True, w__isnull=True, h__isnull=True,
        polygon__isnull=True, mask__isnull=True)
)  # fmt: skip


class SharedAnnotations(models.Manager["Annotation"]):
    """The project's labels: every annotation but the private copies of blind attempts."""

    def get_queryset(self) -> models.QuerySet["Annotation"]:
        return super().get_queryset().filter(worker__isnull=True)


class Annotation(models.Model):
    """A box (image pixels, top-left origin), an image-level tag, a polygon or a mask (x, y, w,
    h then hold its bounding box). `version` grows by one on every write; a write based on an
    older version is refused (optimistic concurrency).

    `worker` set: a private copy, one annotator's labels for a blind attempt (a gold check or
    a consensus image) that nobody else sees. `objects` (the default manager, and so every
    `image.annotations`) holds the shared labels only; `everyone` holds both."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="annotations")
    # RESTRICT: a label in use cannot be deleted, except together with its project
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="annotations")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    w = models.FloatField(null=True, blank=True)
    h = models.FloatField(null=True, blank=True)
    polygon = models.JSONField(
        null=True, blank=True, help_text="A polygon's rings: [[[x, y], ...], ...], outline first."
    )
    mask = models.JSONField(
        null=True, blank=True, help_text='A mask: {"size": [height, width], "counts": COCO RLE}.'
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.HUMAN)
    score = models.FloatField(null=True, blank=True)
    model_version = models.ForeignKey(
        "mlmodels.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="annotations", help_text="The model that predicted it (kept when a person fixes it).",
    )  # fmt: skip
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.NONE)
    attributes = models.JSONField(
        default=dict, blank=True,
        help_text="Free-form attributes from other tools (VOC difficult/truncated, CVAT's).",
    )  # fmt: skip
    version = models.PositiveIntegerField(default=1)
    client_id = models.UUIDField(
        null=True, blank=True, help_text="Chosen by the client so a replayed create is idempotent."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+", help_text="Set on a blind attempt's private copy: whose it is.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    everyone = models.Manager()
    objects = SharedAnnotations()

    class Meta:
        ordering = ["id"]
        default_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=GEOMETRY_MATCHES_KIND,
                name="annotation_geometry_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["image", "client_id"], name="annotation_unique_client_id"
            ),
            models.UniqueConstraint(
                fields=["image", "label"],
                condition=Q(kind=Kind.TAG, source=Source.HUMAN, worker__isnull=True),
                name="annotation_one_human_tag_per_label",
            ),
            models.UniqueConstraint(
                fields=["image", "label", "worker"],
                condition=Q(kind=Kind.TAG, worker__isnull=False),
                name="annotation_one_private_tag_per_label",
            ),
        ]
        indexes = [
            models.Index(fields=["image", "label"], name="annotation_image_label"),
            models.Index(fields=["image", "source"], name="annotation_image_source"),
            models.Index(fields=["label"], name="annotation_label"),
            models.Index(fields=["model_version", "review"], name="annotation_version_review"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.label_id}@{self.image_id}"


class EventAction(models.TextChoices):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class AnnotationEvent(models.Model):
    """Append-only history: one row per change, with the whole state before and after, so
    any change can be shown and reverted. Keyed by annotation id, which outlives deletes."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="annotation_events")
    annotation_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=8, choices=EventAction.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reverts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["image", "-id"], name="annotation_event_image")]

    def __str__(self) -> str:
        return f"{self.action} annotation {self.annotation_id}"


class Purpose(models.TextChoices):
    GOLD = "gold"
    CONSENSUS = "consensus"


class Attempt(models.Model):
    """One annotator labelling one image on their own: a gold check (an image with reference
    labels, mixed into their batch unannounced) or one of a consensus image's independent
    labellings. While it is open, their labels of that image are private copies
    (Annotation.worker); `submitted_at` is when they marked it done, `closed_at` when a
    consensus was merged (the copies stay, for the record)."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["image", "user"], name="attempt_one_per_person")
        ]
        indexes = [models.Index(fields=["user", "closed_at"], name="attempt_user_open")]

    def __str__(self) -> str:
        return f"{self.purpose} attempt of {self.image_id} by {self.user_id}"
