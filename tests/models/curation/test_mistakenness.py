"""Likely label errors on real data: a ResNet-20 trained on part of sklearn's digits, and a
project holding 300 other digits of which 15 (5%) carry a wrong label on purpose. An
embeddings run with the version (a real RQ worker on the infer queue) stores its predictions;
the image list's order=mistakenness puts most flipped ones in its top 10% (random: 10%), and
the labeller's opinion of an image names the model's class next to the given one, scored
against the labels as they are now. Detection verdicts are checked on stored predictions."""

import io
import random
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.annotations.models import Annotation
from apps.images.models import Image
from apps.models.curation import services
from apps.models.models import EmbeddingRun, ImageEmbedding
from apps.models.registry.jobs import model_version_prepare_job
from apps.models.registry.services import model_version_import
from ml.callbacks import Callbacks
from ml.config import TrainConfig
from ml.manifest import Manifest
from ml.synthetic import digits_manifest
from ml.train import train
from tests.factories.models import make_version
from tests.helpers.processes import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
IN_PROJECT, FLIPPED = 300, 15


@pytest.fixture(scope="module")
def digits_model(tmp_path_factory) -> tuple[Manifest, bytes, list[int]]:
    """(the digits, weights trained on 1,497 of them, the ids of 300 others it never saw)."""
    root = tmp_path_factory.mktemp("digits")
    digits = digits_manifest(root / "data")
    rng = random.Random(0)
    order = list(range(len(digits.samples)))
    rng.shuffle(order)
    unseen, seen = order[:IN_PROJECT], order[IN_PROJECT:]
    samples = [digits.samples[i] for i in seen]
    for k, s in enumerate(samples):
        s.split = "val" if k % 7 == 0 else "train"
    subset = Manifest("classify", digits.classes, samples, root=digits.root)
    params = {"epochs": 6, "batch_size": 64, "lr": 0.1, "augment": 0.3, "num_workers": 0,
              "warmup_epochs": 1}  # fmt: skip
    config = TrainConfig.from_params(task="classify", architecture_name="resnet20", params=params)
    result = train(subset, config, root / "run", Callbacks())
    assert result.weights_path is not None and result.best_metrics["val_accuracy"] > 0.85
    return digits, Path(result.weights_path).read_bytes(), unseen


@pytest.fixture
def noisy_project(world, digits_model) -> tuple[object, dict[int, tuple[str, str]]]:
    """The 300 unseen digits uploaded folder by class, 15 of them in a wrong folder; answers
    the version and {image id: (given label, true label)} of the flipped ones."""
    digits, weights, unseen = digits_model
    rng = random.Random(1)
    flipped = set(rng.sample(unseen, FLIPPED))
    archive, truth = io.BytesIO(), {}
    with zipfile.ZipFile(archive, "w") as zf:
        for i in unseen:
            sample = digits.samples[i]
            true = str(sample.labels[0])
            given = str((int(true) + rng.randint(1, 9)) % 10) if i in flipped else true
            name = f"{i:04d}.png"
            zf.write(digits.resolve(sample), f"{given}/{name}")
            truth[name] = (given, true)
    client = world.client("manager")
    upload = client.post(
        f"/api/v1/projects/{world.project.pk}/images/",
        {"files": [SimpleUploadedFile("digits.zip", archive.getvalue())], "layout": "folders"},
        format="multipart",
    )
    assert upload.status_code == 201 and len(upload.json()["created"]) == IN_PROJECT, upload.json()
    version = model_version_import(
        project=world.project, user=world.users["owner"], architecture="resnet20",
        weights=SimpleUploadedFile("model.pt", weights), classes="\n".join(digits.classes),
        classes_preset=None, image_size=32,
    )  # fmt: skip
    model_version_prepare_job(version_id=version.pk)
    version.refresh_from_db()
    wrong = {
        img.pk: truth[img.filename.rsplit("/", 1)[-1]]
        for img in Image.objects.filter(project=world.project)
        if truth[img.filename.rsplit("/", 1)[-1]][0] != truth[img.filename.rsplit("/", 1)[-1]][1]
    }
    assert len(wrong) == FLIPPED
    return version, wrong


def _embed(world, version_id: int) -> EmbeddingRun:
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/embeddings/", {"model_version": version_id},
        format="json",
    )  # fmt: skip
    assert response.status_code == 202, response.json()
    run_worker("infer")
    run = EmbeddingRun.objects.get(pk=response.json()["id"])
    assert run.status == "succeeded", run.error
    return run


def _queue(world, size: int) -> list[int]:
    response = world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/images/", {"order": "mistakenness", "page_size": size}
    )
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_flipped_labels_rise_to_the_top_of_the_queue(world, noisy_project) -> None:
    version, wrong = noisy_project
    run = _embed(world, version.pk)
    assert run.counts["computed"] == IN_PROJECT and run.counts["judged"] == IN_PROJECT
    top = _queue(world, IN_PROJECT // 10)
    found = len(set(top) & set(wrong)) / FLIPPED
    print(f"\nflipped labels in the top 10% of the queue: {found:.0%} (random: 10%)")
    assert found >= 0.6, found

    # the labeller's panel: the model's class next to the given one
    first = next(i for i in top if i in wrong)
    opinion = world.client("annotator").get(f"/api/v1/images/{first}/opinion/").json()
    given, true = wrong[first]
    assert opinion["model_version"]["id"] == version.pk and opinion["labelled"] is True
    [suspect] = opinion["suspects"]
    assert (suspect["kind"], suspect["given"], suspect["label"]) == ("wrong_label", given, true)
    assert opinion["score"] > 0.5 and len(opinion["predictions"]) == 10


def test_a_fixed_label_leaves_the_queue(world, noisy_project) -> None:
    version, wrong = noisy_project
    _embed(world, version.pk)
    first = _queue(world, 1)[0]
    assert first in wrong
    tag = Annotation.objects.get(image_id=first, kind="tag")
    true = world.project.labels.get(name=wrong[first][1])
    fixed = world.client("annotator").patch(
        f"/api/v1/annotations/{tag.pk}/", {"label": true.pk, "version": tag.version}, format="json"
    )
    assert fixed.status_code == 200, fixed.json()
    # the opinion is scored against the label as it is now, at once
    opinion = world.client("annotator").get(f"/api/v1/images/{first}/opinion/").json()
    assert opinion["score"] < 0.2 and opinion["suspects"] == []
    # a second run computes nothing again and rescores: the fixed image leaves the top
    again = _embed(world, version.pk)
    assert again.counts["computed"] == 0 and again.counts["judged"] == IN_PROJECT
    assert first not in _queue(world, IN_PROJECT // 10)
    assert Image.objects.get(pk=first).mistakenness < 0.2


def test_the_map_places_every_image(world, noisy_project) -> None:
    version, wrong = noisy_project
    _embed(world, version.pk)
    response = world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/embedding-map/", {"model_version": version.pk}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["method"] in ("pca", "umap") and body["count"] == body["total"] == IN_PROJECT
    assert len(body["x"]) == len(body["y"]) == len(body["label"]) == IN_PROJECT
    assert all(0 <= v <= 1 for v in body["x"] + body["y"])
    names = {label["id"]: label["name"] for label in body["labels"]}
    assert {names[k] for k in body["label"]} == {str(d) for d in range(10)}
    scores = dict(zip(body["ids"], body["mistakenness"], strict=True))
    assert min(scores[i] for i in wrong) > 0 and max(scores.values()) <= 1
    # digits of one class sit together: a point's nearest neighbour mostly shares its label
    import numpy as np

    xy = np.array([body["x"], body["y"]]).T
    d = ((xy[:, None] - xy[None]) ** 2).sum(-1) + np.eye(len(xy)) * 9
    same = np.mean(np.array(body["label"])[d.argmin(1)] == np.array(body["label"]))
    assert same > 0.5, same


def test_opinion_without_a_model_and_for_a_non_member(world, make_images) -> None:
    [image] = make_images(1)
    other = world.client("outsider").get(f"/api/v1/images/{image.pk}/opinion/")
    assert other.status_code == 404
    none = world.client("annotator").get(f"/api/v1/images/{image.pk}/opinion/")
    assert none.status_code == 200 and none.json()["model_version"] is None
    bad = world.client("annotator").get(f"/api/v1/images/{image.pk}/opinion/?model_version=x")
    assert bad.status_code == 400
    wrong_project = world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/embedding-map/", {"model_version": 999999}
    )
    assert wrong_project.status_code == 400


def test_detection_verdicts_from_stored_predictions(world, make_images) -> None:
    """Boxes people drew (and predictions they accepted) against a detector's stored boxes;
    pending predictions are not labels."""
    version = make_version(world.project, world.users["owner"], prepare=False)
    version.task = "detect"
    version.save(update_fields=["task"])
    agree, missing, unlabelled = make_images(3)
    car = world.project.labels.first()
    user = world.users["annotator"]
    box = {"x": 10.0, "y": 10.0, "w": 20.0, "h": 20.0}
    Annotation.objects.create(image=agree, label=car, kind="box", created_by=user, **box)
    Annotation.objects.create(image=missing, label=car, kind="box", created_by=user, **box)
    Annotation.objects.create(image=unlabelled, label=car, kind="box", source="model",
                              review="pending", score=0.9, **box)  # fmt: skip
    here = {"label": car.name, "score": 0.9, "box": box}
    there = {"label": car.name, "score": 0.8, "box": {"x": 40, "y": 40, "w": 10, "h": 10}}
    for image, predictions in ((agree, [here]), (missing, [here, there]), (unlabelled, [here])):
        ImageEmbedding.objects.create(image=image, model_version=version, dim=1,
                                      space=f"version:{version.pk}", vector=b"\0\0\0\0",
                                      predictions=predictions)  # fmt: skip
    assert services.mistakenness_update(project=world.project, version=version) == 2
    scores = dict(Image.objects.filter(project=world.project).values_list("pk", "mistakenness"))
    assert scores[agree.pk] == 0 and scores[missing.pk] == pytest.approx(0.8)
    assert scores[unlabelled.pk] is None
    opinion = world.client("annotator").get(f"/api/v1/images/{missing.pk}/opinion/").json()
    assert [(s["kind"], s["box"]) for s in opinion["suspects"]] == [("missing", there["box"])]
