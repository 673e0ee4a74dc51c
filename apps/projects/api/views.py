from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import error_responses, page_of
from apps.projects import services
from apps.projects.models import Membership, Role
from apps.projects.selectors import (
    label_get,
    membership_get,
    project_get_for_user,
    project_list_for_user,
)

from .serializers import (
    LabelInputSerializer,
    LabelSerializer,
    MemberInputSerializer,
    MemberPatchSerializer,
    MemberSerializer,
    ProjectInputSerializer,
    ProjectPatchSerializer,
    ProjectSerializer,
)

LAST_OWNER = "409: it would leave the project without an owner."


def _roles_context(request: Request, project_ids: list[int]) -> dict:
    if request.user.is_staff:
        return {"roles": dict.fromkeys(project_ids, Role.OWNER)}
    rows = Membership.objects.filter(user_id=request.user.pk, project_id__in=project_ids)
    return {"roles": dict(rows.values_list("project_id", "role"))}


class ProjectListView(APIView):
    @extend_schema(responses=page_of(ProjectSerializer), operation_id="v1_projects_list")
    def get(self, request: Request) -> Response:
        projects = list(
            project_list_for_user(user=request.user).annotate(image_count=Count("images"))
        )
        context = _roles_context(request, [p.pk for p in projects])
        return Response(
            {"results": ProjectSerializer(projects, many=True, context=context).data, "next": None}
        )

    @extend_schema(request=ProjectInputSerializer, responses={201: ProjectSerializer})
    def post(self, request: Request) -> Response:
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(user=request.user, **data.validated_data)
        context = _roles_context(request, [project.pk])
        return Response(ProjectSerializer(project, context=context).data, status=201)


class ProjectDetailView(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        project.image_count = project.images.count()
        return Response(
            ProjectSerializer(project, context=_roles_context(request, [project.pk])).data
        )

    @extend_schema(request=ProjectPatchSerializer, responses=ProjectSerializer)
    def patch(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = ProjectPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_update(project=project, data=data.validated_data)
        return Response(
            ProjectSerializer(project, context=_roles_context(request, [project.pk])).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        services.project_delete(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelListView(APIView):
    @extend_schema(responses=page_of(LabelSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        return Response(
            {"results": LabelSerializer(project.labels.all(), many=True).data, "next": None}
        )

    @extend_schema(
        request=LabelInputSerializer,
        responses={201: LabelSerializer, **error_responses(409)},
        description="409: the name or hotkey is taken.",
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        data = LabelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        label = services.label_create(project=project, **data.validated_data)
        return Response(LabelSerializer(label).data, status=201)


class LabelDetailView(APIView):
    @extend_schema(
        request=LabelInputSerializer(partial=True),
        responses={200: LabelSerializer, **error_responses(409)},
        description="409: the name or hotkey is taken.",
    )
    def patch(self, request: Request, project_id: int, label_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        label = label_get(project=project, label_id=label_id)
        data = LabelInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        label = services.label_update(label=label, data=data.validated_data)
        return Response(LabelSerializer(label).data)

    @extend_schema(responses={204: None, **error_responses(409)}, description="409: in use.")
    def delete(self, request: Request, project_id: int, label_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.MANAGER
        )
        services.label_delete(label=label_get(project=project, label_id=label_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(APIView):
    @extend_schema(responses=page_of(MemberSerializer))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(project_id=project_id, user=request.user)
        members = project.memberships.select_related("user")
        return Response({"results": MemberSerializer(members, many=True).data, "next": None})

    @extend_schema(
        request=MemberInputSerializer,
        responses={201: MemberSerializer, **error_responses(409)},
        description="409: already a member.",
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        data = MemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_add(
            project=project,
            username=data.validated_data["username"],
            role=Role.from_name(data.validated_data["role"]),
        )
        return Response(MemberSerializer(membership).data, status=201)


class MemberDetailView(APIView):
    @extend_schema(
        request=MemberPatchSerializer,
        responses={200: MemberSerializer, **error_responses(409)},
        description=LAST_OWNER,
    )
    def patch(self, request: Request, project_id: int, member_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        membership = membership_get(project=project, membership_id=member_id)
        data = MemberPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.member_update(
            membership=membership, role=Role.from_name(data.validated_data["role"])
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None, **error_responses(409)}, description=LAST_OWNER)
    def delete(self, request: Request, project_id: int, member_id: int) -> Response:
        project = project_get_for_user(
            project_id=project_id, user=request.user, min_role=Role.OWNER
        )
        services.member_remove(membership=membership_get(project=project, membership_id=member_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
