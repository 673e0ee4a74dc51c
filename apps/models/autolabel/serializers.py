"""The one representation of a training run: API responses and websocket events."""

from typing import Any

from rest_framework import serializers

from apps.models.models import (
    FINAL_STATUSES,
    AutoAnnotationRun,
    ModelVersion,
)


class AutoAnnotationRunSerializer(serializers.ModelSerializer):
    model_version = serializers.SerializerMethodField()
    classifier_version = serializers.SerializerMethodField()
    progress = serializers.FloatField(read_only=True)
    finished = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = AutoAnnotationRun
        fields = [
            "id", "project", "model_version", "classifier_version", "classifiers", "mode",
            "scope", "filters",
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


def autoannotate_payload(run: AutoAnnotationRun) -> dict[str, Any]:
    """A run as API responses and websocket events carry it."""
    return dict(AutoAnnotationRunSerializer(run).data)
