"""The one representation of an embeddings run: API responses and websocket events."""

from typing import Any

from rest_framework import serializers

from apps.models.models import FINAL_STATUSES, EmbeddingRun


class EmbeddingRunSerializer(serializers.ModelSerializer):
    model_version = serializers.SerializerMethodField()
    space = serializers.CharField(read_only=True)
    progress = serializers.FloatField(read_only=True)
    finished = serializers.SerializerMethodField()
    created_by = serializers.CharField(
        source="created_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = EmbeddingRun
        fields = [
            "id", "project", "model_version", "space", "status", "finished", "total",
            "processed", "progress", "counts", "error", "created_by", "created_at",
            "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_model_version(self, run: EmbeddingRun) -> dict[str, Any] | None:
        v = run.model_version
        if v is None:
            return None
        return {"id": v.pk, "version": v.version, "architecture": v.architecture}

    def get_finished(self, run: EmbeddingRun) -> bool:
        return run.status in FINAL_STATUSES


def embedding_run_payload(run: EmbeddingRun) -> dict[str, Any]:
    return dict(EmbeddingRunSerializer(run).data)
