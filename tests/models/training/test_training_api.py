import json

import pytest
from django.core.files.storage import default_storage

from apps.models.models import RunStatus, TrainingRun
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db


def start(world, who="manager", **body):
    body = {"task": "classify", "architecture": "resnet20", "params": FAST, **body}
    return world.client(who).post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"params": {"epochs": 0}}, "epochs: 0 is outside"),
        ({"params": {"epochz": 3}}, "Unknown parameter(s): epochz"),
        ({"params": {"optimizer": "lion"}}, "optimizer: must be one of"),
        ({"architecture": "vgg16"}, "Unknown architecture 'vgg16'"),
        ({"task": "detect"}, "is a classify architecture"),
        (
            {"architecture": "resnet20", "params": {"pretrained": True}},
            "No pretrained weights exist",
        ),
    ],
)
def test_bad_run_requests_are_400_and_nothing_is_queued(
    world, tagged_images, body, message
) -> None:
    response = start(world, **body)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert TrainingRun.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_pretrained_weights_are_found_by_the_worker_not_the_web_host(
    world, tagged_images, settings, tmp_path
) -> None:
    """The run stores the weight file's name; the worker looks in its own weights folder and
    fails the run with a message naming the file and the folder when it is missing."""
    settings.LABELFORGE_WEIGHTS_DIR = tmp_path / "weights-on-this-worker"
    response = start(world, architecture="resnet18", params={**FAST, "pretrained": True})
    assert response.status_code == 202, response.json()
    assert response.json()["params"]["pretrained"] == "resnet18-f37072fd.pth"
    assert run_worker("train") == 1
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.FAILED
    assert "resnet18-f37072fd.pth" in run.error and "weights-on-this-worker" in run.error


def test_nothing_to_train_on(world, make_images) -> None:
    make_images(3)
    response = start(world)
    assert response.status_code == 400 and response.json()["code"] == "no_training_data"


def test_detection_needs_boxes(world, tagged_images) -> None:
    response = start(world, task="detect", architecture="fcos_resnet50_fpn", params={})
    assert response.status_code == 400 and "boxes" in response.json()["detail"]


def test_annotators_watch_but_do_not_start_or_cancel(
    world, tagged_images, django_capture_on_commit_callbacks
) -> None:
    assert start(world, who="annotator").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        run_id = start(world).json()["id"]
    listed = (
        world.client("annotator").get(f"/api/v1/projects/{world.project.pk}/training-runs/").json()
    )
    assert [r["id"] for r in listed["results"]] == [run_id]
    assert (
        world.client("annotator").post(f"/api/v1/training-runs/{run_id}/cancel/").status_code == 403
    )
    assert world.client("outsider").get(f"/api/v1/training-runs/{run_id}/").status_code == 404
    cancelled = world.client("manager").post(f"/api/v1/training-runs/{run_id}/cancel/")
    assert cancelled.json()["status"] == "cancelled"  # still queued: cancelled at once
    assert TrainingRun.objects.get(pk=run_id).status == RunStatus.CANCELLED


def test_architectures_and_parameter_defaults_are_listed(world) -> None:
    body = world.client("annotator").get("/api/v1/architectures/").json()
    names = {a["name"]: a for a in body["results"]}
    assert {"resnet18", "resnet34", "resnet50", "resnet20", "resnet110", "fcos_resnet50_fpn",
            "retinanet_resnet50_fpn", "fasterrcnn_mobilenet_v3_large_fpn"} <= set(names)  # fmt: skip
    assert names["resnet20"]["defaults"]["image_size"] == 32
    params = {p["name"]: p for p in body["params"]}
    assert params["optimizer"]["choices"] == ["sgd", "adamw"]
    assert params["epochs"]["min"] == 1 and params["pretrained"]["type"] == "bool"


def test_the_snapshot_is_frozen_when_the_run_starts(world, tagged_images) -> None:
    """Edits after the start, and the next run's snapshot, leave this run's input alone."""
    run = TrainingRun.objects.get(pk=start(world).json()["id"])
    untagged = tagged_images[0]
    untagged.annotations.all().delete()
    later = TrainingRun.objects.get(pk=start(world).json()["id"])
    assert later.snapshot.image_count == 39 and later.snapshot.manifest != run.snapshot.manifest

    def sample_ids(run: TrainingRun) -> set[int]:
        with default_storage.open(run.snapshot.manifest) as fh:
            return {s["image_id"] for s in json.load(fh)["samples"]}

    assert untagged.pk in sample_ids(run) and untagged.pk not in sample_ids(later)
    assert len(sample_ids(run)) == run.snapshot.image_count == 40


def test_anchors_from_data_are_computed_from_the_projects_boxes(world, make_images) -> None:
    from apps.annotations.models import Kind
    from apps.annotations.services import annotation_create

    images = make_images(4)  # 40x30 each
    for n, image in enumerate(images):
        image.split = "train"
        image.save(update_fields=["split"])
        for w, h in ((6, 24), (24, 6), (10 + n, 10)):
            annotation_create(image=image, user=world.users["owner"], kind=Kind.BOX,
                              label_id=world.labels[n % 2].pk, box={"x": 1, "y": 1, "w": w, "h": h})  # fmt: skip
    response = start(world, task="detect", architecture="fasterrcnn_mobilenet_v3_large_fpn",
                     params={"image_size": 120, "anchors": "data", "epochs": 1})  # fmt: skip
    assert response.status_code == 202, response.json()
    anchors = TrainingRun.objects.get(pk=response.json()["id"]).params["anchors"]
    assert len(anchors) == 6 and all(w > 0 and h > 0 for w, h in anchors)  # 6 shapes, k=9
    areas = [w * h for w, h in anchors]
    assert areas == sorted(areas)
    scale = 120 / 30  # shorter side to the training size
    assert max(max(w, h) for w, h in anchors) == pytest.approx(24 * scale, rel=0.05)

    fcos = start(world, task="detect", architecture="fcos_resnet50_fpn", params={"anchors": "data"})
    assert fcos.status_code == 400 and "anchors" in fcos.json()["detail"]
    listed = world.client("annotator").get("/api/v1/architectures/").json()
    spec = {p["name"]: p for p in listed["params"]}["anchors"]
    assert spec["choices"] == ["default", "data"]
    takes = {a["name"]: a["takes_anchors"] for a in listed["results"]}
    assert takes["retinanet_resnet50_fpn"] and not takes["fcos_resnet50_fpn"]
