"""Request bodies and query strings of the autolabel endpoints."""

from rest_framework import serializers

from apps.images.api.serializers import FiltersBodySerializer
from apps.models.models import AutoAnnotateMode, AutoAnnotateScope


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
    filters = FiltersBodySerializer(required=False, default=dict)
    threshold = serializers.FloatField(default=0.5, min_value=0.0, max_value=1.0)
