"""Label quality: gold-check scores per annotator and label (managers), and consensus:
send images to several annotators blind (managers), see and merge what they labelled
(reviewers)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import ApplicationError, request_fields
from apps.core.schema import error_responses, page_of
from apps.images.api.serializers import ImageFilterSerializer
from apps.images.selectors import ImageFilters, image_get_for_user, image_queryset
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user
from apps.team.selectors import consensus_detail, consensus_list, gold_report
from apps.team.services import MAX_CONSENSUS_IMAGES, consensus_merge, consensus_send

from .views import WindowSerializer, since_of


class ScoresSerializer(serializers.Serializer):
    agreement = serializers.FloatField(
        allow_null=True,
        help_text="The mean of tag accuracy, box F1 (IoU 0.5) and shape F1 (polygons and "
        "masks, mask IoU 0.5), over those that exist.",
    )
    tag_accuracy = serializers.FloatField(allow_null=True)
    precision = serializers.FloatField(allow_null=True, help_text="Their boxes that match gold.")
    recall = serializers.FloatField(allow_null=True, help_text="Gold boxes they found.")
    mean_iou = serializers.FloatField(allow_null=True, help_text="Over the matched boxes.")
    reference_boxes = serializers.IntegerField()
    boxes = serializers.IntegerField()
    matched = serializers.IntegerField()
    tag_decisions = serializers.IntegerField()
    shape_precision = serializers.FloatField(
        allow_null=True, help_text="Their polygons and masks that match gold (mask IoU 0.5)."
    )
    shape_recall = serializers.FloatField(allow_null=True, help_text="Gold shapes they found.")
    shape_mean_iou = serializers.FloatField(allow_null=True, help_text="Over the matched shapes.")
    reference_shapes = serializers.IntegerField()
    shapes = serializers.IntegerField()
    shapes_matched = serializers.IntegerField()


class LabelScoresSerializer(ScoresSerializer):
    label = serializers.CharField()


class GoldRowSerializer(ScoresSerializer):
    username = serializers.CharField()
    checks = serializers.IntegerField(help_text="Gold checks submitted (all time).")
    by_label = LabelScoresSerializer(many=True)


class GoldReportView(APIView):
    @extend_schema(parameters=[WindowSerializer], responses=GoldRowSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.MANAGER)  # fmt: skip
        return Response(gold_report(project=project, since=since_of(request)))


class ConsensusSendSerializer(serializers.Serializer):
    image_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=MAX_CONSENSUS_IMAGES,
        required=False, help_text="These images; or give `filter`.",
    )  # fmt: skip
    filter = ImageFilterSerializer(
        required=False, help_text="The images the image list's filters pick (the first 1,000)."
    )
    annotators = serializers.ListField(
        child=serializers.CharField(max_length=150), max_length=20,
        help_text="Members' usernames: each labels every image, blind to the others.",
    )  # fmt: skip
    due = serializers.DateField(required=False, allow_null=True, default=None)


class ConsensusPersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    submitted = serializers.BooleanField()


class ConsensusRowSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    filename = serializers.CharField()
    annotators = ConsensusPersonSerializer(many=True)
    submitted = serializers.IntegerField()
    agreement = serializers.FloatField(allow_null=True, help_text="Once two have submitted.")


class ProjectConsensusView(APIView):
    # JSON only: a thousand ids as form fields trip Django's field-count limit (an HTML 400)
    parser_classes = [JSONParser]

    @extend_schema(responses=page_of(ConsensusRowSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.REVIEWER)  # fmt: skip
        return Response({"results": consensus_list(project=project), "next": None})

    @extend_schema(
        request=ConsensusSendSerializer,
        responses={201: inline_serializer("ConsensusSent", {
            "batches": serializers.ListField(child=serializers.IntegerField()),
            "skipped": serializers.IntegerField(help_text="Images a person had labelled blind before."),
        })},
    )  # fmt: skip
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user,
                                       min_role=Role.MANAGER)  # fmt: skip
        data = ConsensusSendSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        if "filter" in params:
            filters = ImageFilters(**params.pop("filter"))
            picked = image_queryset(project=project, filters=filters).order_by("id")
            params["image_ids"] = list(picked.values_list("id", flat=True)[:MAX_CONSENSUS_IMAGES])
        elif "image_ids" not in params:
            raise ApplicationError("Give image_ids or a filter.", code="invalid")
        sent = consensus_send(project=project, user=request.user, **params)
        return Response(sent, status=status.HTTP_201_CREATED)


class BoxVoteSerializer(serializers.Serializer):
    label = serializers.CharField()
    box = serializers.DictField(child=serializers.FloatField())
    votes = serializers.IntegerField(required=False)
    mean_iou = serializers.FloatField(required=False, allow_null=True)


class ShapeVoteSerializer(serializers.Serializer):
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["polygon", "mask"])
    polygon = serializers.ListField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.FloatField())),
        allow_null=True, help_text="A polygon's rings (outline first), image pixels.",
    )  # fmt: skip
    mask = serializers.DictField(allow_null=True, help_text="A mask: {size: [h, w], counts}.")
    votes = serializers.IntegerField(required=False)
    mean_iou = serializers.FloatField(required=False, allow_null=True)


class TagVoteSerializer(serializers.Serializer):
    label = serializers.CharField()
    votes = serializers.IntegerField()


class AttemptLabelsSerializer(ConsensusPersonSerializer):
    tags = serializers.ListField(child=serializers.CharField())
    boxes = BoxVoteSerializer(many=True)
    shapes = ShapeVoteSerializer(many=True)


class MergedSerializer(serializers.Serializer):
    tags = TagVoteSerializer(many=True)
    boxes = BoxVoteSerializer(many=True)
    shapes = ShapeVoteSerializer(
        many=True, help_text="Polygons and masks fused by pixel vote (a polygon when all were)."
    )
    tag_votes = TagVoteSerializer(many=True)
    left_out_boxes = serializers.IntegerField(help_text="Boxes too few people drew.")
    left_out_shapes = serializers.IntegerField(help_text="Polygons and masks too few people drew.")


class ConsensusDetailSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    filename = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    annotators = AttemptLabelsSerializer(many=True)
    submitted = serializers.IntegerField()
    quorum = serializers.IntegerField(help_text="Votes a tag or box needs to be kept.")
    agreement = serializers.FloatField(allow_null=True)
    merged = MergedSerializer()
    current_labels = serializers.IntegerField(help_text="Labels the merge replaces.")


class QuorumSerializer(serializers.Serializer):
    quorum = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=20,
        help_text="Votes needed; default a strict majority of those who submitted.",
    )  # fmt: skip


class ImageConsensusView(APIView):
    @extend_schema(parameters=[QuorumSerializer], responses=ConsensusDetailSerializer)
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user, min_role=Role.REVIEWER)
        query = QuorumSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(consensus_detail(image=image, quorum=query.validated_data["quorum"]))


class ConsensusMergeView(APIView):
    @extend_schema(
        request=QuorumSerializer,
        responses={200: inline_serializer("ConsensusMerged", {
            "image": serializers.IntegerField(), "removed": serializers.IntegerField(),
            "tags": serializers.IntegerField(), "boxes": serializers.IntegerField(),
            "shapes": serializers.IntegerField(),
            "annotators": serializers.ListField(child=serializers.CharField()),
            "agreement": serializers.FloatField(),
        }), **error_responses(409)},
        description="409 not_enough_attempts: fewer than two annotators have submitted.",
    )  # fmt: skip
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user, min_role=Role.REVIEWER)
        data = QuorumSerializer(data=request_fields(request))
        data.is_valid(raise_exception=True)
        return Response(consensus_merge(image=image, user=request.user, **data.validated_data))
