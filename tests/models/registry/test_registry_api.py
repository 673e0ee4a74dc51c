"""Model versions: registered when a run succeeds, imported from a checkpoint, listed,
detailed with the held-out report, downloaded, and used as a fine-tuning start."""

import io
import json
import zipfile

import onnx
import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.models.models import ModelVersion, TrainingRun, VersionStatus
from tests.factories.models import make_version, weights_bytes
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST


def start_run(world, **extra):
    body = {"task": "classify", "architecture": "resnet20", "params": FAST, **extra}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )
    assert response.status_code == 202, response.json()
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_a_successful_run_registers_a_version(world, tagged_images) -> None:
    body = start_run(world)
    assert run_worker("train") == 1
    run = world.client("annotator").get(f"/api/v1/training-runs/{body['id']}/").json()
    assert run["status"] == "succeeded"
    assert run["model_version"]["version"] == 1 and run["model_version"]["status"] == "ready"

    listed = (
        world.client("annotator").get(f"/api/v1/projects/{world.project.pk}/model-versions/").json()
    )
    (row,) = listed["results"]
    assert row["run"] == body["id"] and row["source"] == "trained" and row["stage"] == "none"
    assert row["architecture"] == "resnet20" and row["num_classes"] == 2 and row["has_onnx"]
    assert row["size_bytes"] > 100_000 and 200_000 < row["parameters"] < 300_000
    assert row["metrics"]["split"] == "val" and row["metrics"]["count"] == 10
    assert "confusion" not in row["metrics"]  # matrices only in the detail

    detail = world.client("annotator").get(f"/api/v1/model-versions/{row['id']}/").json()
    report = detail["report"]
    assert detail["classes"] == ["sparrow", "robin"]
    assert sum(map(sum, report["confusion"])) == 10
    hits = report["confusion"][0][0] + report["confusion"][1][1]
    assert report["accuracy"] == pytest.approx(hits / 10)
    assert [r["support"] for r in report["per_class"]] == [sum(r) for r in report["confusion"]]
    assert detail["run_params"]["epochs"] == 2
    log = world.client("annotator").get(f"/api/v1/training-runs/{body['id']}/log/").json()["text"]
    assert "Registered model version v1 (ready)" in log


@pytest.mark.django_db(transaction=True)
def test_fine_tune_from_a_version(world, tagged_images) -> None:
    version = make_version(world.project, world.users["owner"], image_size=32)
    body = start_run(world, init_from=version.pk)
    assert body["init_from"] == version.pk
    assert run_worker("train") == 2  # the import's prepare job (a no-op by now) and the run
    run = TrainingRun.objects.get(pk=body["id"])
    assert run.status == "succeeded", run.error
    log = world.client("manager").get(f"/api/v1/training-runs/{run.pk}/log/").json()["text"]
    assert f"Fine-tuning from model version v{version.version}" in log
    assert "pretrained weights.pt" in log or "pretrained model.pt" in log  # the load report
    assert ModelVersion.objects.get(run=run).version == version.version + 1


@pytest.mark.django_db
def test_fine_tune_needs_the_same_architecture(world, tagged_images) -> None:
    version = make_version(world.project, world.users["owner"])
    body = {"task": "classify", "architecture": "resnet32", "params": FAST, "init_from": version.pk}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )
    assert response.status_code == 400 and "same architecture" in response.json()["detail"]
    foreign = make_version(world.other_project, world.users["outsider"])
    body = {**body, "architecture": "resnet20", "init_from": foreign.pk}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )
    assert response.status_code == 400 and "not in this project" in response.json()["detail"]


def import_(world, who="manager", **fields):
    return world.client(who).post(
        f"/api/v1/projects/{world.project.pk}/model-versions/import/", fields, format="multipart"
    )


@pytest.mark.django_db(transaction=True)
def test_import_through_the_queue_with_the_imagenet_names(world) -> None:
    data = weights_bytes("resnet18", 1000)
    response = import_(world, architecture="resnet18", classes_preset="imagenet", image_size=64,
                       weights=SimpleUploadedFile("resnet18-f37072fd.pth", data))  # fmt: skip
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    assert run_worker("train") == 1
    version = ModelVersion.objects.get(pk=response.json()["id"])
    assert version.status == VersionStatus.READY, version.error
    assert len(version.classes) == 1000 and version.classes[:2] == ["tench", "goldfish"]
    assert version.source == "imported" and version.onnx and version.metrics == {}
    predicted = world.client("annotator").post(
        f"/api/v1/model-versions/{version.pk}/predict/?top_k=5",
        {"image": SimpleUploadedFile("x.png", _png())},
    )
    assert predicted.status_code == 200 and len(predicted.json()["predictions"]) == 5


@pytest.mark.django_db
def test_import_that_does_not_fit_fails_with_the_reason(world) -> None:
    from apps.models.registry.jobs import model_version_prepare_job

    response = import_(world, architecture="resnet20", classes="a\nb\nc",
                       weights=SimpleUploadedFile("w.pt", weights_bytes("resnet20", 5)))  # fmt: skip
    assert response.status_code == 202
    assert model_version_prepare_job(version_id=response.json()["id"]) == "failed"
    detail = (
        world.client("annotator").get(f"/api/v1/model-versions/{response.json()['id']}/").json()
    )
    assert detail["status"] == "failed"
    assert (
        "do not fit resnet20 with 3 classes" in detail["error"]
        and "size mismatch" in detail["error"]
    )
    garbage = import_(world, architecture="resnet20", classes="a",
                      weights=SimpleUploadedFile("w.pt", b"not a checkpoint"))  # fmt: skip
    assert model_version_prepare_job(version_id=garbage.json()["id"]) == "failed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"architecture": "vgg16", "classes": "a"}, "Unknown architecture"),
        ({"architecture": "resnet20"}, "Give the class names"),
        ({"architecture": "resnet20", "classes": "a\na"}, "unique"),
        ({"architecture": "resnet20", "classes": "[1, 2]"}, "strings"),
        ({"architecture": "resnet20", "classes_preset": "coco"}, "Unknown classes_preset"),
        # a binary file as the classes file (the fuzzer sent a JPEG: NUL bytes were a 500)
        (
            {
                "architecture": "resnet20",
                "classes_file": SimpleUploadedFile(
                    "c.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
                ),
            },
            "not a class name",
        ),
    ],
)
def test_import_validation(world, fields, message) -> None:
    response = import_(world, weights=SimpleUploadedFile("w.pt", b"x"), **fields)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_import_classes_as_a_file_and_json(world) -> None:
    names = SimpleUploadedFile("synsets.txt", b"n01440764 tench\nn01443537 goldfish\n")
    first = import_(world, architecture="resnet20", classes_file=names,
                    weights=SimpleUploadedFile("w.pt", b"x"))  # fmt: skip
    assert first.status_code == 202
    second = import_(world, architecture="resnet20", classes=json.dumps(["x", "y"]),
                     weights=SimpleUploadedFile("w.pt", b"x"))  # fmt: skip
    got = {v.version: v.classes for v in ModelVersion.objects.all()}
    assert got == {1: ["tench", "goldfish"], 2: ["x", "y"]}
    assert second.json()["version"] == 2
    assert import_(world, "annotator", architecture="resnet20", classes="a",
                   weights=SimpleUploadedFile("w.pt", b"x")).status_code == 403  # fmt: skip


@pytest.mark.django_db
def test_downloads(world) -> None:
    version = make_version(world.project, world.users["owner"])
    client = world.client("annotator")
    response = client.get(f"/api/v1/model-versions/{version.pk}/download/")
    assert response.status_code == 200 and response["Content-Disposition"].endswith(
        '-v1-resnet20.pt"'
    )
    state = torch.load(io.BytesIO(b"".join(response.streaming_content)), weights_only=True)
    assert "fc.weight" in state and state["fc.weight"].shape == (2, 64)

    bundle = client.get(f"/api/v1/model-versions/{version.pk}/download/?format=onnx")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(bundle.streaming_content))) as zf:
        names = set(zf.namelist())
        assert {"model.onnx", "model.json", "labels.txt"} <= names
        assert zf.read("labels.txt").decode().split() == ["sparrow", "robin"]
        model = onnx.ModelProto.FromString(zf.read("model.onnx"))
        external = {
            e.value for t in model.graph.initializer for e in t.external_data if e.key == "location"
        }
        assert external <= names  # every external data file the graph names is in the bundle
    failed = make_version(world.project, world.users["owner"], prepare=False)
    response = client.get(f"/api/v1/model-versions/{failed.pk}/download/?format=onnx")
    assert response.status_code == 409 and response.json()["code"] == "no_onnx"


def _png() -> bytes:
    from tests.factories.images import image_bytes

    return image_bytes(80, 60)
