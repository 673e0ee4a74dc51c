"""Request bodies and query strings of the autolabel endpoints."""

from rest_framework import serializers

from apps.images.api.serializers import ImageFilterSerializer
from apps.models.models import AutoAnnotateMode, AutoAnnotateScope


class _FiltersSerializer(ImageFilterSerializer):
    def to_internal_value(self, data: object) -> dict:
        if isinstance(data, dict) and (unknown := set(data) - set(self.fields)):
            raise serializers.ValidationError(f"unknown keys {sorted(unknown)}", "invalid_filters")
        return super().to_internal_value(data)


class AutoAnnotateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=AutoAnnotateMode.choices, default=AutoAnnotateMode.CLASSIFY
    )
    model_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    classifier_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    classifiers = serializers.DictField(
        child=serializers.IntegerField(min_value=1), required=False, default=dict,
        help_text="two_stage: {detector class: classifier version id}, e.g. one classifier per "
        "scale class; classifier_version, if given, labels the other classes, else they keep "
        "the detector's label.",
    )  # fmt: skip
    scope = serializers.ChoiceField(
        choices=AutoAnnotateScope.choices, default=AutoAnnotateScope.UNLABELLED
    )
    filters = _FiltersSerializer(required=False, default=dict)
    threshold = serializers.FloatField(default=0.5, min_value=0.0, max_value=1.0)
