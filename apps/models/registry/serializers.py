"""The one representation of a training run: API responses and websocket events."""

from typing import Any

from rest_framework import serializers

from apps.models.models import (
    ModelVersion,
    StageTransition,
)


def headline_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """The scalar part of a held-out report (lists and matrices stay in the detail view)."""
    return {k: v for k, v in metrics.items() if not isinstance(v, list | dict)}


class ModelVersionSerializer(serializers.ModelSerializer):
    """List/event form; the detail adds the full report (per class, confusion matrix)."""

    metrics = serializers.SerializerMethodField()
    run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # imported: none
    snapshot = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    num_classes = serializers.SerializerMethodField()
    has_onnx = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

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
    run_params = serializers.JSONField(
        source="run.params", default=None, read_only=True, allow_null=True
    )
    review_stats = serializers.SerializerMethodField()

    def get_review_stats(self, version: ModelVersion) -> dict[str, Any]:
        """From the context: the view reads them (selectors.review_stats)."""
        return self.context["review_stats"]


class StageTransitionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(
        source="user.username", default=None, read_only=True, allow_null=True
    )
    version = serializers.IntegerField(source="model_version.version")

    class Meta:
        model = StageTransition
        fields = ["id", "model_version", "version", "from_stage", "to_stage", "reason", "user",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


def version_payload(version: ModelVersion) -> dict[str, Any]:
    """A version as lists and websocket events carry it."""
    return dict(ModelVersionSerializer(version).data)
