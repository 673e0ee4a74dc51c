from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.annotations import services
from apps.annotations.assist import image_segment
from apps.annotations.selectors import (
    annotation_event_get_for_user,
    annotation_event_list,
    annotation_get_by_client_id,
    annotation_get_for_user,
    annotation_list,
    annotation_worker,
)
from apps.annotations.serializers import AnnotationSerializer
from apps.annotations.transform import Crop, image_crop
from apps.core.schema import error_responses, page_of
from apps.images.selectors import image_get_for_user
from apps.images.serializers import ImageSerializer
from apps.projects.models import Role

from .serializers import (
    AnnotationCreateSerializer,
    AnnotationEventSerializer,
    AnnotationPatchSerializer,
    AnnotationVersionSerializer,
    ImageCropSerializer,
    ImageReviewSerializer,
    ReviewSerializer,
    SegmentedSerializer,
    SegmentSerializer,
)

STALE = "409: `version` is stale; the body holds the current annotation."


class ImageAnnotationListView(APIView):
    @extend_schema(responses=page_of(AnnotationSerializer))
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        rows = annotation_list(
            image=image, worker=annotation_worker(image=image, user=request.user)
        )
        return Response({"results": AnnotationSerializer(rows, many=True).data, "next": None})

    @extend_schema(request=AnnotationCreateSerializer, responses={201: AnnotationSerializer})
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        data = AnnotationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client_id = data.validated_data.get("client_id")
        worker = annotation_worker(image=image, user=request.user)
        if client_id and (
            replayed := annotation_get_by_client_id(image=image, client_id=client_id, worker=worker)
        ):
            return Response(AnnotationSerializer(replayed).data, status=status.HTTP_200_OK)
        annotation = services.annotation_create(
            image=image,
            user=request.user,
            kind=data.validated_data["kind"],
            label_id=data.validated_data["label"],
            box=data.validated_data.get("box"),
            polygon=data.validated_data.get("polygon"),
            mask=data.validated_data.get("mask"),
            client_id=client_id,
            worker=worker,
        )
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED)


class AnnotationDetailView(APIView):
    @extend_schema(responses=AnnotationSerializer)
    def get(self, request: Request, annotation_id: int) -> Response:
        annotation = annotation_get_for_user(
            annotation_id=annotation_id, user=request.user, min_role=Role.ANNOTATOR
        )
        return Response(AnnotationSerializer(annotation).data)

    @extend_schema(
        request=AnnotationPatchSerializer,
        responses={200: AnnotationSerializer, **error_responses(409)},
        description=STALE,
    )
    def patch(self, request: Request, annotation_id: int) -> Response:
        annotation_get_for_user(
            annotation_id=annotation_id, user=request.user, min_role=Role.ANNOTATOR
        )
        data = AnnotationPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        version = fields.pop("version")
        annotation = services.annotation_update(
            annotation_id=annotation_id, user=request.user, version=version, data=fields
        )
        return Response(AnnotationSerializer(annotation).data)

    @extend_schema(
        request=AnnotationVersionSerializer,
        parameters=[OpenApiParameter("version", int, required=False)],
        responses={204: None, **error_responses(400, 409)},
        description=STALE + " The version comes in the body or the query string.",
    )
    def delete(self, request: Request, annotation_id: int) -> Response:
        annotation_get_for_user(
            annotation_id=annotation_id, user=request.user, min_role=Role.ANNOTATOR
        )
        body = request.data if request.data else request.query_params
        data = AnnotationVersionSerializer(data=body)
        data.is_valid(raise_exception=True)
        services.annotation_delete(
            annotation_id=annotation_id, user=request.user, version=data.validated_data["version"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ImageHistoryView(APIView):
    @extend_schema(responses=page_of(AnnotationEventSerializer))
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        blind = annotation_worker(image=image, user=request.user) is not None
        events = [] if blind else annotation_event_list(image=image)[:500]
        return Response(
            {"results": AnnotationEventSerializer(events, many=True).data, "next": None}
        )


class AnnotationEventRevertView(APIView):
    @extend_schema(
        request=None,
        responses={201: AnnotationEventSerializer, **error_responses(409)},
        description="409: the annotation changed since this event.",
    )
    def post(self, request: Request, event_id: int) -> Response:
        event = annotation_event_get_for_user(
            event_id=event_id, user=request.user, min_role=Role.ANNOTATOR
        )
        new_event = services.annotation_event_revert(event=event, user=request.user)
        return Response(AnnotationEventSerializer(new_event).data, status=status.HTTP_201_CREATED)


class AnnotationReviewView(APIView):
    @extend_schema(request=ReviewSerializer, responses=AnnotationSerializer)
    def post(self, request: Request, annotation_id: int) -> Response:
        annotation_get_for_user(
            annotation_id=annotation_id, user=request.user, min_role=Role.ANNOTATOR
        )
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = services.annotation_review(
            annotation_id=annotation_id, user=request.user, **data.validated_data
        )
        return Response(AnnotationSerializer(annotation).data)


class ImageReviewView(APIView):
    """Accept (or reject) every pending prediction on the image scoring >= min_score."""

    @extend_schema(request=ImageReviewSerializer, responses=page_of(AnnotationSerializer))
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        data = ImageReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.image_review_pending(
            image=image, user=request.user, **data.validated_data
        )
        return Response({"results": AnnotationSerializer(changed, many=True).data, "next": None})


class ImageSegmentView(APIView):
    """The segmentation assist: Segment-Anything when its weights are in the weights folder,
    else GrabCut, on the box (and clicks); nothing stored."""

    @extend_schema(request=SegmentSerializer, responses=SegmentedSerializer)
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        data = SegmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        found = image_segment(image=image, **data.validated_data)
        polygon = found.polygon[0] if found.polygon and len(found.polygon) == 1 else found.polygon
        return Response({"polygon": polygon, "mask": found.mask, "ms": found.ms,
                         "method": found.method, "fallback": found.fallback})  # fmt: skip


class ImageCropView(APIView):
    """The labeller's Transform: a new image from a region (turned by a small angle) of this
    one, with the boxes inside and its tags, linked to it."""

    @extend_schema(request=ImageCropSerializer, responses={201: ImageSerializer, 200: ImageSerializer,
                                                           **error_responses(400)},
                   description="201: a new image; 200: these pixels were already in the project.")  # fmt: skip
    def post(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user, min_role=Role.MANAGER)
        data = ImageCropSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made, created = image_crop(image=image, user=request.user, crop=Crop(**data.validated_data))
        return Response(ImageSerializer(made).data, status=201 if created else 200)
