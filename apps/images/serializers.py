"""The one representation of an image: API responses and websocket events."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from .models import Batch, Image


class ImageSerializer(serializers.ModelSerializer):
    gold = serializers.BooleanField(source="is_gold", read_only=True)
    file = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    # only lists count them: not read_only, so the schema does not mark it required
    annotation_count = serializers.IntegerField(required=False)

    class Meta:
        model = Image
        fields = [
            "id", "project", "filename", "width", "height", "format", "size_bytes", "sha256",
            "status", "split", "sample_weight", "gold", "uncertainty", "uniqueness", "mistakenness", "excluded", "file", "thumbnail",
            "annotation_count", "source_video", "frame_time", "source_image", "crop", "batch",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_file(self, image: Image) -> str:
        return reverse("image-file", args=[image.pk])

    def get_thumbnail(self, image: Image) -> str | None:
        return reverse("image-thumbnail", args=[image.pk]) if image.thumbnail else None


def image_event_payload(image: Image) -> dict[str, Any]:
    data = ImageSerializer(image).data
    data.pop("annotation_count", None)
    return dict(data)


class BatchSerializer(serializers.ModelSerializer):
    """A batch as read through apps.images.selectors (the counts are annotations)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    assignee = serializers.SerializerMethodField()
    images = serializers.IntegerField(source="image_count", read_only=True, default=0)
    done = serializers.IntegerField(
        source="done_count", read_only=True, default=0, help_text="Images marked done."
    )
    next_image = serializers.IntegerField(
        read_only=True, allow_null=True, default=None,
        help_text="Where the labeller opens: the first image not done yet (else the first).",
    )  # fmt: skip

    class Meta:
        model = Batch
        fields = ["id", "project", "project_name", "name", "assignee", "due", "images", "done",
                  "next_image", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_assignee(self, batch: Batch) -> str | None:
        return batch.assignee.username if batch.assignee_id else None


def batch_payload(batch: Batch) -> dict[str, Any]:
    return dict(BatchSerializer(batch).data)
