"""Reads for training runs. Pure: nothing here writes (reaping is `manage.py reap_runs`)."""

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from apps.core.exceptions import NotFound
from apps.models.models import RunLogChunk, RunMetric, TrainingRun
from apps.projects.models import Project, Role
from apps.projects.selectors import AnyUser, require_role

LOG_READ_LIMIT = 1024 * 1024  # bytes per call; the caller reads on from the returned offset


def run_list(*, project: Project) -> QuerySet[TrainingRun]:
    return project.training_runs.select_related("snapshot", "created_by", "model_version").order_by(
        "-id"
    )


def run_get_for_user(*, run_id: int, user: AnyUser, min_role: Role = Role.ANNOTATOR) -> TrainingRun:
    run = (
        TrainingRun.objects.select_related("snapshot", "created_by", "model_version")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound("Training run not found.")
    require_role(project_id=run.project_id, user=user, min_role=min_role)
    return run


def run_metrics(*, run: TrainingRun, after_step: int | None) -> list[dict]:
    qs = RunMetric.objects.filter(run=run)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    return list(qs.order_by("step", "id").values("step", "epoch", "name", "value"))


def run_log_text(*, run: TrainingRun) -> str:
    """The whole log (the run package)."""
    text, offset = run_log(run=run, offset=0)
    parts = [text]
    while text:
        text, offset = run_log(run=run, offset=offset)
        parts.append(text)
    return "".join(parts)


def run_log(*, run: TrainingRun, offset: int) -> tuple[str, int]:
    """The log from byte `offset` on (up to about LOG_READ_LIMIT) and the offset after it."""
    chunks = RunLogChunk.objects.filter(run=run, end__gt=offset).order_by("start")
    data, end = b"", offset
    for start, text in chunks.values_list("start", "text").iterator():
        raw = text.encode()
        data += raw[max(0, offset - start) :]
        end = start + len(raw)
        if len(data) >= LOG_READ_LIMIT:
            break
    if not data and offset == 0:
        return _legacy_log(run)
    return data.decode(errors="replace"), end


def _legacy_log(run: TrainingRun) -> tuple[str, int]:
    """Runs from before log chunks kept the whole log in storage as runs/<id>/log.txt."""
    name = f"{run.storage_dir}/log.txt"
    if not default_storage.exists(name):
        return "", 0
    with default_storage.open(name, "rb") as fh:
        data = fh.read()
    return data.decode(errors="replace"), len(data)
