from rest_framework import serializers

from apps.images.models import ImageStatus, Split


class ImagePatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    sample_weight = serializers.FloatField(min_value=0.01, max_value=100, required=False)


class ImageFilterSerializer(serializers.Serializer):
    """Which images (apps.images.selectors.ImageFilters): an image list's query string, an
    auto-annotation run's `filters`."""

    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    label = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(choices=["human", "model"], required=False)
    has_annotations = serializers.BooleanField(required=False, allow_null=True)
    review = serializers.ChoiceField(choices=["pending"], required=False)
    video = serializers.CharField(required=False, max_length=255, help_text="Frames of this video.")
    frame_from = serializers.FloatField(required=False, min_value=0, help_text="Seconds.")
    frame_to = serializers.FloatField(required=False, min_value=0, help_text="Seconds.")
    excluded = serializers.BooleanField(
        required=False, allow_null=True, help_text="Set aside by curation (left out of training)."
    )
    ids = serializers.RegexField(
        r"^\d{1,12}(,\d{1,12}){0,999}$", required=False, max_length=13_000,
        help_text="Only these images: comma-separated ids, at most 1,000 (a selection, e.g. a "
        "lasso on the embedding map).",
    )  # fmt: skip

    def validate_ids(self, value: str) -> tuple[int, ...]:
        return tuple(dict.fromkeys(int(v) for v in value.split(",")))


class ImageListQuerySerializer(ImageFilterSerializer):
    has_annotations = serializers.BooleanField(required=False, allow_null=True, default=None)
    excluded = serializers.BooleanField(required=False, allow_null=True, default=None)
    order = serializers.ChoiceField(choices=["id", "uncertain", "uniqueness", "mistakenness"],
                                    required=False, default="id")  # fmt: skip
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
    train = serializers.FloatField(min_value=0, max_value=1000, default=0.8)
    val = serializers.FloatField(min_value=0, max_value=1000, default=0.1)
    test = serializers.FloatField(min_value=0, max_value=1000, default=0.1)
    seed = serializers.IntegerField(default=0)
    only_unassigned = serializers.BooleanField(default=True)


class NeighborsSerializer(serializers.Serializer):
    previous = serializers.IntegerField(allow_null=True)
    next = serializers.IntegerField(allow_null=True)
    next_unlabelled = serializers.IntegerField(allow_null=True)
