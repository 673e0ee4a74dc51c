"""Auto-annotation end to end on CPU: a model trained here pre-labels new images through the
API -> infer queue -> real RQ worker; progress arrives over the websocket; people review;
the registry counts how they treated the predictions. Plus idempotency, cancel, revert,
two-stage, and the most-uncertain-first order."""

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.annotations.models import Annotation, AnnotationEvent, Review, Source
from apps.annotations.services import upload_with_tags
from apps.images.models import Image
from apps.models.autolabel import services as autoannotate
from apps.models.models import AutoAnnotationRun, ModelVersion
from tests.factories.models import make_version
from tests.helpers.processes import run_worker
from tests.helpers.training import FAST, noisy_png
from tests.helpers.ws import connect, receive


def train_version(world) -> ModelVersion:
    body = {"task": "classify", "architecture": "resnet20", "params": {**FAST, "epochs": 3}}
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/training-runs/", body, format="json"
    )
    assert response.status_code == 202
    run_worker("train")
    version = ModelVersion.objects.get(run_id=response.json()["id"])
    assert version.status == "ready", version.error
    return version


def new_images(world, n: int = 3) -> list[Image]:
    files = [
        SimpleUploadedFile(f"new-red{i}.png", noisy_png((200, 40, 40), 100 + i)) for i in range(n)
    ]
    files += [
        SimpleUploadedFile(f"new-blue{i}.png", noisy_png((40, 60, 200), 200 + i)) for i in range(n)
    ]
    created = upload_with_tags(
        project=world.project, user=world.users["owner"], files=files
    ).created
    return list(Image.objects.filter(pk__in=created).order_by("id"))


def start(world, **body):
    return world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/auto-annotate/", body, format="json"
    )


def predictions(version, **filters):
    return Annotation.objects.filter(model_version=version, **filters)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_predict_review_and_stats_end_to_end(world, tagged_images) -> None:
    version = await database_sync_to_async(train_version)(world)
    images = await database_sync_to_async(new_images)(world)
    communicator = await connect(world, "annotator")
    await communicator.connect()
    await receive(communicator)  # hello
    response = await database_sync_to_async(start)(world, model_version=version.pk, threshold=0.0)
    assert response.status_code == 202, response.json()
    assert (
        response.json()["total"] == 6 and response.json()["status"] == "queued"
    )  # only the 6 untagged

    assert await database_sync_to_async(run_worker)("infer") == 1
    seen = []
    while not seen or not seen[-1]["finished"]:
        event = await receive(communicator)
        if event["type"] == "autoannotate.progress":
            seen.append(event["payload"])
    await communicator.disconnect()
    assert seen[0]["status"] == "queued" and seen[-1]["status"] == "succeeded"
    assert seen[-1]["processed"] == 6 and seen[-1]["progress"] == 1.0
    assert seen[-1]["counts"]["predictions"] == 6

    @database_sync_to_async
    def review_and_check() -> None:
        made = {a.image_id: a for a in predictions(version)}
        assert set(made) == {i.pk for i in images}
        for a in made.values():
            assert (a.source, a.review, a.kind) == (
                Source.MODEL,
                Review.PENDING,
                "tag",
            ) and 0 <= a.score <= 1
        names = {i.pk: made[i.pk].label.name for i in images}
        right = sum(names[i.pk] == ("sparrow" if "red" in i.filename else "robin") for i in images)
        assert right >= 5, names  # red -> sparrow, blue -> robin, learnt from 40 images
        assert all(i.uncertainty is not None for i in Image.objects.filter(pk__in=made))

        client = world.client("annotator")
        first, second, third = (made[i.pk] for i in images[:3])
        accepted = client.post(
            f"/api/v1/annotations/{first.pk}/review/",
            {"action": "accept", "version": 1},
            format="json",
        )
        assert accepted.status_code == 200 and accepted.json()["review"] == "accepted"
        assert (
            accepted.json()["source"] == "model" and accepted.json()["model_version"] == version.pk
        )
        assert (
            client.post(
                f"/api/v1/annotations/{second.pk}/review/",
                {"action": "reject", "version": 1},
                format="json",
            ).json()["review"]
            == "rejected"
        )
        other = world.labels[1] if third.label_id == world.labels[0].pk else world.labels[0]
        fixed = client.patch(
            f"/api/v1/annotations/{third.pk}/", {"label": other.pk, "version": 1}, format="json"
        ).json()
        assert (fixed["source"], fixed["review"], fixed["model_version"]) == (
            "human",
            "accepted",
            version.pk,
        )
        stale = client.post(
            f"/api/v1/annotations/{first.pk}/review/",
            {"action": "reject", "version": 1},
            format="json",
        )
        assert stale.status_code == 409
        human = Annotation.objects.filter(source="human").first()
        assert (
            client.post(
                f"/api/v1/annotations/{human.pk}/review/",
                {"action": "accept", "version": human.version},
                format="json",
            ).status_code
            == 400
        )

        stats = client.get(f"/api/v1/model-versions/{version.pk}/").json()["review_stats"]
        assert stats == {"pending": 3, "accepted": 1, "corrected": 1, "rejected": 1, "reviewed": 3,
                         "correction_rate": pytest.approx(2 / 3)}  # fmt: skip

        # run again: the 3 pending predictions are replaced, not duplicated; reviewed ones stay
        again = start(world, model_version=version.pk, threshold=0.0)
        assert (
            again.json()["total"] == 4
        )  # images whose label a person made or accepted are skipped
        run_worker("infer")
        run = AutoAnnotationRun.objects.get(pk=again.json()["id"])
        assert run.status == "succeeded" and run.counts["replaced"] == 3
        assert (
            predictions(version, review="pending").count() == 4
        )  # 3 replaced + 1 on the rejected image
        assert predictions(version).count() == 7
        assert predictions(version, review="rejected").count() == 1
        # the annotations app wrote them: a history event (no actor) per removal and creation
        events = AnnotationEvent.objects.filter(project=world.project, actor=None)
        for a in predictions(version, review="pending"):
            made_event = events.get(annotation_id=a.pk, action="created")
            assert made_event.after["score"] == a.score and made_event.after["review"] == "pending"
        assert events.filter(action="deleted").count() == 3  # the replaced pending ones

        reverted = world.client("manager").post(
            f"/api/v1/model-versions/{version.pk}/revert-predictions/"
        )
        assert (
            reverted.json() == {"removed": 4}
            and not predictions(version, review="pending").exists()
        )
        assert predictions(version).count() == 3

    await review_and_check()


@pytest.mark.django_db(transaction=True)
def test_cancel_between_batches(world, monkeypatch) -> None:
    version = make_version(world.project, world.users["owner"])
    new_images(world, 4)
    monkeypatch.setattr(autoannotate, "BATCH", 2)
    original = autoannotate.progress

    def cancel_after_first_batch(run, processed, counts):
        if processed == 2:
            world.client("manager").post(f"/api/v1/auto-annotation-runs/{run.pk}/cancel/")
        return original(run, processed, counts)

    monkeypatch.setattr(autoannotate, "progress", cancel_after_first_batch)
    body = start(world, model_version=version.pk, threshold=0.0).json()
    run_worker("train", "infer")
    run = AutoAnnotationRun.objects.get(pk=body["id"])
    assert (run.status, run.processed, run.total) == ("cancelled", 2, 8)
    assert predictions(version).count() == 2  # the first batch's predictions are kept
    queued = start(world, model_version=version.pk, threshold=0.0).json()
    cancelled = world.client("manager").post(f"/api/v1/auto-annotation-runs/{queued['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert (
        run_worker("infer") == 1 and AutoAnnotationRun.objects.get(pk=queued["id"]).processed == 0
    )
    assert (
        world.client("manager")
        .post(f"/api/v1/auto-annotation-runs/{queued['id']}/cancel/")
        .status_code
        == 409
    )


@pytest.mark.django_db
def test_start_validation_and_permissions(world) -> None:
    assert start(world).json()["code"] == "invalid_model_version"  # nothing in production
    version = make_version(world.project, world.users["owner"])
    assert start(world, model_version=version.pk).json()["code"] == "no_images"
    new_images(world, 1)
    assert (
        start(world, model_version=version.pk, mode="detect").json()["code"]
        == "invalid_model_version"
    )
    assert (
        start(world, model_version=version.pk, scope="filter", filters={"colour": "red"}).json()[
            "code"
        ]
        == "invalid_filters"
    )
    bad_value = start(world, model_version=version.pk, scope="filter", filters={"status": [1]})
    assert bad_value.status_code == 400 and bad_value.json()["detail"].startswith("filters:")
    pending = make_version(world.project, world.users["owner"], prepare=False)
    assert start(world, model_version=pending.pk).status_code == 409
    url = f"/api/v1/projects/{world.project.pk}/auto-annotate/"
    assert (
        world.client("annotator")
        .post(url, {"model_version": version.pk}, format="json")
        .status_code
        == 403
    )
    assert (
        world.client("outsider").post(url, {"model_version": version.pk}, format="json").status_code
        == 404
    )
    ok = start(
        world, model_version=version.pk, scope="filter", filters={"status": "new"}, threshold=0.2
    )
    assert ok.status_code == 202 and ok.json()["total"] == 2
    listed = (
        world.client("annotator")
        .get(f"/api/v1/projects/{world.project.pk}/auto-annotation-runs/")
        .json()
    )
    assert [r["id"] for r in listed["results"]] == [ok.json()["id"]]
    assert (
        world.client("outsider").get(f"/api/v1/auto-annotation-runs/{ok.json()['id']}/").status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_two_stage_boxes_get_the_classifier_labels(world) -> None:
    detector = make_version(world.project, world.users["owner"], architecture="fasterrcnn_mobilenet_v3_large_fpn",
                            classes=("object",), image_size=96)  # fmt: skip
    classifier = make_version(world.project, world.users["owner"])  # sparrow / robin
    files = [
        SimpleUploadedFile(f"scene{i}.png", noisy_png((90 + 40 * i, 120, 60), 300 + i))
        for i in range(2)
    ]
    upload_with_tags(project=world.project, user=world.users["owner"], files=files)
    body = start(world, mode="two_stage", model_version=detector.pk, classifier_version=classifier.pk,
                 threshold=0.01).json()  # fmt: skip
    assert body["classifier_version"]["id"] == classifier.pk
    run_worker("train", "infer")
    run = AutoAnnotationRun.objects.get(pk=body["id"])
    assert run.status == "succeeded", run.error
    boxes = list(predictions(detector))
    assert boxes and run.counts["predictions"] == len(boxes)  # random weights still propose boxes
    assert {a.kind for a in boxes} == {"box"} and {a.label.name for a in boxes} <= {
        "sparrow",
        "robin",
    }
    for a in boxes:
        assert (
            a.x >= 0
            and a.y >= 0
            and a.x + a.w <= a.image.width + 1e-6
            and a.y + a.h <= a.image.height + 1e-6
        )


@pytest.mark.django_db
def test_most_uncertain_first(world, make_images) -> None:
    images = make_images(6)
    for image, u in zip(images, [0.2, None, 0.9, 0.5, 0.9, None], strict=True):
        Image.objects.filter(pk=image.pk).update(uncertainty=u)
    client = world.client("annotator")
    url = f"/api/v1/projects/{world.project.pk}/images/?order=uncertain&page_size=2"
    order, next_url = [], url
    while next_url:
        page = client.get(next_url).json()
        order += [r["id"] for r in page["results"]]
        next_url = page["next"]
    ids = [i.pk for i in images]
    assert order == [ids[2], ids[4], ids[3], ids[0], ids[1], ids[5]]  # ties and unscored by id
    neighbors = client.get(f"/api/v1/images/{ids[3]}/neighbors/?order=uncertain").json()
    assert (neighbors["previous"], neighbors["next"]) == (ids[4], ids[0])
    version = make_version(world.project, world.users["owner"], prepare=False)
    for image, review in ((images[0], "pending"), (images[2], "accepted"), (images[4], "pending")):
        Annotation.objects.create(image=image, label=world.labels[0], kind="tag", source="model",
                                  model_version=version, score=0.5, review=review)  # fmt: skip
    pending = client.get(
        f"/api/v1/projects/{world.project.pk}/images/?review=pending&order=uncertain"
    ).json()
    assert [r["id"] for r in pending["results"]] == [ids[4], ids[0]]
    nxt = client.get(f"/api/v1/images/{ids[4]}/neighbors/?review=pending&order=uncertain").json()
    assert nxt["next"] == ids[0]


@pytest.mark.django_db
def test_accept_all_above_a_score(world, make_images) -> None:
    version = make_version(world.project, world.users["owner"], prepare=False)
    image = make_images(1)[0]
    for score in (0.95, 0.7, 0.4):
        Annotation.objects.create(image=image, label=world.labels[0], kind="box", x=1, y=1, w=3, h=3,
                                  source="model", model_version=version, score=score, review="pending")  # fmt: skip
    response = world.client("annotator").post(
        f"/api/v1/images/{image.pk}/review/", {"action": "accept", "min_score": 0.6}, format="json"
    )
    assert sorted(r["score"] for r in response.json()["results"]) == [0.7, 0.95]
    assert sorted(Annotation.objects.values_list("review", flat=True)) == [
        "accepted",
        "accepted",
        "pending",
    ]
    history = world.client("annotator").get(f"/api/v1/images/{image.pk}/history/").json()["results"]
    assert sum(1 for e in history if e["action"] == "updated") == 2


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_reaped(world, settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    version = make_version(world.project, world.users["owner"])
    new_images(world, 1)
    body = start(world, model_version=version.pk).json()
    long_ago = timezone.now() - timedelta(seconds=settings.LABELFORGE_RUN_STALE_SECONDS + 5)
    AutoAnnotationRun.objects.filter(pk=body["id"]).update(status="running", heartbeat_at=long_ago)
    fresh = start(world, model_version=version.pk).json()
    AutoAnnotationRun.objects.filter(pk=fresh["id"]).update(
        status="running", heartbeat_at=timezone.now()
    )
    url = f"/api/v1/auto-annotation-runs/{body['id']}/"
    # Reads never write: only the reaper (manage.py reap_runs, runstack runs it) reaps.
    assert world.client("annotator").get(url).json()["status"] == "running"
    call_command("reap_runs")
    detail = world.client("annotator").get(url).json()
    assert detail["status"] == "interrupted" and "Start the run again" in detail["error"]
    assert AutoAnnotationRun.objects.get(pk=fresh["id"]).status == "running"


@pytest.mark.django_db(transaction=True)
def test_jpegs_decoded_where_the_model_runs_give_the_same_predictions(
    world, settings, monkeypatch
) -> None:
    """LABELFORGE_DEVICE_DECODE=on exercises the GPU worker's path (decode_jpeg on the model's
    device) on this CPU; its predictions match the Pillow path's."""
    from apps.models.serving import inference
    from ml.predict import Predictor
    from tests.factories.images import image_bytes

    settings.LABELFORGE_INFERENCE_BACKEND = "torch"
    inference.clear_cache()
    version = make_version(world.project, world.users["owner"])
    files = [SimpleUploadedFile(f"p{i}.jpg", image_bytes(60 + 7 * i, 45, fmt="JPEG", color=(40 * i, 90, 200 - 30 * i)))
             for i in range(5)]  # fmt: skip
    upload_with_tags(project=world.project, user=world.users["owner"], files=files)
    calls = []
    original = Predictor.classify_jpegs
    monkeypatch.setattr(
        Predictor,
        "classify_jpegs",
        lambda self, blobs, top_k=3: calls.append(len(blobs)) or original(self, blobs, top_k),
    )

    def run(decode: str) -> dict[int, tuple[str, float]]:
        settings.LABELFORGE_DEVICE_DECODE = decode
        start(world, model_version=version.pk, threshold=0.0, scope="all")
        run_worker("train", "infer")
        return {a.image_id: (a.label.name, a.score) for a in predictions(version, review="pending")}

    on_device = run("on")
    assert calls == [5]
    with_pillow = run("off")
    assert calls == [5] and set(on_device) == set(with_pillow) and len(on_device) == 5
    for image_id, (label, score) in with_pillow.items():
        assert on_device[image_id][0] == label and on_device[image_id][1] == pytest.approx(
            score, abs=0.02
        )
    inference.clear_cache()
