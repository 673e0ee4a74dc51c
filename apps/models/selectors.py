from django.core.files.storage import default_storage
from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role

from .models import RunMetric, TrainingRun
from .services import run_reap_stale


def run_list(*, project: Project) -> QuerySet[TrainingRun]:
    run_reap_stale()
    return project.training_runs.select_related("snapshot", "created_by").order_by("-id")


def run_get_for_user(*, run_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR) -> TrainingRun:
    run_reap_stale()
    run = TrainingRun.objects.select_related("snapshot", "created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound("Training run not found.")
    require_role(project_id=run.project_id, user=user, min_role=min_role)
    return run


def run_metrics(*, run: TrainingRun, after_step: int | None) -> list[dict]:
    qs = RunMetric.objects.filter(run=run)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    return list(qs.order_by("step", "id").values("step", "epoch", "name", "value"))


def run_log(*, run: TrainingRun, offset: int) -> tuple[str, int]:
    name = f"{run.storage_dir}/log.txt"
    if not default_storage.exists(name):
        return "", offset
    with default_storage.open(name, "rb") as fh:
        fh.seek(offset)
        data = fh.read()
    return data.decode(errors="replace"), offset + len(data)
