"""Predict endpoints, for project members and the project's service tokens."""

import functools
from collections.abc import Mapping
from typing import Any

from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.exceptions import NotFound, request_fields
from apps.core.schema import error_responses
from apps.models.models import ModelVersion
from apps.models.registry.selectors import model_version_get_for_user
from apps.models.serving import inference
from apps.models.serving.auth import ServiceTokenAuthentication, service_project_id
from apps.projects.models import Role
from apps.projects.selectors import require_role

from .serializers import (
    PredictJsonSerializer,
    PredictOptionsSerializer,
    PredictRequestSerializer,
    PredictResponseSerializer,
)

OPTION_KEYS = ("top_k", "threshold", "task", "rle")
PREDICT_SCHEMA = extend_schema(
    request={
        "multipart/form-data": PredictRequestSerializer,
        "application/json": PredictJsonSerializer,
    },
    parameters=[PredictOptionsSerializer],
    responses={200: PredictResponseSerializer, **error_responses(409)},
    description="Options come from the query string or the body. 409: no model is ready. "
    "Segmentation versions (task segment or semantic) answer polygons per instance or class "
    "region, and with rle=true each one's mask as COCO compressed RLE too.",
)


def predict_options(query: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """From the query string, or the form / JSON body (which wins)."""
    raw = {k: query[k] for k in OPTION_KEYS if k in query}
    raw.update({k: body[k] for k in OPTION_KEYS if body.get(k) is not None})
    if all(isinstance(v, str | int | float) for v in raw.values()):
        return dict(_validated(tuple(sorted(raw.items()))))
    return _validate(raw)


@functools.lru_cache(maxsize=1024)
def _validated(raw: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    """Clients send the same few options again and again; validating them costs ~0.3 ms."""
    return tuple(_validate(dict(raw)).items())


def _validate(raw: dict[str, Any]) -> dict[str, Any]:
    options = PredictOptionsSerializer(data=raw)
    options.is_valid(raise_exception=True)
    return dict(options.validated_data)


def predict_files(files: MultiValueDict) -> list[Any]:
    return files.getlist("image") + files.getlist("images")


def _inputs(request: Request) -> list[inference.PredictInput]:
    if request.content_type.startswith("multipart/"):
        return inference.decode_inputs(files=predict_files(request.FILES), encoded=[])
    body = request_fields(request)
    encoded = list(body.get("images") or [])
    if body.get("image") is not None:
        encoded.insert(0, body["image"])
    return inference.decode_inputs(files=[], encoded=encoded)


class _PredictView(APIView):
    authentication_classes = [
        ServiceTokenAuthentication,
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    ]
    parser_classes = [MultiPartParser, JSONParser]

    def resolve(self, request: Request, task: str | None, pk: int) -> ModelVersion:
        raise NotImplementedError

    def _post(self, request: Request, pk: int) -> Response:
        options = predict_options(request.query_params, request_fields(request))
        version = self.resolve(request, options.get("task"), pk)  # permission checks first
        result = inference.predict(version=version, inputs=_inputs(request),
                                   top_k=options["top_k"], threshold=options["threshold"],
                                   rle=options["rle"])  # fmt: skip
        return Response(result)


class ProjectPredictView(_PredictView):
    """The project's production model."""

    def resolve(self, request: Request, task: str | None, pk: int) -> ModelVersion:
        bound = service_project_id(request)
        if bound is None:
            require_role(project_id=pk, user=request.user, min_role=Role.ANNOTATOR)
        elif bound != pk:
            raise NotFound("Project not found.")
        return inference.production_version(project_id=pk, task=task)

    @PREDICT_SCHEMA
    def post(self, request: Request, project_id: int) -> Response:
        return self._post(request, project_id)


class VersionPredictView(_PredictView):
    def resolve(self, request: Request, task: str | None, pk: int) -> ModelVersion:
        bound = service_project_id(request)
        if bound is None:
            return model_version_get_for_user(version_id=pk, user=request.user)
        version = ModelVersion.objects.filter(pk=pk, project_id=bound).first()
        if version is None:
            raise NotFound("Model version not found.")
        return version

    @PREDICT_SCHEMA
    def post(self, request: Request, version_id: int) -> Response:
        return self._post(request, version_id)
