"""Request bodies and query strings of the autolabel endpoints."""

from rest_framework import serializers

from apps.models.models import AutoAnnotateMode, AutoAnnotateScope


class AutoAnnotateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=AutoAnnotateMode.choices, default=AutoAnnotateMode.CLASSIFY
    )
    model_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    classifier_version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    scope = serializers.ChoiceField(
        choices=AutoAnnotateScope.choices, default=AutoAnnotateScope.UNLABELLED
    )
    filters = serializers.DictField(required=False, default=dict)
    threshold = serializers.FloatField(default=0.5, min_value=0.0, max_value=1.0)
