"""seed_demo builds a project that shows the whole loop: real digits tagged and split, boxed
scenes, and a queued classifier run that a real worker trains to a good held-out accuracy."""

import datetime
import time
from collections import Counter

import django_rq
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps.annotations.models import Annotation
from apps.demo.management.commands.seed_demo import DEMO_PROJECT, PER_CLASS, SCENES
from apps.images.models import Image
from apps.models.models import ModelVersion, RunStatus, TrainingRun, VersionStatus
from apps.models.training.snapshots import snapshot_create
from apps.projects.models import Project
from apps.team.selectors import consensus_detail, consensus_list, team_stats
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db
DIGITS = [str(d) for d in range(10)]


def _state() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "projects": Project.objects.count(),
        "images": Image.objects.count(),
        "annotations": Annotation.objects.count(),
        "runs": TrainingRun.objects.count(),
        "train jobs": django_rq.get_queue("train").count,
        "default jobs": django_rq.get_queue("default").count,
    }


def _check_project(project: Project) -> None:
    labels = list(project.labels.order_by("name"))
    assert [label.name for label in labels] == DIGITS
    assert len({label.color for label in labels}) == 10
    assert len({label.hotkey for label in labels}) == 10 and all(lb.hotkey for lb in labels)
    assert {m.user.username: m.get_role_display() for m in project.memberships.select_related("user")} == {
        "admin": "owner", "annotator": "annotator", "reviewer": "reviewer",
    }  # fmt: skip
    tagged = Annotation.objects.filter(image__project=project, kind="tag")
    assert tagged.count() == 10 * PER_CLASS
    assert Counter(tagged.values_list("label__name", flat=True)) == dict.fromkeys(DIGITS, PER_CLASS)
    per_class_splits = Counter(tagged.values_list("label__name", "image__split"))
    for digit in DIGITS:  # stratified: every class in every split, mostly in train
        counts = [per_class_splits[(digit, split)] for split in ("train", "val", "test")]
        assert sum(counts) == PER_CLASS and min(counts) >= 5 and counts[0] > PER_CLASS // 2
    assert all(i.width == i.height == 32 for i in project.images.filter(annotations__kind="tag"))

    scenes = project.images.exclude(annotations__kind="tag")
    assert scenes.count() == SCENES
    for image in scenes.prefetch_related("annotations__label"):
        boxes = list(image.annotations.all())
        assert 2 <= len(boxes) <= 3 and all(
            b.kind == "box" and b.label.name in DIGITS for b in boxes
        )
        assert all(b.x >= 0 and b.x + b.w <= image.width and b.w >= 20 for b in boxes)
        assert all(b.y >= 0 and b.y + b.h <= image.height and b.h >= 20 for b in boxes)
    assert set(scenes.values_list("split", flat=True)) <= {"train", "val", "test"}
    detect = snapshot_create(project=project, task="detect", user=project.created_by)
    assert detect.image_count == SCENES and detect.splits.get("train", 0) >= SCENES // 2


def _check_team(project: Project) -> None:
    """The Team tab's figures on a first run: reviewed digits, a scored gold check, two
    consensus images ready to merge (one box only one of the two drew)."""
    since = datetime.date.today() - datetime.timedelta(days=1)
    stats = {row["username"]: row for row in team_stats(project=project, since=since)}
    assert stats["admin"]["images_done"] == 6 and stats["reviewer"]["reviewed"] == 6
    assert stats["admin"]["rejected"] == 1  # one right tag, one wrong: 1 of 3 decisions
    assert stats["annotator"]["gold_agreement"] == 0.3333
    listed = consensus_list(project=project)
    assert [(r["submitted"], len(r["annotators"])) for r in listed] == [(2, 2), (2, 2)]
    last = consensus_detail(image=Image.objects.get(pk=listed[-1]["image"]))
    assert last["merged"]["left_out_boxes"] == 1 and last["agreement"] < 1
    assert Image.objects.filter(project=project, status="reviewed").count() == 5


def test_seed_demo_builds_a_loop_that_trains_to_90_percent_held_out(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    project = Project.objects.get(name=DEMO_PROJECT)
    _check_project(project)
    _check_team(project)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("labelforge")
    assert get_user_model().objects.get(username="annotator").check_password("labelforge")
    run = TrainingRun.objects.get()
    assert (run.project, run.task, run.status) == (project, "classify", RunStatus.QUEUED)
    assert run.snapshot.image_count == 10 * PER_CLASS and run.snapshot.classes == DIGITS
    assert f"#{run.pk}" in project.description
    before = _state()
    assert before["train jobs"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert _state() == before

    started = time.monotonic()
    assert run_worker("train") == 1
    seconds = time.monotonic() - started
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    version = ModelVersion.objects.get(run=run)
    assert version.status == VersionStatus.READY, version.error
    report = version.metrics
    print(f"demo run: {seconds:.0f} s in the worker; val {run.best_metrics['val_accuracy']:.3f}, "
          f"held-out {report['split']} {report['accuracy']:.3f} on {report['count']} images")  # fmt: skip
    assert report["split"] == "test" and report["count"] >= 50
    assert report["accuracy"] >= 0.9
