from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role

from .models import DatasetExport, DatasetImport, DatasetOperation


def dataset_import_get_for_user(
    *, import_id: int, user: AnyUser, min_role: Role = Role.MANAGER
) -> DatasetImport:
    job = DatasetImport.objects.filter(pk=import_id).first()
    if job is None:
        raise NotFound("Import not found.")
    require_role(project_id=job.project_id, user=user, min_role=min_role)
    return job


def dataset_export_get_for_user(
    *, export_id: int, user: AnyUser, min_role: Role = Role.MANAGER
) -> DatasetExport:
    job = DatasetExport.objects.filter(pk=export_id).first()
    if job is None:
        raise NotFound("Export not found.")
    require_role(project_id=job.project_id, user=user, min_role=min_role)
    return job


def dataset_import_list(*, project: Project) -> QuerySet[DatasetImport]:
    return DatasetImport.objects.filter(project=project)


def dataset_export_list(*, project: Project) -> QuerySet[DatasetExport]:
    return DatasetExport.objects.filter(project=project)


def dataset_operation_get_for_user(
    *, operation_id: int, user: AnyUser, min_role: Role = Role.MANAGER
) -> DatasetOperation:
    operation = DatasetOperation.objects.filter(pk=operation_id).first()
    if operation is None:
        raise NotFound("Operation not found.")
    require_role(project_id=operation.project_id, user=user, min_role=min_role)
    return operation


def dataset_operation_list(*, project: Project) -> QuerySet[DatasetOperation]:
    return DatasetOperation.objects.filter(project=project).select_related(
        "created_by", "undone_by"
    )
