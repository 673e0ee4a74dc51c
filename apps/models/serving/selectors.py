from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.models.models import (
    ServiceToken,
)
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role


def service_token_list(*, project: Project) -> QuerySet[ServiceToken]:
    return project.service_tokens.select_related("created_by")


def service_token_get_for_user(*, token_id: int, user: AnyUser) -> ServiceToken:
    token = ServiceToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound("Service token not found.")
    require_role(project_id=token.project_id, user=user, min_role=Role.OWNER)
    return token
