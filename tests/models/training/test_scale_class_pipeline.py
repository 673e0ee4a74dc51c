"""The two-stage pipeline built from the Dataset tab's scale classes: a detector trained on
boxes labelled by their shape class, a classifier trained on the crops of one shape class,
and auto-annotation asking each shape's classifier. Snapshots are checked on known boxes;
a crop run trains through a real worker; the per-class auto-annotation runs on the infer
queue."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from apps.annotations.models import Kind
from apps.annotations.services import annotation_create
from apps.images.services import image_get_or_create
from apps.models.autolabel.services import autoannotate_create
from apps.models.models import AutoAnnotationRun, ModelVersion, TrainingRun
from apps.models.training import jobs
from apps.projects.services import label_create
from tests.datasets.helpers import jpeg
from tests.factories.models import make_version
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db(transaction=True)


def _box(world, image, label, x, y, w, h):
    return annotation_create(image=image, user=world.users["owner"], kind=Kind.BOX,
                             label_id=label.pk, box={"x": x, "y": y, "w": w, "h": h})  # fmt: skip


@pytest.fixture
def shapes(world):
    """Six 96x64 train images, each with a wide (32x8) and a tall (8x32) box, their labels
    alternating; scale classes named "wide" and "tall" by the Dataset tab's tool."""
    sparrow, robin = world.labels
    images = []
    for i in range(6):
        image, _ = image_get_or_create(project=world.project, user=world.users["owner"],
                                       name=f"s{i}.jpg", data=jpeg(96, 64, (30 * i, 90, 200)))  # fmt: skip
        image.split = "train"
        image.save(update_fields=["split"])
        _box(world, image, sparrow if i % 2 else robin, 4 + i, 4, 32, 8)
        _box(world, image, robin if i % 2 else sparrow, 60, 20 + i, 8, 32)
        images.append(image)
    url = f"/api/v1/projects/{world.project.pk}/dataset/scale-classes/"
    body = {"k": 2, "names": ["tall", "wide"]}  # smallest ratio first
    applied = world.client("manager").post(url, body, format="json")
    assert applied.status_code == 201 and applied.json()["changed"] == 12, applied.json()
    return images


def _check(world, **query):
    return world.client("manager").get(
        f"/api/v1/projects/{world.project.pk}/training-runs/check/", query
    )


def _manifest(run_id: int) -> dict:
    run = TrainingRun.objects.get(pk=run_id)
    with default_storage.open(run.snapshot.manifest, "rb") as fh:
        return json.load(fh)


def _start(world, **body):
    return world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )


def test_a_detector_of_scale_classes_learns_each_box_by_its_shape(world, shapes) -> None:
    check = _check(world, task="detect", source="scale_classes").json()
    assert (check["ok"], check["source"], check["images"]) == (True, "scale_classes", 6)
    assert [c["name"] for c in check["classes"]] == ["tall", "wide"]

    response = _start(world, task="detect", architecture="fcos_resnet50_fpn",
                      source="scale_classes", params={"epochs": 1})  # fmt: skip
    assert response.status_code == 202, response.json()
    assert response.json()["snapshot"]["source"] == "scale_classes"
    manifest = _manifest(response.json()["id"])
    assert manifest["classes"] == ["tall", "wide"] and manifest["label_ids"] == []
    for sample in manifest["samples"]:
        by_class = {b[4]: (b[2], b[3]) for b in sample["boxes"]}
        assert by_class == {0: (8, 32), 1: (32, 8)}, sample  # tall, wide by shape, not label

    # a box drawn since the tool ran: its image is left out, not learnt as background
    _box(world, shapes[0], world.labels[0], 40, 40, 20, 20)
    check = _check(world, task="detect", source="scale_classes").json()
    assert check["images"] == 5
    assert [w["code"] for w in check["warnings"]].count("unclassed_boxes") == 1


def test_a_classifier_learns_from_the_crops_of_one_scale_class(world, shapes) -> None:
    sparrow = world.labels[0]
    _box(world, shapes[1], sparrow, 80, 2, 3, 3)  # too small to be worth a crop
    check = _check(world, task="classify", source="crops").json()
    assert (check["ok"], check["images"], check["left_out"]) == (True, 12, 1)
    assert "under 4 px" in next(w["detail"] for w in check["warnings"] if w["code"] == "left_out")
    wide = _check(world, task="classify", source="crops", scale_class="wide").json()
    assert wide["images"] == 6 and {c["name"]: c["train_images"] for c in wide["classes"]} == {
        "sparrow": 3, "robin": 3,
    }  # fmt: skip

    response = _start(world, task="classify", architecture="resnet20", source="crops",
                      scale_class="wide", params={**FAST, "epochs": 1, "image_size": 32})  # fmt: skip
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]
    manifest = _manifest(run_id)
    assert len(manifest["samples"]) == 6
    assert {tuple(s["crop"][2:]) for s in manifest["samples"]} == {(32, 8)}

    run_worker("train")
    run = TrainingRun.objects.get(pk=run_id)
    assert run.status == "succeeded", run.error
    version = ModelVersion.objects.get(run=run)
    assert sorted(version.classes) == ["robin", "sparrow"]

    # what the worker cut out: the box's own pixels, at the box's size
    local = jobs._materialise(run, _work_dir(run))
    sample = local.samples[0]
    with PILImage.open(sample.path) as crop:
        assert crop.size == (32, 8)
    x, y, w, h = manifest["samples"][0]["crop"]
    with default_storage.open(manifest["samples"][0]["path"], "rb") as fh, PILImage.open(fh) as im:
        expected = im.convert("RGB").crop((x, y, x + w, y + h))
    with PILImage.open(sample.path) as crop:
        diff = max(abs(a - b) for a, b in zip(crop.convert("RGB").tobytes(), expected.tobytes(),
                                              strict=True))  # fmt: skip
    assert diff <= 8  # the same pixels, through one more JPEG encode


def _work_dir(run: TrainingRun) -> Path:
    path = Path(settings.LABELFORGE_WORK_DIR) / f"check-{run.pk}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_sources_that_do_not_fit_the_task_are_refused(world, shapes) -> None:
    for query in ({"task": "detect", "source": "crops"}, {"task": "classify", "source": "boxes"},
                  {"task": "classify", "source": "tags", "scale_class": "wide"}):  # fmt: skip
        response = _check(world, **query)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_source"), query
    response = _start(world, task="detect", architecture="fcos_resnet50_fpn", source="crops")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_source")
    assert not TrainingRun.objects.exists()
    nothing = _check(world, task="classify", source="crops", scale_class="round").json()
    assert nothing["ok"] is False and nothing["errors"][0]["code"] == "no_training_data"


def test_two_stage_asks_the_classifier_of_each_shape_class(world, shapes) -> None:
    owner = world.users["owner"]
    for name in ("car", "bus", "person", "pole"):
        label_create(project=world.project, name=name)
    detector = make_version(world.project, owner, architecture="fasterrcnn_mobilenet_v3_large_fpn",
                            classes=("tall", "wide"), image_size=96)  # fmt: skip
    wide = make_version(world.project, owner, classes=("car", "bus"), seed=1)
    tall = make_version(world.project, owner, classes=("person", "pole"), seed=2)
    url = f"/api/v1/projects/{world.project.pk}/auto-annotate/"
    body = {"mode": "two_stage", "model_version": detector.pk, "scope": "all", "threshold": 0.01}
    manager = world.client("manager")

    refused = [
        ({"classifiers": {"round": wide.pk}}, "invalid_classifiers"),  # not a detector class
        ({"classifiers": {"wide": detector.pk}}, "invalid_model_version"),  # not a classifier
        ({"mode": "detect", "classifiers": {"wide": wide.pk}}, "invalid_classifiers"),
    ]
    for extra, code in refused:
        response = manager.post(url, {**body, **extra}, format="json")
        assert (response.status_code, response.json().get("code")) == (400, code), extra
    assert not AutoAnnotationRun.objects.exists()

    response = manager.post(url, {**body, "classifiers": {"wide": wide.pk, "tall": tall.pk}},
                            format="json")  # fmt: skip
    assert response.status_code == 202, response.json()
    assert response.json()["classifiers"] == {"wide": wide.pk, "tall": tall.pk}
    run_worker("infer")
    run = AutoAnnotationRun.objects.get(pk=response.json()["id"])
    assert run.status == "succeeded", run.error
    made = list(run.model_version.annotations.select_related("label"))
    assert made and run.counts["unmapped"] == 0  # random weights still propose boxes
    assert {a.label.name for a in made} <= {"car", "bus", "person", "pole"}


def test_a_shape_class_without_a_classifier_keeps_the_detectors_label(world, shapes) -> None:
    owner = world.users["owner"]
    label_create(project=world.project, name="tall")
    detector = make_version(world.project, owner, architecture="fasterrcnn_mobilenet_v3_large_fpn",
                            classes=("tall", "wide"), image_size=96)  # fmt: skip
    wide = make_version(world.project, owner, classes=("car", "bus"), seed=1)
    label_create(project=world.project, name="car")
    label_create(project=world.project, name="bus")
    run = autoannotate_create(project=world.project, user=owner, mode="two_stage", scope="all",
                              threshold=0.01, model_version=detector.pk,
                              classifiers={"wide": wide.pk})  # fmt: skip
    assert run.classifier_version is None
    run_worker("infer")
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    names = {a.label.name for a in run.model_version.annotations.select_related("label")}
    assert names and names <= {"tall", "car", "bus"}
