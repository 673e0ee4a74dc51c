"""Service tokens: owners create (the key is shown once), list and revoke them."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import error_responses, page_of
from apps.models.serving.selectors import service_token_get_for_user, service_token_list
from apps.models.serving.serializers import ServiceTokenSerializer
from apps.models.serving.services import service_token_create, service_token_revoke
from apps.projects.models import Role
from apps.projects.selectors import project_get_for_user

from .serializers import ServiceTokenCreateSerializer


class ServiceTokenListView(APIView):
    @extend_schema(responses=page_of(ServiceTokenSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        rows = service_token_list(project=project)
        return Response({"results": ServiceTokenSerializer(rows, many=True).data, "next": None})

    @extend_schema(request=ServiceTokenCreateSerializer, responses={201: ServiceTokenSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        data = ServiceTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = service_token_create(project=project, user=request.user, **data.validated_data)
        body = {**ServiceTokenSerializer(token).data, "key": key}
        return Response(body, status=status.HTTP_201_CREATED)


class ServiceTokenDetailView(APIView):
    @extend_schema(
        request=None,
        responses={200: ServiceTokenSerializer, **error_responses(409)},
        description="Revoke; 409: already revoked.",
    )
    def delete(self, request: Request, token_id: int) -> Response:
        token = service_token_get_for_user(token_id=token_id, user=request.user)
        return Response(ServiceTokenSerializer(service_token_revoke(token=token)).data)
