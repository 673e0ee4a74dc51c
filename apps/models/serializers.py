"""The one representation of a training run: API responses and websocket events."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from .models import (
    FINAL_STATUSES,
    AutoAnnotationRun,
    ModelVersion,
    RunStatus,
    ServiceToken,
    StageTransition,
    TrainingRun,
)


def eta_seconds(run: TrainingRun) -> float | None:
    """Seconds until the worker expects the last step to end; None until it has measured."""
    if run.status != RunStatus.RUNNING or run.expected_end_at is None:
        return None
    return max(0.0, (run.expected_end_at - timezone.now()).total_seconds())


class TrainingRunSerializer(serializers.ModelSerializer):
    latest = serializers.JSONField(source="latest_metrics")
    eta_seconds = serializers.SerializerMethodField()
    warnings = serializers.JSONField(
        source="snapshot.warnings", read_only=True,
        help_text="Why this run's figures may mean little ([{code, detail}], from the data check).",
    )  # fmt: skip
    epochs = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    finished = serializers.SerializerMethodField()
    model_version = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id", "project", "task", "architecture", "status", "finished", "progress", "step",
            "total_steps", "epoch", "epochs", "device", "worker", "params", "best_metrics",
            "latest", "eta_seconds", "warnings", "error", "snapshot", "created_by", "created_at",
            "started_at", "finished_at", "heartbeat_at", "attempts", "init_from",
            "model_version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_eta_seconds(self, run: TrainingRun) -> float | None:
        return eta_seconds(run)

    def get_epochs(self, run: TrainingRun) -> int:
        return int(run.params.get("epochs", 0))

    def get_finished(self, run: TrainingRun) -> bool:
        return run.status in FINAL_STATUSES

    def get_snapshot(self, run: TrainingRun) -> dict[str, Any]:
        s = run.snapshot
        return {
            "id": s.pk, "images": s.image_count, "classes": s.classes, "splits": s.splits,
            "left_out": s.left_out,
        }  # fmt: skip

    def get_model_version(self, run: TrainingRun) -> dict[str, Any] | None:
        version = getattr(run, "model_version", None)  # reverse one-to-one: absent -> None
        if version is None:
            return None
        return {"id": version.pk, "version": version.version, "status": version.status}


def headline_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The scalar part of a held-out report (lists and matrices stay in the detail view)."""
    return {k: v for k, v in metrics.items() if not isinstance(v, list | dict)}


class ModelVersionSerializer(serializers.ModelSerializer):
    """List/event form; the detail adds the full report (per class, confusion matrix)."""

    metrics = serializers.SerializerMethodField()
    run = serializers.PrimaryKeyRelatedField(read_only=True)
    snapshot = serializers.PrimaryKeyRelatedField(read_only=True)
    num_classes = serializers.SerializerMethodField()
    has_onnx = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = ModelVersion
        fields = [
            "id", "project", "version", "source", "task", "architecture", "num_classes",
            "image_size", "status", "error", "stage", "stage_changed_at", "metrics", "run",
            "snapshot", "size_bytes", "parameters", "has_onnx", "onnx_error", "description",
            "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_metrics(self, version: ModelVersion) -> dict[str, Any]:
        return headline_metrics(version.metrics)

    def get_num_classes(self, version: ModelVersion) -> int:
        return len(version.classes)

    def get_has_onnx(self, version: ModelVersion) -> bool:
        return bool(version.onnx)


class ModelVersionDetailSerializer(ModelVersionSerializer):
    class Meta(ModelVersionSerializer.Meta):
        fields = [*ModelVersionSerializer.Meta.fields, "classes", "report", "run_params",
                  "review_stats"]  # fmt: skip
        read_only_fields = fields

    report = serializers.JSONField(source="metrics")
    run_params = serializers.JSONField(source="run.params", default=None)
    review_stats = serializers.SerializerMethodField()

    def get_review_stats(self, version: ModelVersion) -> dict[str, Any]:
        from .selectors import review_stats

        return review_stats(version=version)


class StageTransitionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", default=None)
    version = serializers.IntegerField(source="model_version.version")

    class Meta:
        model = StageTransition
        fields = ["id", "model_version", "version", "from_stage", "to_stage", "reason", "user",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class ServiceTokenSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = ServiceToken
        fields = ["id", "project", "name", "prefix", "created_by", "created_at", "last_used_at",
                  "revoked_at"]  # fmt: skip
        read_only_fields = fields


class AutoAnnotationRunSerializer(serializers.ModelSerializer):
    model_version = serializers.SerializerMethodField()
    classifier_version = serializers.SerializerMethodField()
    progress = serializers.FloatField(read_only=True)
    finished = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = AutoAnnotationRun
        fields = [
            "id", "project", "model_version", "classifier_version", "mode", "scope", "filters",
            "threshold", "status", "finished", "total", "processed", "progress", "counts",
            "error", "created_by", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _version(self, version: ModelVersion | None) -> dict[str, Any] | None:
        if version is None:
            return None
        return {"id": version.pk, "version": version.version, "architecture": version.architecture}

    def get_model_version(self, run: AutoAnnotationRun) -> dict[str, Any] | None:
        return self._version(run.model_version)

    def get_classifier_version(self, run: AutoAnnotationRun) -> dict[str, Any] | None:
        return self._version(run.classifier_version)

    def get_finished(self, run: AutoAnnotationRun) -> bool:
        return run.status in FINAL_STATUSES
