"""The one representation of an import or export job: API answers and websocket events."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from .models import DatasetExport, DatasetImport, DatasetOperation

JOB_FIELDS = ["id", "project", "status", "progress", "total", "processed", "counts", "errors",
              "error", "created_at", "started_at", "finished_at"]  # fmt: skip


class DatasetImportSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = DatasetImport
        fields = [*JOB_FIELDS, "format", "detected_format", "options", "filename"]
        read_only_fields = fields


class DatasetExportSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = DatasetExport
        fields = [*JOB_FIELDS, "format", "filters", "include_images", "size_bytes", "expires_at",
                  "download"]  # fmt: skip
        read_only_fields = fields

    def get_download(self, job: DatasetExport) -> str | None:
        if not job.file:
            return None
        path = reverse("dataset-export-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DatasetOperationSerializer(serializers.ModelSerializer):
    """A workbench tool's applied change (its event ids stay inside: `changed` counts them)."""

    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    undone_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    undo = serializers.SerializerMethodField()

    class Meta:
        model = DatasetOperation
        fields = ["id", "project", "kind", "params", "matched", "changed", "created_by",
                  "created_at", "undone_at", "undone_by", "undo_counts", "undo"]  # fmt: skip
        read_only_fields = fields

    def get_undo(self, operation: DatasetOperation) -> str | None:
        return (
            None if operation.undone_at else reverse("dataset-operation-undo", args=[operation.pk])
        )


def import_payload(job: DatasetImport) -> dict[str, Any]:
    return dict(DatasetImportSerializer(job).data)


def export_payload(job: DatasetExport) -> dict[str, Any]:
    return dict(DatasetExportSerializer(job).data)
