"""The one representation of an image: API responses and websocket events."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from .models import Batch, Image, ImageEvent, Issue, Stage


class ImageSerializer(serializers.ModelSerializer):
    gold = serializers.BooleanField(source="is_gold", read_only=True)
    stage = serializers.ChoiceField(
        choices=Stage.choices, read_only=True,
        help_text="annotation (new, in progress), review (marked done), done (accepted).",
    )  # fmt: skip
    file = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    # only lists count them: not read_only, so the schema does not mark it required
    annotation_count = serializers.IntegerField(required=False)

    class Meta:
        model = Image
        fields = [
            "id", "project", "filename", "width", "height", "format", "size_bytes", "sha256",
            "status", "stage", "split", "sample_weight", "gold", "uncertainty", "uniqueness", "mistakenness", "excluded", "file", "thumbnail",
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


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class IssueSerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()
    resolved = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = ["id", "image", "x", "y", "annotation_id", "comment", "created_by",
                  "created_at", "resolved", "resolved_by", "resolved_at"]  # fmt: skip
        read_only_fields = fields

    def get_created_by(self, issue: Issue) -> str | None:
        return _username(issue.created_by)

    def get_resolved_by(self, issue: Issue) -> str | None:
        return _username(issue.resolved_by)

    def get_resolved(self, issue: Issue) -> bool:
        return issue.resolved_at is not None


class ImageEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    annotator = serializers.SerializerMethodField()

    class Meta:
        model = ImageEvent
        fields = ["id", "image", "action", "status_before", "status_after", "actor",
                  "annotator", "issue", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_actor(self, event: ImageEvent) -> str | None:
        return _username(event.actor)

    def get_annotator(self, event: ImageEvent) -> str | None:
        return _username(event.annotator)
