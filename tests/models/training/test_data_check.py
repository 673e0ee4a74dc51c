"""Before a run: can this data give a meaningful model? `GET .../training-runs/check/` and the
warnings a started run carries."""

import pytest
import yaml

from apps.annotations.services import annotation_create
from apps.images.services import image_update
from apps.models.models import TrainingRun
from apps.projects.models import Role
from tests.helpers.training import FAST

pytestmark = pytest.mark.django_db


def check(world, task="classify", who="annotator"):
    return world.client(who).get(
        f"/api/v1/projects/{world.project.pk}/training-runs/check/", {"task": task}
    )


def codes(items) -> list[str]:
    return [i["code"] for i in items]


def tag(world, images, label) -> None:
    for image in images:
        annotation_create(image=image, user=world.users["owner"], kind="tag", label_id=label.pk)


def test_enough_data_has_no_warnings(world, tagged_images) -> None:
    body = check(world).json()
    assert body["ok"] is True and body["errors"] == [] and body["warnings"] == []
    assert body["images"] == 40 and body["left_out"] == 0
    assert body["splits"] == {"train": 30, "val": 10, "test": 0, "unassigned": 0}
    assert [(c["name"], c["train_images"]) for c in body["classes"]] == [
        ("sparrow", 15), ("robin", 15),
    ]  # fmt: skip


def test_no_validation_few_images_and_left_out_are_warned_about(world, make_images) -> None:
    images = make_images(9)
    tag(world, images[:6], world.labels[0])
    tag(world, images[6:8], world.labels[1])  # images[8] has no tag
    body = check(world).json()
    assert body["ok"] is True
    assert codes(body["warnings"]) == ["no_validation", "few_images_per_class", "left_out"]
    few = body["warnings"][1]["detail"]
    assert "“sparrow”, “robin” have fewer than 10 training images" in few
    assert body["warnings"][2]["detail"].startswith("1 of the project's 9 images have no")

    # A run still starts, and carries the same warnings (API answer and run detail).
    started = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": FAST}, format="json",
    )  # fmt: skip
    assert started.status_code == 202
    assert started.json()["warnings"] == body["warnings"]
    assert started.json()["snapshot"]["left_out"] == 1
    run = TrainingRun.objects.get()
    detail = world.client("annotator").get(f"/api/v1/training-runs/{run.pk}/").json()
    assert codes(detail["warnings"]) == codes(body["warnings"])


def test_a_tiny_validation_split_is_warned_about(world, tagged_images) -> None:
    for image in tagged_images:
        if image.split == "val" and image.pk % 3:
            image_update(image=image, role=Role.OWNER, data={"split": "train"})
    body = check(world).json()
    assert "few_validation" in codes(body["warnings"])


def test_one_class_only_is_an_error_that_stops_the_run(world, make_images) -> None:
    tag(world, make_images(12), world.labels[0])
    body = check(world).json()
    assert body["ok"] is False and codes(body["errors"]) == ["no_training_data"]
    assert "at least two classes" in body["errors"][0]["detail"]
    started = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/",
        {"task": "classify", "architecture": "resnet20", "params": FAST}, format="json",
    )  # fmt: skip
    assert started.status_code == 400 and started.json()["code"] == "no_training_data"
    assert TrainingRun.objects.count() == 0


def test_detection_without_boxes(world, tagged_images) -> None:
    body = check(world, task="detect").json()
    assert body["ok"] is False and "boxes" in body["errors"][0]["detail"]
    assert body["left_out"] == 40


def test_bad_task_is_400(world) -> None:
    response = check(world, task="panoptic")  # not a task we train
    assert response.status_code == 400


def test_the_schema_names_the_error_bodies(client) -> None:
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    check = paths["/api/v1/projects/{project_id}/training-runs/check/"]["get"]["responses"]
    split = paths["/api/v1/projects/{project_id}/split/"]["get"]["responses"]
    error = {"$ref": "#/components/schemas/Error"}
    for responses, statuses in ((check, ("400", "401", "404")), (split, ("401", "404"))):
        for status in statuses:
            assert responses[status]["content"]["application/json"]["schema"] == error, status
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}
