from rest_framework import serializers

from apps.datasets.models import EXPORT_FORMATS, IMPORT_FORMATS
from apps.images.models import Split


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


class BoxFilterSerializer(serializers.Serializer):
    """Which boxes a workbench tool looks at: one label's, one split's, or all."""

    label = serializers.IntegerField(required=False, help_text="A label id of the project.")
    split = serializers.ChoiceField(choices=Split.choices, required=False)
    image = serializers.IntegerField(required=False, help_text="One image of the project.")

    def validate_label(self, value: int) -> int:
        if not self.context["project"].labels.filter(pk=value).exists():
            raise serializers.ValidationError("That label is not in this project.")
        return value

    def validate_image(self, value: int) -> int:
        if not self.context["project"].images.filter(pk=value).exists():
            raise serializers.ValidationError("That image is not in this project.")
        return value


class ClustersQuerySerializer(BoxFilterSerializer):
    k = serializers.IntegerField(min_value=1, max_value=20, default=3)
    mode = serializers.ChoiceField(choices=["compute", "fit"], default="compute",
                                   help_text="compute: raw width/height in pixels; fit: as "
                                             "fractions of the image's size.")  # fmt: skip


class AnchorsQuerySerializer(BoxFilterSerializer):
    k = serializers.IntegerField(min_value=1, max_value=20, default=9)
    image_size = serializers.IntegerField(min_value=32, max_value=2048, default=512)


class ToolSerializer(BoxFilterSerializer):
    dry_run = serializers.BooleanField(default=False, help_text="Count and show, change nothing.")
    TOOL_PARAMS: tuple[str, ...] = ()


class RemoveSmallBoxesSerializer(ToolSerializer):
    min_width = serializers.FloatField(min_value=0, max_value=100_000)
    min_height = serializers.FloatField(min_value=0, max_value=100_000)
    TOOL_PARAMS = ("min_width", "min_height")


class RemoveDuplicatesSerializer(ToolSerializer):
    iou = serializers.FloatField(min_value=0.5, max_value=0.999, default=0.95)
    TOOL_PARAMS = ("iou",)


class FixOutsideSerializer(ToolSerializer):
    mode = serializers.ChoiceField(choices=["clip", "remove"], default="clip")
    TOOL_PARAMS = ("mode",)


class ClusterSerializer(serializers.Serializer):
    """One cluster of the Shape clusters view: k-means with k and mode, the index-th centre
    (smallest ratio first)."""

    k = serializers.IntegerField(min_value=1, max_value=20)
    mode = serializers.ChoiceField(choices=["compute", "fit"], default="compute")
    index = serializers.IntegerField(min_value=0, max_value=19)


class NormalizeAspectSerializer(ToolSerializer):
    label = serializers.IntegerField(required=False, help_text="Every box of this label.")
    cluster = ClusterSerializer(required=False, help_text="Or (and) the boxes of one cluster.")
    ratio = serializers.FloatField(min_value=0.05, max_value=20, help_text="Width / height.")
    TOOL_PARAMS = ("ratio", "cluster")

    def validate(self, attrs: dict) -> dict:
        if "label" not in attrs and "cluster" not in attrs:
            raise serializers.ValidationError("Give a label or a cluster (or both).")
        attrs.setdefault("cluster", None)
        return attrs


class ScaleClassesSerializer(ToolSerializer):
    k = serializers.IntegerField(min_value=1, max_value=20, default=3)
    mode = serializers.ChoiceField(choices=["compute", "fit"], default="compute")
    names = serializers.ListField(child=serializers.CharField(max_length=64, allow_blank=True),
                                  required=False, default=list, max_length=20,
                                  help_text="A name per cluster, smallest ratio first; "
                                            "missing ones are named by their shape.")  # fmt: skip
    TOOL_PARAMS = ("k", "mode", "names")


class RemoveSmallShapesSerializer(ToolSerializer):
    min_area = serializers.FloatField(
        min_value=0, max_value=100_000_000,
        help_text="px²: polygons of less area (outline less holes) go, and masks' regions "
                  "(8-connected) of fewer pixels; a mask left empty goes.",
    )  # fmt: skip
    TOOL_PARAMS = ("min_area",)
