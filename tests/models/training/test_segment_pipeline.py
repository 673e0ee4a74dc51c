"""Segmentation through the app: polygons drawn on synthetic scenes -> a "segment" run on the
train queue (real RQ worker, Mask R-CNN ResNet-18 for a few steps) -> a registered version
with mask mAP -> the predict API's polygons (and RLE on request) -> pre-labelling on the
infer queue making polygon predictions for review. Accuracy is ml/'s test
(tests/ml/test_segmentation.py); this one checks the wiring."""

import io

import pytest
from django.core.files.storage import default_storage

from apps.annotations.models import Annotation, Kind, Review, Source
from apps.annotations.services import annotation_create
from apps.images.services import image_get_or_create
from apps.models.models import AutoAnnotationRun, ModelVersion, TrainingRun
from ml import geometry
from ml.synthetic import segment_manifest
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
PARAMS = {"epochs": 2, "batch_size": 8, "image_size": 80, "lr": 0.02, "optimizer": "sgd",
          "num_workers": 0, "cache": "none"}  # fmt: skip


def _png(path) -> bytes:
    return path.read_bytes()


@pytest.fixture
def scenes(world, tmp_path):
    """16 train + 4 val scenes with their shapes as polygons (rectangle -> sparrow, ellipse ->
    robin), and 2 more scenes with nothing on them, to pre-label."""
    manifest = segment_manifest(tmp_path / "m", n_train=16, n_val=4, n_test=2)
    images = []
    for s in manifest.samples:
        image, _ = image_get_or_create(project=world.project, user=world.users["owner"],
                                       name=f"{s.sha256}.png", data=_png(manifest.resolve(s)))  # fmt: skip
        image.split = s.split if s.split != "test" else "unassigned"
        image.save(update_fields=["split"])
        if s.split != "test":
            for box, segment in zip(s.boxes, s.segments, strict=True):
                annotation_create(image=image, user=world.users["owner"], kind=Kind.POLYGON,
                                  label_id=world.labels[box[4]].pk, polygon=segment["polygon"])  # fmt: skip
        images.append(image)
    return images


def test_segment_run_registers_predicts_polygons_and_prelabels(world, scenes) -> None:
    manager = world.client("manager")
    body = {"task": "segment", "architecture": "maskrcnn_resnet18_fpn", "params": PARAMS}
    started = manager.post(f"/api/v1/projects/{world.project.pk}/training-runs/", body,
                           format="json")  # fmt: skip
    assert started.status_code == 202, started.json()
    assert started.json()["snapshot"]["images"] == 20
    assert run_worker("train") == 1
    run = TrainingRun.objects.get(pk=started.json()["id"])
    assert run.status == "succeeded", run.error
    assert {"map", "map50", "box_map", "box_map50"} <= set(run.best_metrics)
    version = ModelVersion.objects.get(run=run)
    assert version.status == "ready", version.error
    assert version.task == "segment" and version.classes == ["sparrow", "robin"]
    # held-out (the val images): mask mAP and per-class AP; no ONNX for Mask R-CNN: torch
    assert version.metrics["split"] == "val" and {"map", "map50", "per_class"} <= set(
        version.metrics
    )
    assert version.onnx == "" and version.onnx_error
    detail = manager.get(f"/api/v1/model-versions/{version.pk}/").json()
    assert detail["task"] == "segment"

    image = scenes[-1]
    with default_storage.open(image.file.name, "rb") as fh:
        data = fh.read()
    url = f"/api/v1/model-versions/{version.pk}/predict/?threshold=0.01&rle=true"
    answer = manager.post(url, {"image": io.BytesIO(data)}, format="multipart")
    assert answer.status_code == 200, answer.json()
    found = answer.json()["predictions"]
    assert found and answer.json()["backend"] == "torch-cpu"
    for p in found:
        assert set(p) == {"label", "score", "box", "polygon", "mask"}
        assert p["mask"]["size"] == [80, 96] and geometry.rle_check(p["mask"])
    outlined = [p for p in found if p["polygon"]]
    assert outlined and all(len(ring) >= 3 for p in outlined for ring in p["polygon"])
    plain = manager.post(f"/api/v1/model-versions/{version.pk}/predict/?threshold=0.01",
                         {"image": io.BytesIO(data)}, format="multipart").json()  # fmt: skip
    assert all("mask" not in p for p in plain["predictions"])

    started = manager.post(f"/api/v1/projects/{world.project.pk}/auto-annotate/",
                           {"mode": "segment", "model_version": version.pk, "threshold": 0.01,
                            "scope": "unlabelled"}, format="json")  # fmt: skip
    assert started.status_code == 202, started.json()
    assert started.json()["total"] == 2
    assert run_worker("infer") == 1
    prelabel = AutoAnnotationRun.objects.get(pk=started.json()["id"])
    assert prelabel.status == "succeeded", prelabel.error
    made = Annotation.objects.filter(model_version=version)
    assert made.exists() and prelabel.counts["predictions"] == made.count()
    for a in made:
        assert a.kind == Kind.POLYGON and a.source == Source.MODEL and a.review == Review.PENDING
        assert 0 < a.score <= 1 and len(a.polygon[0]) >= 3 and a.w > 0
        assert a.image_id in {scenes[-1].pk, scenes[-2].pk}

    refused = manager.post(f"/api/v1/projects/{world.project.pk}/auto-annotate/",
                           {"mode": "detect", "model_version": version.pk}, format="json")  # fmt: skip
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_model_version"
