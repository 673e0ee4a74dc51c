"""Files a host keeps for a run or a version (work folder, checkpoint, serving copy) are named
by the row's uuid, not its id: an id repeats when the database is recreated, and a host's
work folder may outlive the database. A checkpoint is resumed from only when it is the run's
own, the one it stored."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.annotations.services import upload_with_tags
from apps.core.storage import storage_fetch
from apps.images.models import Image
from apps.models.models import DatasetSnapshot, ModelVersion, RunStatus, TrainingRun
from apps.models.registry.files import version_local_dir
from apps.models.training import jobs
from apps.models.training.selectors import run_log_text
from apps.projects.services import label_create, project_create
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST, noisy_png

BEFORE_UIDS = ("mlmodels", "0008_host_file_identity")  # uid columns added, not filled yet


@pytest.fixture
def work_dir(settings, tmp_path) -> Path:
    """One worker host's work folder, kept across both "installations" of a test."""
    settings.LABELFORGE_WORK_DIR = tmp_path / "work"
    return settings.LABELFORGE_WORK_DIR


def _start(client, project_id: int) -> int:
    body = {"task": "classify", "architecture": "resnet20", "params": FAST}
    response = client.post(f"/api/v1/projects/{project_id}/training-runs/", body, format="json")
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _next_id(model: type, pk: int) -> None:
    """The next row of `model` gets id `pk`, as in a database created afresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
            [model._meta.db_table, pk],
        )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_recreated_database_trains_afresh_beside_an_earlier_installations_files(
    world, tagged_images, work_dir
) -> None:
    # installation 1: a run trains on this host and leaves its checkpoint and serving copy
    old_id = _start(world.client("manager"), world.project.pk)
    assert run_worker("train") == 1
    old = TrainingRun.objects.get(pk=old_id)
    assert old.status == RunStatus.SUCCEEDED, old.error
    with default_storage.open(old.checkpoint, "rb") as fh:
        checkpoint = fh.read()
    assert old.checkpoint_sha256 == _sha256(checkpoint)
    old_version = ModelVersion.objects.get(run=old)
    old_copy = version_local_dir(old_version)
    # and what a host running the code that named them by id left: the same files by id
    stale = work_dir / "runs" / str(old.pk)
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "checkpoint.pt").write_bytes(checkpoint)
    if old_copy != work_dir / "models" / str(old_version.pk):
        shutil.copytree(old_copy, work_dir / "models" / str(old_version.pk))

    # installation 2: a new database (its storage and this host's work folder kept) whose
    # first run and version get the same ids, on another project with other classes
    world.project.delete()
    _next_id(TrainingRun, old.pk)
    _next_id(ModelVersion, old_version.pk)
    project = project_create(name="Pets", user=world.users["owner"])
    classes = ["cat", "dog", "owl"]
    for name, color in zip(classes, [(200, 40, 40), (40, 60, 200), (40, 200, 60)], strict=True):
        files = [SimpleUploadedFile(f"{name}{i}.png", noisy_png(color, i)) for i in range(12)]
        label = label_create(project=project, name=name)
        result = upload_with_tags(project=project, user=world.users["owner"], files=files,
                                  label=label)  # fmt: skip
        assert not result.errors, result.errors
    for i, image in enumerate(Image.objects.filter(project=project).order_by("id")):
        image.split = "val" if i % 4 == 0 else "train"
        image.save(update_fields=["split"])

    new_id = _start(world.client("owner"), project.pk)
    assert new_id == old.pk
    assert run_worker("train") == 1
    new = TrainingRun.objects.get(pk=new_id)
    log = run_log_text(run=new)
    assert new.status == RunStatus.SUCCEEDED, f"{new.error}\n{log}"
    assert "Resuming from checkpoint" not in log and "resumed from step" not in log
    assert new.uid != old.uid and new.step == new.total_steps
    assert new.work_dir == work_dir / "runs" / str(new.uid)
    assert (new.work_dir / "checkpoint.pt").is_file()
    version = ModelVersion.objects.get(run=new)
    assert version.pk == old_version.pk and version.uid != old_version.uid
    served = json.loads((version_local_dir(version) / "model.json").read_text())
    assert served["classes"] == classes and served["project"] == project.pk
    assert version_local_dir(version) == work_dir / "models" / str(version.uid)


def _run(project) -> TrainingRun:
    snapshot = DatasetSnapshot.objects.create(project=project, task="classify", manifest="m.json")
    return TrainingRun.objects.create(project=project, snapshot=snapshot, task="classify",
                                      architecture="resnet20")  # fmt: skip


def _store_checkpoint(run: TrainingRun, data: bytes) -> None:
    run.checkpoint = default_storage.save(f"{run.storage_dir}/checkpoint.pt", ContentFile(data))
    run.checkpoint_sha256 = _sha256(data)
    run.save(update_fields=["checkpoint", "checkpoint_sha256"])


@pytest.mark.django_db
def test_a_run_resumes_only_from_its_own_stored_checkpoint(world, work_dir, monkeypatch) -> None:
    fetched: list[str] = []

    def fetch(name: str, local: Path) -> Path:
        fetched.append(name)
        return storage_fetch(name, local)

    monkeypatch.setattr(jobs, "storage_fetch", fetch)
    run = _run(world.project)
    local = run.work_dir / "checkpoint.pt"
    local.parent.mkdir(parents=True)

    local.write_bytes(b"not stored by this run")  # nothing of its own in storage: from scratch
    assert jobs._checkpoint(run, run.work_dir) is None and not local.exists()
    run.checkpoint = f"{run.storage_dir}/checkpoint.pt"  # recorded but gone from storage
    local.write_bytes(b"not stored by this run")
    assert jobs._checkpoint(run, run.work_dir) is None and not local.exists()

    assert fetched == []

    _store_checkpoint(run, b"epoch 2")
    local.write_bytes(b"epoch 1")  # this host's copy is older (another host went on since)
    assert jobs._checkpoint(run, run.work_dir) == local and local.read_bytes() == b"epoch 2"
    assert fetched == [run.checkpoint]
    # this host's copy is the stored one: used as it is
    assert jobs._checkpoint(run, run.work_dir) == local and fetched == [run.checkpoint]

    run.checkpoint_sha256 = ""  # a checkpoint stored before hashes were kept: fetched again
    assert jobs._checkpoint(run, run.work_dir) == local and len(fetched) == 2
    assert local.read_bytes() == b"epoch 2"


@pytest.mark.django_db
def test_uids_are_unique_and_name_the_host_folders(world, work_dir) -> None:
    runs = [_run(world.project) for _ in range(3)]
    assert len({run.uid for run in runs}) == 3
    assert runs[0].work_dir == work_dir / "runs" / str(runs[0].uid)
    version = ModelVersion(project=world.project, version=1, task="classify",
                           architecture="resnet20", image_size=32)  # fmt: skip
    assert version.local_dir == work_dir / "models" / str(version.uid)


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_every_existing_row_its_own_uid(world) -> None:
    runs = [_run(world.project) for _ in range(3)]
    for number in (1, 2, 3):
        ModelVersion.objects.create(project=world.project, version=number, source="trained",
                                    task="classify", architecture="resnet20", image_size=32,
                                    weights="w.pt")  # fmt: skip
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app: going back may undo dependants
    executor.migrate([BEFORE_UIDS])
    try:
        with connection.cursor() as cursor:  # rows as they were before the uid columns
            cursor.execute("UPDATE mlmodels_trainingrun SET uid = NULL")
            cursor.execute("UPDATE mlmodels_modelversion SET uid = NULL")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    uids = list(TrainingRun.objects.values_list("uid", flat=True))
    assert len(uids) == len(set(uids)) == len(runs) and None not in uids
    version_uids = list(ModelVersion.objects.values_list("uid", flat=True))
    assert len(version_uids) == len(set(version_uids)) == 3 and None not in version_uids
