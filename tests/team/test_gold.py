"""Gold checks: gold images (reference labels) mixed into a batch unannounced, labelled blind
on private copies nobody else sees, submitted by marking them done, and scored against the
reference per annotator and per label, on a hand-worked case."""

import pytest
from channels.db import database_sync_to_async

from apps.annotations.models import Annotation, AnnotationEvent, Attempt
from apps.annotations.services import annotation_create
from apps.images.models import Image
from tests.helpers.ws import connect, quiet, receive

pytestmark = pytest.mark.django_db


def _gold(world, image, *, tag, box_label, box) -> None:
    owner = world.users["owner"]
    labels = {label.name: label for label in world.labels}
    annotation_create(image=image, user=owner, kind="tag", label_id=labels[tag].pk)
    annotation_create(image=image, user=owner, kind="box", label_id=labels[box_label].pk, box=box)
    Image.objects.filter(pk=image.pk).update(sample_weight=4.0, status="reviewed")


def _box(x, y, w, h):
    return {"x": x, "y": y, "w": w, "h": h}


def _label(world, name):
    return next(label.pk for label in world.labels if label.name == name)


def _setup(world, make_images):
    """Two gold images and a batch of two for the annotator with both mixed in."""
    images = make_images(4)
    g1, g2 = images[0], images[1]
    _gold(world, g1, tag="sparrow", box_label="robin", box=_box(5, 5, 20, 20))
    _gold(world, g2, tag="robin", box_label="sparrow", box=_box(2, 2, 10, 10))
    made = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/batches/",
        {"image_ids": [images[2].pk, images[3].pk], "assignee": "annotator", "gold": 5},
        format="json",
    )
    assert made.status_code == 201, made.json()
    return images, made.json()


def test_gold_checks_are_labelled_blind_and_scored_by_hand(world, make_images) -> None:
    images, batch = _setup(world, make_images)
    g1, g2 = images[0], images[1]
    assert batch["images"] == 4 and batch["done"] == 0  # 2 of its own and both gold images
    assert set(Attempt.objects.values_list("image_id", flat=True)) == {g1.pk, g2.pk}

    annotator = world.client("annotator")
    listed = annotator.get(f"/api/v1/projects/{world.project.pk}/images/?batch={batch['id']}")
    rows = {r["id"]: r for r in listed.json()["results"]}
    assert set(rows) == {i.pk for i in images}
    # unannounced: to the annotator a gold check reads as any other image of the batch
    assert rows[g1.pk]["gold"] is False and rows[g1.pk]["sample_weight"] == 1.0
    assert rows[g1.pk]["stage"] == "annotation" and rows[g1.pk]["batch"] == batch["id"]
    assert rows[g1.pk]["annotation_count"] == 0  # not the gold labels' count
    assert annotator.get(f"/api/v1/images/{g1.pk}/annotations/").json()["results"] == []
    assert annotator.get(f"/api/v1/images/{g1.pk}/history/").json()["results"] == []
    reference = Annotation.objects.get(image=g1, kind="box")
    assert annotator.get(f"/api/v1/annotations/{reference.pk}/").status_code == 404

    def add(image, kind, label, box=None):
        body = {"kind": kind, "label": _label(world, label), **({"box": box} if box else {})}
        made = annotator.post(f"/api/v1/images/{image.pk}/annotations/", body, format="json")
        assert made.status_code == 201, made.json()
        return made.json()

    add(g1, "tag", "sparrow")  # right
    near = add(g1, "box", "robin", _box(6, 5, 20, 20))
    moved = annotator.patch(f"/api/v1/annotations/{near['id']}/",
                            {"version": near["version"], "box": _box(7, 5, 20, 20)}, format="json")  # fmt: skip
    assert moved.status_code == 200 and moved.json()["version"] == 2  # IoU 360/440 with gold
    add(g1, "box", "sparrow", _box(30, 2, 8, 8))  # spurious
    add(g2, "tag", "sparrow")  # wrong (gold: robin), and gold's sparrow box missed

    # the reference and everyone else's view are untouched; nothing private in the history
    reviewer = world.client("reviewer")
    assert len(reviewer.get(f"/api/v1/images/{g1.pk}/annotations/").json()["results"]) == 2
    assert Annotation.objects.filter(image__in=[g1, g2]).count() == 4
    assert Annotation.everyone.filter(worker=world.users["annotator"]).count() == 4
    assert AnnotationEvent.objects.filter(actor=world.users["annotator"]).count() == 0
    stats = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/dataset/stats/")
    assert sum(row["boxes"] for row in stats.json()["labels"]) == 2  # the gold boxes only

    for image in (g1, g2):
        done = annotator.patch(f"/api/v1/images/{image.pk}/", {"status": "done"}, format="json")
        assert done.status_code == 200 and done.json()["status"] == "done"
    assert Image.objects.get(pk=g1.pk).status == "reviewed"  # the gold image itself as it was
    assert annotator.get(f"/api/v1/batches/{batch['id']}/").json()["done"] == 2

    # hand-worked: tags 1 right of 3 decisions; boxes 1 of 2 matched each way (F1 0.5)
    team = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/team-stats/").json()
    agreement = {row["username"]: row["gold_agreement"] for row in team}
    mine = next(row for row in team if row["username"] == "annotator")
    assert (mine["images_done"], mine["boxes"], mine["tags"]) == (2, 2, 2)  # blind work counts
    assert agreement["annotator"] == pytest.approx((1 / 3 + 0.5) / 2, abs=1e-4)
    assert agreement["reviewer"] is None
    (row,) = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/gold/").json()
    assert row["username"] == "annotator" and row["checks"] == 2
    assert row["tag_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert row["precision"] == 0.5 and row["recall"] == 0.5
    assert row["mean_iou"] == pytest.approx(360 / 440, abs=1e-4)
    by_label = {r["label"]: r for r in row["by_label"]}
    assert by_label["sparrow"]["tag_accuracy"] == 0.5 and by_label["sparrow"]["matched"] == 0
    assert by_label["sparrow"]["agreement"] == 0.25  # tags 0.5, boxes F1 0
    assert by_label["robin"]["tag_accuracy"] == 0.0 and by_label["robin"]["recall"] == 1.0
    assert by_label["robin"]["agreement"] == 0.5
    assert world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/gold/").status_code == 403  # fmt: skip


def test_gold_draw_skips_own_references_and_repeats(world, make_images) -> None:
    images = make_images(3)
    _gold(world, images[0], tag="sparrow", box_label="robin", box=_box(5, 5, 20, 20))
    url = f"/api/v1/projects/{world.project.pk}/batches/"
    manager = world.client("manager")
    first = manager.post(url, {"image_ids": [images[1].pk], "assignee": "annotator", "gold": 3},
                         format="json").json()  # fmt: skip
    assert first["images"] == 2
    again = manager.post(url, {"image_ids": [images[2].pk], "assignee": "annotator", "gold": 3},
                         format="json").json()  # fmt: skip
    assert again["images"] == 1  # the one gold image was tried already
    owner = manager.post(f"{url}split/", {"assignees": ["owner"], "gold": 3}, format="json")
    assert owner.status_code == 400  # nothing left to assign; and the owner made the reference
    assert not Attempt.objects.filter(user=world.users["owner"]).exists()


def test_reassigning_a_batch_hands_its_open_gold_checks_over(world, make_images) -> None:
    images, batch = _setup(world, make_images)
    url = f"/api/v1/batches/{batch['id']}/"
    moved = world.client("manager").patch(url, {"assignee": "reviewer"}, format="json")
    assert moved.status_code == 200 and moved.json()["images"] == 4
    open_ = Attempt.objects.filter(closed_at__isnull=True)
    assert {a.user.username for a in open_} == {"reviewer"}
    assert world.client("annotator").get(  # no longer blind: the image reads as it is
        f"/api/v1/images/{images[0].pk}/annotations/").json()["results"] != []  # fmt: skip
    assert world.client("manager").delete(url).status_code == 204
    assert not Attempt.objects.filter(closed_at__isnull=True).exists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_private_copies_are_broadcast_to_their_owner_only(world, make_images) -> None:
    images, _ = await database_sync_to_async(_setup)(world, make_images)
    mine, theirs = await connect(world, "annotator"), await connect(world, "reviewer")
    for socket in (mine, theirs):
        assert (await socket.connect())[0]
        assert (await receive(socket))["type"] == "hello"
    client = await database_sync_to_async(world.client)("annotator")
    made = await database_sync_to_async(client.post)(
        f"/api/v1/images/{images[0].pk}/annotations/",
        {"kind": "tag", "label": _label(world, "robin")}, format="json",
    )  # fmt: skip
    assert made.status_code == 201
    event = await receive(mine)
    assert event["type"] == "annotation.created" and event["payload"]["id"] == made.json()["id"]
    assert await quiet(theirs, timeout=1.5)
    for socket in (mine, theirs):
        await socket.disconnect()


def test_gold_polygons_are_scored_against_masks_by_mask_iou(world, make_images) -> None:
    import numpy as np

    from ml.geometry import mask_rle

    images = make_images(2)  # 40 x 30
    gold = images[0]
    robin = _label(world, "robin")
    square = [[0, 0], [10, 0], [10, 10], [0, 10]]  # 100 pixels
    annotation_create(image=gold, user=world.users["owner"], kind="polygon", label_id=robin,
                      polygon=square)  # fmt: skip
    Image.objects.filter(pk=gold.pk).update(sample_weight=4.0, status="reviewed")
    made = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/batches/",
        {"image_ids": [images[1].pk], "assignee": "annotator", "gold": 1}, format="json",
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["images"] == 2
    m = np.zeros((30, 40), np.uint8)
    m[0:10, 0:8] = 1  # 80 of the square's pixels: IoU 0.8
    annotator = world.client("annotator")
    for body in (
        {"kind": "mask", "mask": mask_rle(m).json()},
        {"kind": "polygon", "polygon": [[30, 20], [35, 20], [35, 25]]},
    ):  # spurious
        added = annotator.post(f"/api/v1/images/{gold.pk}/annotations/",
                               {**body, "label": robin}, format="json")  # fmt: skip
        assert added.status_code == 201, added.json()
    annotator.patch(f"/api/v1/images/{gold.pk}/", {"status": "done"}, format="json")
    (row,) = world.client("manager").get(f"/api/v1/projects/{world.project.pk}/gold/").json()
    assert (row["reference_shapes"], row["shapes"], row["shapes_matched"]) == (1, 2, 1)
    assert row["shape_precision"] == 0.5 and row["shape_recall"] == 1.0
    assert row["shape_mean_iou"] == pytest.approx(0.8)
    assert row["agreement"] == pytest.approx(2 / 3, abs=1e-4)  # shape F1 2 * 1 / (1 + 2)
    assert row["precision"] is None and row["boxes"] == 0  # boxes apart
