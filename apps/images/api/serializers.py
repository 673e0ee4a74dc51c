from typing import Any

from django.urls import reverse
from rest_framework import serializers

from apps.images.models import Image, ImageStatus, Split


class ImageSerializer(serializers.ModelSerializer):
    gold = serializers.BooleanField(source="is_gold", read_only=True)
    file = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    annotation_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Image
        fields = [
            "id", "project", "filename", "width", "height", "format", "size_bytes", "sha256",
            "status", "split", "sample_weight", "gold", "file", "thumbnail", "annotation_count",
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


class ImagePatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    sample_weight = serializers.FloatField(min_value=0.01, max_value=100, required=False)


class ImageListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    label = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(choices=["human", "model"], required=False)
    has_annotations = serializers.BooleanField(required=False, allow_null=True, default=None)
    after = serializers.IntegerField(required=False, min_value=0)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)


class ImageUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False
    )
    label = serializers.IntegerField(required=False)
    layout = serializers.ChoiceField(choices=["auto", "flat", "folders"], default="auto")


class UploadResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    duplicates = serializers.ListField(child=serializers.DictField())
    errors = serializers.ListField(child=serializers.DictField())
    labels_created = serializers.ListField(child=serializers.CharField())


class SplitSerializer(serializers.Serializer):
    train = serializers.FloatField(min_value=0, default=0.8)
    val = serializers.FloatField(min_value=0, default=0.1)
    test = serializers.FloatField(min_value=0, default=0.1)
    seed = serializers.IntegerField(default=0)
    only_unassigned = serializers.BooleanField(default=True)
