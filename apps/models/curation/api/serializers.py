"""Request bodies and query strings of the curation endpoints."""

from rest_framework import serializers

from apps.annotations.serializers import BoxSerializer
from apps.images.models import Split
from apps.models.models import Task


class EmbeddingsStartSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        min_value=1, allow_null=True, required=False, default=None,
        help_text="A ready version of this project (its penultimate layer); null: a perceptual hash.",
    )  # fmt: skip


class SpaceQuerySerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        min_value=1, required=False, default=None, allow_null=True,
        help_text="Whose embeddings (default: the perceptual hash).",
    )  # fmt: skip


class DuplicatesQuerySerializer(SpaceQuerySerializer):
    threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, default=None, allow_null=True,
        help_text="Largest distance within a group: a fraction of the 64 hash bits, or 1 - cosine "
        "for a model (default 0.1 and 0.05).",
    )  # fmt: skip


class DuplicateReportSerializer(serializers.Serializer):
    space = serializers.CharField()
    metric = serializers.ChoiceField(choices=["hamming", "cosine"])
    threshold = serializers.FloatField()
    embedded = serializers.IntegerField(help_text="Images with a vector in this space.")
    images = serializers.IntegerField(help_text="Images in the project.")
    groups = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()))
    splits = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    excluded = serializers.ListField(child=serializers.ListField(child=serializers.BooleanField()))
    leaks = serializers.ListField(
        child=serializers.BooleanField(), help_text="Per group: it spans train, val and/or test."
    )


class SpaceSerializer(serializers.Serializer):
    space = serializers.CharField()
    images = serializers.IntegerField()
    model_version = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()


class ImageStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    excluded = serializers.BooleanField()
    split = serializers.ChoiceField(choices=Split.choices)
    sample_weight = serializers.FloatField(min_value=0.001, max_value=1000)


class CurationActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["exclude", "include", "gold", "split", "restore"])
    image_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, max_length=10000
    )
    split = serializers.ChoiceField(choices=Split.choices, required=False, allow_null=True,
                                    default=None)  # fmt: skip
    images = ImageStateSerializer(many=True, required=False, default=list,
                                  help_text="restore: an answer's `before`.")  # fmt: skip


class ChangeSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    before = ImageStateSerializer(
        many=True, help_text="Send as `images` with action restore to undo."
    )


class DiverseSerializer(SpaceQuerySerializer):
    n = serializers.IntegerField(min_value=1, max_value=10000)
    split = serializers.ChoiceField(choices=[s for s in Split.values if s != "unassigned"])


class OpinionVersionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    architecture = serializers.CharField()
    task = serializers.ChoiceField(choices=Task.choices)


class SuspectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["wrong_label", "missing", "spurious"],
        help_text="wrong_label: the model is sure of another class; missing: it found something "
        "nobody labelled; spurious: it sees nothing where a box was drawn.",
    )
    score = serializers.FloatField()
    label = serializers.CharField(allow_null=True, help_text="The model's class.")
    given = serializers.CharField(allow_null=True, help_text="The label people gave.")
    box = BoxSerializer(allow_null=True)


class OpinionSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    model_version = OpinionVersionSerializer(
        allow_null=True, help_text="null: no model has looked at the image yet."
    )
    labelled = serializers.BooleanField(help_text="Whether people labelled the image.")
    score = serializers.FloatField(
        allow_null=True, help_text="Likely label error, 0..1 (null: nothing labelled to judge)."
    )
    suspects = SuspectSerializer(many=True)
    predictions = serializers.ListField(
        child=serializers.DictField(),
        help_text="classify: [{label, confidence}] top classes; detect: [{label, score, box}].",
    )


class MapLabelSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField()


class EmbeddingMapSerializer(serializers.Serializer):
    """Column by column: point k is (ids[k], x[k], y[k]) with label[k], split[k], ..."""

    space = serializers.CharField()
    method = serializers.ChoiceField(choices=["umap", "pca"])
    count = serializers.IntegerField(help_text="Points on the map.")
    total = serializers.IntegerField(help_text="Images in the project.")
    ids = serializers.ListField(child=serializers.IntegerField())
    x = serializers.ListField(child=serializers.FloatField(), help_text="0..1")
    y = serializers.ListField(child=serializers.FloatField(), help_text="0..1")
    label = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text="Its first label's id."
    )
    split = serializers.ListField(child=serializers.ChoiceField(choices=Split.choices))
    uniqueness = serializers.ListField(child=serializers.FloatField(allow_null=True))
    mistakenness = serializers.ListField(child=serializers.FloatField(allow_null=True))
    excluded = serializers.ListField(child=serializers.BooleanField())
    labels = MapLabelSerializer(many=True)
