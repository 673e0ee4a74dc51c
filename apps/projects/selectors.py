"""Permission-checked reads. A non-member gets NotFound: they must not learn a project exists."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from apps.core.exceptions import Forbidden, NotFound

from .caches import role_cache
from .models import Label, Membership, Project, Role

AnyUser = AbstractBaseUser | AnonymousUser


def role_for_user(*, project_id: int, user: AnyUser) -> Role | None:
    """The user's effective role in the project; site staff act as owners everywhere."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return Role.OWNER
    role = role_cache.get(
        project_id,
        user.pk,
        lambda: (
            Membership.objects.filter(project_id=project_id, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        ),
    )
    return Role(role) if role is not None else None


def require_role(*, project_id: int, user: AnyUser, min_role: Role) -> Role:
    role = role_for_user(project_id=project_id, user=user)
    if role is None:
        raise NotFound("Project not found.")
    if role < min_role:
        raise Forbidden(f"This needs the {min_role.label} role in the project.")
    return role


def project_list_for_user(*, user: AnyUser) -> QuerySet[Project]:
    qs = Project.objects.all()
    if not user.is_staff:
        qs = qs.filter(memberships__user_id=user.pk)
    return qs.order_by("-id")


def project_get_for_user(
    *, project_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR
) -> Project:
    require_role(project_id=project_id, user=user, min_role=min_role)
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound("Project not found.")
    return project


def label_get(*, project: Project, label_id: int) -> Label:
    label = project.labels.filter(pk=label_id).first()
    if label is None:
        raise NotFound("Label not found in this project.")
    return label


def membership_get(*, project: Project, membership_id: int) -> Membership:
    membership = project.memberships.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("Member not found in this project.")
    return membership


def manages_a_project(*, user: AnyUser) -> bool:
    return (
        bool(user.is_authenticated)
        and Membership.objects.filter(user_id=user.pk, role__gte=Role.MANAGER).exists()
    )
