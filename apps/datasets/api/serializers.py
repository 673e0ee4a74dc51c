from rest_framework import serializers

from apps.datasets.models import EXPORT_FORMATS, IMPORT_FORMATS


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=IMPORT_FORMATS, default="auto")
    every_n_frames = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, help_text="Video: keep every Nth frame."
    )
    fps = serializers.FloatField(
        required=False, min_value=0.001, max_value=240, help_text="Video: frames kept a second."
    )
    start = serializers.FloatField(required=False, min_value=0, help_text="Video: from (s).")
    end = serializers.FloatField(required=False, min_value=0, help_text="Video: to (s).")
    dedupe_distance = serializers.IntegerField(
        required=False, min_value=0, max_value=64,
        help_text="Video: skip a frame within this many bits (of 64) of the last kept "
                  "one's perceptual hash; 0 keeps all.",
    )  # fmt: skip

    OPTIONS = ("every_n_frames", "fps", "start", "end", "dedupe_distance")


class ExportCreateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS)
    filter = serializers.DictField(required=False, default=dict)
    include_images = serializers.BooleanField(default=True)
