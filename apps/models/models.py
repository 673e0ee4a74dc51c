import uuid
from pathlib import Path

from django.conf import settings
from django.db import models

from apps.projects.models import Project


class Task(models.TextChoices):
    CLASSIFY = "classify"
    DETECT = "detect"
    SEGMENT = "segment"  # instance segmentation (Mask R-CNN): a mask per object
    SEMANTIC = "semantic"  # semantic segmentation (DeepLabV3, LR-ASPP): a class per pixel


class Source(models.TextChoices):
    """What a snapshot's samples are made of (the first for each task is its default)."""

    TAGS = "tags", "Image tags"  # classify: each image by its tag
    BOXES = "boxes", "Boxes"  # detect: each image's boxes by their label
    CROPS = "crops", "Box crops"  # classify: each box cut out, by its label
    SCALE_CLASSES = "scale_classes", "Boxes by scale class"  # detect: by `scale_class`
    SHAPES = "shapes", "Polygons and masks"  # segment, semantic: each image's outlines


SOURCES = {
    Task.CLASSIFY: (Source.TAGS, Source.CROPS),
    Task.DETECT: (Source.BOXES, Source.SCALE_CLASSES),
    Task.SEGMENT: (Source.SHAPES,),
    Task.SEMANTIC: (Source.SHAPES,),
}


class DatasetSnapshot(models.Model):
    """An immutable training input: the manifest (image files by hash, labels, splits) is
    written once to storage when a run starts; training reads only that."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    task = models.CharField(max_length=10, choices=Task.choices)
    manifest = models.CharField(max_length=300, help_text="Storage path of manifest.json")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.TAGS)
    # crops: only the boxes of this scale class ("" = every box)
    scale_class = models.CharField(max_length=64, blank=True, default="")
    classes = models.JSONField(default=list)
    splits = models.JSONField(default=dict)
    image_count = models.PositiveIntegerField(default=0)
    # Project images with nothing to learn from for this task (no tags / no boxes) when frozen.
    left_out = models.PositiveIntegerField(default=0)
    # Why its figures may mean little (datacheck.check_samples): [{code, detail}].
    warnings = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot {self.pk} ({self.image_count} images)"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    SUCCEEDED = "succeeded"


ACTIVE_STATUSES = (RunStatus.RUNNING, RunStatus.CANCELLING)
RESUMABLE_STATUSES = (RunStatus.CANCELLED, RunStatus.INTERRUPTED, RunStatus.FAILED)
FINAL_STATUSES = (RunStatus.CANCELLED, RunStatus.INTERRUPTED, RunStatus.FAILED, RunStatus.SUCCEEDED)


class TrainingRun(models.Model):
    # Names this run's files on a host (its work dir): a primary key repeats when a database
    # is recreated, a uuid does not, so a host never mistakes another installation's files.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="training_runs")
    snapshot = models.ForeignKey(DatasetSnapshot, on_delete=models.CASCADE, related_name="runs")
    task = models.CharField(max_length=10, choices=Task.choices)
    architecture = models.CharField(max_length=64)
    params = models.JSONField(default=dict, help_text="The full resolved training config.")
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    device = models.CharField(max_length=64, blank=True, default="")
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(default=0.0)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    epoch = models.FloatField(default=0.0)
    best_metrics = models.JSONField(default=dict)
    latest_metrics = models.JSONField(default=dict)
    checkpoint = models.CharField(max_length=300, blank=True, default="")
    # SHA-256 of the stored checkpoint: a host's copy is used only when it is that file.
    checkpoint_sha256 = models.CharField(max_length=64, blank=True, default="")
    weights = models.CharField(max_length=300, blank=True, default="")
    worker_pin = models.CharField(
        max_length=200, blank=True, default="",
        help_text="Only a worker on this host (or host/gpuN) may take the run; empty: any.",
    )  # fmt: skip
    error = models.TextField(blank=True, default="")
    init_from = models.ForeignKey(
        "ModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Fine-tune: start from this version's weights (mismatched heads skipped).",
    )  # fmt: skip
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the worker expects the last step to end (ml.eta: measured step time after warm-up).
    expected_end_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="run_status_heartbeat")]

    def __str__(self) -> str:
        return f"run {self.pk} {self.architecture} {self.status}"

    @property
    def storage_dir(self) -> str:
        return f"runs/{self.pk}"

    @property
    def work_dir(self) -> Path:
        """This run's folder on this host (snapshot manifest, checkpoint, metrics)."""
        return Path(settings.LABELFORGE_WORK_DIR) / "runs" / str(self.uid)


class RunMetric(models.Model):
    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="metrics")
    step = models.PositiveIntegerField()
    epoch = models.FloatField()
    name = models.CharField(max_length=32)
    value = models.FloatField()

    class Meta:
        ordering = ["step", "id"]
        indexes = [models.Index(fields=["run", "step"], name="run_metric_step")]

    def __str__(self) -> str:
        return f"{self.name}@{self.step}={self.value:g}"


class RunLogChunk(models.Model):
    """A run's log, appended one chunk per flush (constant cost however long the log grows)
    and tailed by byte offset: the chunk holds the log's bytes [start, end)."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="log_chunks")
    start = models.PositiveBigIntegerField()
    end = models.PositiveBigIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["run", "start"], name="run_log_chunk_start")]
        indexes = [models.Index(fields=["run", "end"], name="run_log_chunk_end")]

    def __str__(self) -> str:
        return f"run {self.run_id} log [{self.start}, {self.end})"


class Stage(models.TextChoices):
    NONE = "none"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


class VersionStatus(models.TextChoices):
    PENDING = "pending"  # weights stored, held-out evaluation and ONNX export not done yet
    READY = "ready"
    FAILED = "failed"


class VersionSource(models.TextChoices):
    TRAINED = "trained"
    IMPORTED = "imported"


class ModelVersion(models.Model):
    """A servable model: a successful run's weights (or an imported checkpoint), its
    held-out metrics, exported artifacts and its stage. Exactly one production version per
    project and task (a partial unique index backs the promotion service's lock)."""

    # Names this version's serving copy on a host (see TrainingRun.uid).
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="model_versions")
    version = models.PositiveIntegerField()
    run = models.OneToOneField(
        TrainingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_version"
    )
    snapshot = models.ForeignKey(
        DatasetSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=VersionSource.choices)
    task = models.CharField(max_length=10, choices=Task.choices)
    architecture = models.CharField(max_length=64)
    classes = models.JSONField(default=list)
    image_size = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.PENDING
    )
    error = models.TextField(blank=True, default="")
    metrics = models.JSONField(default=dict, help_text="Held-out evaluation report.")
    weights = models.CharField(max_length=300, help_text="Storage path of model.pt")
    onnx = models.CharField(max_length=300, blank=True, default="")
    onnx_error = models.TextField(blank=True, default="")
    size_bytes = models.BigIntegerField(default=0)
    parameters = models.BigIntegerField(default=0)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.NONE)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="model_version_number"),
            models.UniqueConstraint(
                fields=["project", "task"],
                condition=models.Q(stage="production"),
                name="one_production_per_project_task",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.architecture} ({self.stage})"

    @property
    def storage_dir(self) -> str:
        return f"models/{self.pk}"

    @property
    def local_dir(self) -> Path:
        """This version's files on this host (fetched from storage_dir once)."""
        return Path(settings.LABELFORGE_WORK_DIR) / "models" / str(self.uid)


class StageTransition(models.Model):
    """Append-only audit of stage changes: who, when, from, to, why."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="transitions"
    )
    from_stage = models.CharField(max_length=12, choices=Stage.choices)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    reason = models.CharField(max_length=500, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"v{self.model_version_id}: {self.from_stage} -> {self.to_stage}"


class ServiceToken(models.Model):
    """A project-scoped key for production clients: it can call predict and nothing else.
    Only a SHA-256 of the key is stored; the key is shown once, when created."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="service_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AutoAnnotateMode(models.TextChoices):
    CLASSIFY = "classify"  # image tags from a classifier
    DETECT = "detect"  # boxes from a detector
    TWO_STAGE = "two_stage"  # a detector's boxes, each crop labelled by a classifier
    SEGMENT = "segment"  # polygons from a segment (instances) or semantic (regions) model


class AutoAnnotateScope(models.TextChoices):
    UNLABELLED = "unlabelled"
    FILTER = "filter"
    ALL = "all"


class BatchRun(models.Model):
    """A run that works through `total` items on a queue (auto-annotation, embeddings, dataset
    imports and exports): the lifecycle's status, heartbeat and outcome, with progress as
    items processed."""

    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    worker = models.CharField(max_length=200, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def progress(self) -> float:
        return self.processed / self.total if self.total else (1.0 if self.finished_at else 0.0)


class AutoAnnotationRun(BatchRun):
    """A model pre-labelling a batch of images on the `infer` queue. Its predictions are
    annotations with source=model and review=pending; running the same version again replaces
    its pending predictions on those images."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="auto_annotation_runs"
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    classifier_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # two_stage: {detector class: classifier version id}, for a detector of scale classes
    # with a classifier per class; classifier_version labels the classes not named here
    classifiers = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=10, choices=AutoAnnotateMode.choices)
    scope = models.CharField(max_length=10, choices=AutoAnnotateScope.choices)
    filters = models.JSONField(default=dict, blank=True)
    threshold = models.FloatField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"auto-annotation {self.pk} {self.status}"


class EmbeddingRun(BatchRun):
    """Embeddings of a project's images on the `infer` queue, from a ready model version (its
    penultimate layer, a detector's pooled backbone) or a perceptual hash (no version). Only
    images without one in that space are computed; the end scores every image's uniqueness."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="embedding_runs")
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"embeddings {self.pk} {self.status}"

    @property
    def space(self) -> str:
        return embedding_space(self.model_version_id)


def embedding_space(version_id: int | None) -> str:
    """Embeddings compare only within one space: a model version's, or the perceptual hash."""
    return f"version:{version_id}" if version_id else "dhash"


class ImageEmbedding(models.Model):
    """One image's vector in one space (float32 bytes), computed once."""

    image = models.ForeignKey("images.Image", on_delete=models.CASCADE, related_name="embeddings")
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    space = models.CharField(max_length=32)
    vector = models.BinaryField()
    dim = models.PositiveIntegerField()
    predictions = models.JSONField(
        null=True, blank=True,
        help_text="The model's predictions for the image, made in the same pass (null for the hash).",
    )  # fmt: skip
    map_x = models.FloatField(
        null=True, blank=True, help_text="Where the image sits on the space's 2-D map."
    )
    map_y = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "space"], name="embedding_unique_space"),
        ]
        indexes = [models.Index(fields=["space", "image"], name="embedding_space_image")]

    def __str__(self) -> str:
        return f"embedding of image {self.image_id} in {self.space}"
