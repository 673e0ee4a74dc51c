from rest_framework import serializers

from apps.datasets.models import EXPORT_FORMATS, IMPORT_FORMATS


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=IMPORT_FORMATS, default="auto")


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)
    filter = serializers.DictField(required=False, default=dict)
    include_images = serializers.BooleanField(default=True)
