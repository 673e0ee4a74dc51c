from rest_framework import serializers

from apps.annotations.models import Source
from apps.images.models import ImageStatus, Split, Stage


class ImagePatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    sample_weight = serializers.FloatField(min_value=0.01, max_value=100, required=False)


class ImageFilterSerializer(serializers.Serializer):
    """Which images (apps.images.selectors.ImageFilters): an image list's query string, an
    auto-annotation run's `filters`."""

    status = serializers.ChoiceField(choices=ImageStatus.choices, required=False)
    stage = serializers.ChoiceField(
        choices=Stage.choices, required=False, help_text="review: the review queue."
    )
    open_issues = serializers.BooleanField(
        required=False, allow_null=True, help_text="With issues a reviewer raised, not resolved."
    )
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    label = serializers.IntegerField(required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False)
    has_annotations = serializers.BooleanField(required=False, allow_null=True)
    review = serializers.ChoiceField(choices=["pending"], required=False)
    video = serializers.CharField(required=False, max_length=255, help_text="Frames of this video.")
    frame_from = serializers.FloatField(required=False, min_value=0, help_text="Seconds.")
    frame_to = serializers.FloatField(required=False, min_value=0, help_text="Seconds.")
    excluded = serializers.BooleanField(
        required=False, allow_null=True, help_text="Set aside by curation (left out of training)."
    )
    ids = serializers.RegexField(
        r"^\d{1,12}(,\d{1,12}){0,999}$", required=False, max_length=9_000,
        help_text="Only these images: comma-separated ids, at most 1,000 in 9,000 characters "
        "(a selection, e.g. a lasso on the embedding map); the whole URL must stay under "
        "uvicorn's 64 KiB.",
    )  # fmt: skip

    batch = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this batch's images."
    )

    def validate_ids(self, value: str) -> tuple[int, ...]:
        return tuple(dict.fromkeys(int(v) for v in value.split(",")))


class FiltersBodySerializer(ImageFilterSerializer):
    """The filters as a JSON object in a request body: an unknown key is an error."""

    def to_internal_value(self, data: object) -> dict:
        if isinstance(data, dict) and (unknown := set(data) - set(self.fields)):
            raise serializers.ValidationError(f"unknown keys {sorted(unknown)}", "invalid_filters")
        return super().to_internal_value(data)


class ImageListQuerySerializer(ImageFilterSerializer):
    has_annotations = serializers.BooleanField(required=False, allow_null=True, default=None)
    excluded = serializers.BooleanField(required=False, allow_null=True, default=None)
    open_issues = serializers.BooleanField(required=False, allow_null=True, default=None)
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


class BatchCreateSerializer(serializers.Serializer):
    image_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=10_000
    )
    assignee = serializers.CharField(
        allow_null=True, max_length=150, help_text="A member's username; null: nobody yet."
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    due = serializers.DateField(required=False, allow_null=True, default=None)
    move = serializers.BooleanField(
        required=False, default=False,
        help_text="Move images already in another batch here (else 409 already_batched).",
    )  # fmt: skip
    gold = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=50,
        help_text="Gold checks to mix in, unannounced: gold images (with reference labels) the "
        "assignee labels blind and is scored on.",
    )  # fmt: skip


class BatchSplitSerializer(serializers.Serializer):
    filter = ImageFilterSerializer(
        required=False,
        default=dict,
        help_text="Which images (the image list's filters); only those in no batch are taken.",
    )
    assignees = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, max_length=100
    )
    size = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=10_000,
        help_text="Images per batch, dealt round-robin; none: one even batch each.",
    )
    limit = serializers.IntegerField(required=False, default=10_000, min_value=1, max_value=10_000)
    order = serializers.ChoiceField(
        choices=["id", "uncertain", "uniqueness", "mistakenness"], required=False, default="id",
        help_text="Which images `limit` takes first: uniqueness (with limit N) hands out the N "
        "most unique, as the image list orders them.",
    )  # fmt: skip
    due = serializers.DateField(required=False, allow_null=True, default=None)
    gold = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=50,
        help_text="Gold checks to mix into each batch, unannounced: gold images (with reference labels) the "
        "assignee labels blind and is scored on.",
    )  # fmt: skip


class BatchPatchSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, allow_null=True, max_length=150)
    name = serializers.CharField(required=False, max_length=100)
    due = serializers.DateField(required=False, allow_null=True)


class BatchListQuerySerializer(serializers.Serializer):
    assignee = serializers.CharField(
        required=False, max_length=150, help_text='"me", a username, or "none".'
    )
    project = serializers.IntegerField(required=False, min_value=1)


class IssueInSerializer(serializers.Serializer):
    x = serializers.FloatField(help_text="Image pixels.")
    y = serializers.FloatField()
    comment = serializers.CharField(max_length=1000)
    annotation_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The box it is about."
    )


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    issues = serializers.ListField(
        child=IssueInSerializer(), required=False, default=list, max_length=100,
        help_text="Where and what to fix; a rejection needs at least one.",
    )  # fmt: skip


class IssuePatchSerializer(serializers.Serializer):
    resolved = serializers.BooleanField()
