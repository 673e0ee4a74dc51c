"""Request bodies and query strings of the training endpoints."""

from rest_framework import serializers

from apps.models.models import Source, Task


class SourceFields(serializers.Serializer):
    """What the run learns from (the Dataset tab's scale classes make a two-stage pipeline)."""

    source = serializers.ChoiceField(
        choices=Source.choices, required=False, default="", allow_blank=True,
        help_text="classify: tags (default) or crops (each box cut out, by its label); detect: "
        "boxes (default) or scale_classes (boxes by their scale class).",
    )  # fmt: skip
    scale_class = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True,
        help_text="With source=crops: only the boxes of this scale class.",
    )  # fmt: skip


class RunCreateSerializer(SourceFields):
    task = serializers.ChoiceField(choices=Task.choices)
    architecture = serializers.CharField(max_length=64)
    params = serializers.DictField(required=False, default=dict)
    init_from = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class DataCheckQuerySerializer(SourceFields):
    task = serializers.ChoiceField(choices=Task.choices)


class DataIssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class DataCheckSerializer(serializers.Serializer):
    """What a run started now would train on, and what stops it or makes its figures weak."""

    task = serializers.CharField()
    source = serializers.ChoiceField(choices=Source.choices)
    ok = serializers.BooleanField(help_text="False when `errors` would stop the run.")
    images = serializers.IntegerField(
        help_text="Samples the snapshot would hold: images, or box crops."
    )
    left_out = serializers.IntegerField(
        help_text="Project images with nothing to learn from (boxes too small, for crops)."
    )
    splits = serializers.DictField(child=serializers.IntegerField())
    classes = serializers.ListField(child=serializers.DictField())
    errors = DataIssueSerializer(many=True)
    warnings = DataIssueSerializer(many=True)


class MetricQuerySerializer(serializers.Serializer):
    after_step = serializers.IntegerField(required=False, min_value=-1)


class LogQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, default=0)


class MetricPointSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    epoch = serializers.IntegerField()
    name = serializers.CharField()
    value = serializers.FloatField()


class MetricPageSerializer(serializers.Serializer):
    """Points after `after_step`; `last_step` is the step to ask after next time."""

    results = MetricPointSerializer(many=True)
    last_step = serializers.IntegerField(allow_null=True)


class LogPageSerializer(serializers.Serializer):
    """The log from `offset` on; the next read starts at the `offset` returned."""

    text = serializers.CharField(allow_blank=True)
    offset = serializers.IntegerField()


class ArchitectureSerializer(serializers.Serializer):
    name = serializers.CharField()
    task = serializers.CharField()
    title = serializers.CharField()
    defaults = serializers.DictField()
    weights_file = serializers.CharField(allow_null=True)
    takes_anchors = serializers.BooleanField()


class ParamSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    default = serializers.JSONField(allow_null=True)
    choices = serializers.ListField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class ArchitectureListSerializer(serializers.Serializer):
    results = ArchitectureSerializer(many=True)
    params = ParamSerializer(many=True)


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    host = serializers.CharField()
    queues = serializers.ListField(child=serializers.CharField())
    device = serializers.CharField(help_text="cpu or cuda (train/infer workers); empty otherwise.")
    gpu_index = serializers.CharField(allow_null=True)
    gpu_name = serializers.CharField()
    gpu_memory_mb = serializers.IntegerField()
    gpu_count = serializers.IntegerField(
        help_text="GPUs this worker sees: the most a run here may ask for with `gpus`."
    )
    pins = serializers.ListField(
        child=serializers.CharField(),
        help_text="Values a run's `worker` param may take to run here.",
    )
    state = serializers.CharField(help_text="busy, idle, suspended, ...")
    current_job = serializers.CharField(allow_null=True)
    last_heartbeat = serializers.DateTimeField(allow_null=True)
