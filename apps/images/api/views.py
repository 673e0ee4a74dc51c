from urllib.parse import urlencode

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.annotations.attempts import attempt_set_status
from apps.annotations.selectors import attempt_open
from apps.annotations.services import upload_with_tags
from apps.core.exceptions import ApplicationError, request_fields
from apps.core.schema import error_responses, page_of
from apps.images import services
from apps.images.selectors import (
    ImageFilters,
    image_get_for_user,
    image_mask_blind,
    image_neighbors,
    image_page,
    image_split_counts,
    image_videos,
)
from apps.images.serializers import ImageSerializer
from apps.projects.models import Project, Role
from apps.projects.selectors import project_get_for_user

from .files import serve_image
from .serializers import (
    ImageListQuerySerializer,
    ImagePatchSerializer,
    ImageUploadSerializer,
    NeighborsSerializer,
    SplitSerializer,
    UploadResultSerializer,
)


def _filters(request: Request, project: Project) -> tuple[ImageFilters, dict]:
    query = ImageListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    params = query.validated_data
    if params.get("label") is not None and not project.labels.filter(pk=params["label"]).exists():
        raise ApplicationError("Unknown label for this project.", code="unknown_label")
    filters = ImageFilters(
        status=params.get("status"),
        stage=params.get("stage"),
        open_issues=params.get("open_issues"),
        split=params.get("split"),
        label=params.get("label"),
        source=params.get("source"),
        has_annotations=params.get("has_annotations"),
        review=params.get("review"),
        video=params.get("video"),
        frame_from=params.get("frame_from"),
        frame_to=params.get("frame_to"),
        excluded=params.get("excluded"),
        ids=params.get("ids"),
        batch=params.get("batch"),
        order=params.get("order", "id"),
    )
    if filters.batch is not None and not project.batches.filter(pk=filters.batch).exists():
        raise ApplicationError("Unknown batch for this project.", code="unknown_batch")
    return filters, params


class ImageListView(APIView):
    @extend_schema(parameters=[ImageListQuerySerializer], responses=page_of(ImageSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        filters, params = _filters(request, project)
        rows, next_after = image_page(
            project=project,
            filters=filters,
            after=params.get("after"),
            page_size=params["page_size"],
        )
        next_url = None
        if next_after is not None:
            query_args = {k: v for k, v in request.query_params.items() if k != "after"}
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**query_args, 'after': next_after})}"
            )
        rows = image_mask_blind(images=rows, user=request.user)
        return Response({"results": ImageSerializer(rows, many=True).data, "next": next_url})

    @extend_schema(
        request=ImageUploadSerializer,
        responses={
            201: UploadResultSerializer,
            200: UploadResultSerializer,
            **error_responses(507),
        },
        description="201: images stored; 200: every file was already in the project; 507: "
        "the file store refused a write (nothing stored); "
        "400/413: nothing stored (the body also lists the files' errors).",
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        body = request_fields(request)
        fields = {k: body.get(k) for k in ("label", "layout") if k in body}
        data = ImageUploadSerializer(data={**fields, "files": request.FILES.getlist("files")})
        data.is_valid(raise_exception=True)
        label = None
        if "label" in data.validated_data:
            label = project.labels.filter(pk=data.validated_data["label"]).first()
            if label is None:
                raise ApplicationError("Unknown label for this project.", code="unknown_label")
        result = upload_with_tags(
            project=project,
            user=request.user,
            files=data.validated_data["files"],
            label=label,
            layout=data.validated_data["layout"],
        )
        body = UploadResultSerializer(result).data
        if result.created:
            return Response(body, status=201)
        if result.duplicates and not result.errors:
            return Response(body, status=200)
        too_large = result.errors and all(e["code"] == "too_large" for e in result.errors)
        first = result.errors[0] if result.errors else {"detail": "Nothing to import."}
        return Response(
            {
                "detail": f"{first.get('file', '')}: {first['detail']}".lstrip(": "),
                "code": "too_large" if too_large else "invalid_upload",
                **body,
            },
            status=413 if too_large else 400,
        )


class ImageDetailView(APIView):
    @extend_schema(responses=ImageSerializer)
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        (image,) = image_mask_blind(images=[image], user=request.user)
        return Response(ImageSerializer(image).data)

    @extend_schema(
        request=ImagePatchSerializer, responses=ImageSerializer,
        description="On an image you label blind (a gold check or a consensus image), "
        "`status` marks your own attempt done or not; the image is left as it is.",
    )  # fmt: skip
    def patch(self, request: Request, image_id: int) -> Response:
        image, role = image_get_for_user(image_id=image_id, user=request.user)
        data = ImagePatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        attempt = attempt_open(image=image, user=request.user)
        if attempt is not None and "status" in fields:
            image = attempt_set_status(attempt=attempt, user=request.user,
                                       status=fields.pop("status"))  # fmt: skip
        if fields or attempt is None:
            image = services.image_update(image=image, role=role, data=fields, user=request.user)
            (image,) = image_mask_blind(images=[image], user=request.user)
        return Response(ImageSerializer(image).data)


class ImageNeighborsView(APIView):
    @extend_schema(parameters=[ImageListQuerySerializer], responses=NeighborsSerializer)
    def get(self, request: Request, image_id: int) -> Response:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        filters, _ = _filters(request, image.project)
        return Response(image_neighbors(image=image, filters=filters))


class ImageFileView(APIView):
    @extend_schema(responses={(200, "image/*"): bytes})
    def get(self, request: Request, image_id: int) -> FileResponse:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        return serve_image(image.file.name, image.format, image.filename)


class ImageThumbnailView(APIView):
    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request: Request, image_id: int) -> FileResponse:
        image, _ = image_get_for_user(image_id=image_id, user=request.user)
        return serve_image(image.thumbnail.name, "JPEG", image.filename)


class ProjectVideosView(APIView):
    @extend_schema(
        responses={200: dict, **error_responses(401, 404)},
        description="The videos this project's frames came from: {results: [{video, frames, "
        "start, end}]}, times in seconds.",
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response({"results": image_videos(project=project)})


class ProjectSplitView(APIView):
    @extend_schema(
        responses={200: dict, **error_responses(401, 404)},
        description="Images per split now: {counts: {...}}.",
    )
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response({"counts": image_split_counts(project=project)})

    @extend_schema(request=SplitSerializer, responses={200: dict})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        assigned = services.image_split_random(
            project=project,
            ratios={k: params[k] for k in ("train", "val", "test")},
            seed=params["seed"],
            only_unassigned=params["only_unassigned"],
        )
        return Response({"assigned": assigned, "counts": image_split_counts(project=project)})
