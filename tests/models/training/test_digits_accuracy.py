"""A CIFAR-style ResNet-20 trained through the API on sklearn's real digits (8x8, upscaled to
32x32) reaches >= 95% accuracy on held-out test images it never saw in training or selection."""

import io
import time
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.images.models import Image
from apps.models.models import RunStatus, TrainingRun
from ml.predict import load_model
from ml.synthetic import digits_manifest
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db

PARAMS = {
    "epochs": 12,
    "batch_size": 64,
    "image_size": 32,
    "lr": 0.1,
    "num_workers": 0,
    "augment": 0.3,
}


def test_resnet20_on_digits_through_the_api_beats_95_percent(
    world, tmp_path, django_capture_on_commit_callbacks
) -> None:
    manifest = digits_manifest(tmp_path / "digits")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for sample in manifest.samples:
            zf.write(manifest.resolve(sample), f"{sample.labels[0]}/{sample.image_id:04d}.png")
    client = world.client("manager")
    project = world.project
    upload = client.post(
        f"/api/v1/projects/{project.pk}/images/",
        {"files": [SimpleUploadedFile("digits.zip", archive.getvalue())], "layout": "folders"},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    body = upload.json()
    assert len(body["created"]) + len(body["duplicates"]) == 1797 and not body["errors"]
    split = client.post(
        f"/api/v1/projects/{project.pk}/split/",
        {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0},
        format="json",
    )
    assert split.status_code == 200

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/projects/{project.pk}/training-runs/",
            {"task": "classify", "architecture": "resnet20", "params": PARAMS},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert run_worker("train") == 1
    run = TrainingRun.objects.get(pk=response.json()["id"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    seconds = time.monotonic() - started

    # held-out: the test split, scored from the stored weights through ml.predict
    local = tmp_path / "model.pt"
    local.write_bytes(default_storage.open(run.weights, "rb").read())
    predictor = load_model(local, "resnet20", run.snapshot.classes, 32, device="cpu")
    test_images = list(
        Image.objects.filter(project=project, split="test").prefetch_related("annotations__label")
    )
    assert len(test_images) > 200
    files = [default_storage.open(image.file.name, "rb").read() for image in test_images]
    predictions = predictor.classify(files, top_k=1)
    truth = [image.annotations.get(kind="tag").label.name for image in test_images]
    accuracy = sum(p[0].label == t for p, t in zip(predictions, truth, strict=True)) / len(truth)
    print(f"digits: held-out test accuracy {accuracy:.3f} on {len(truth)} images; "
          f"val {run.best_metrics['val_accuracy']:.3f}; {seconds:.0f} s from POST to trained")  # fmt: skip
    assert accuracy >= 0.95
