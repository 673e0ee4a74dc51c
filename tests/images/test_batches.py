"""Assignments: a manager puts images in batches for annotators; the annotator sees their
own batches ("My work") with progress and labels inside one (the image list's `batch`
filter); reassigning, unassigning, moving images or deleting a batch never touches a label;
nothing is half-stored on bad input; each change is broadcast and an assignment is a
webhook event."""

import pytest
from channels.db import database_sync_to_async

from apps.annotations.models import Annotation
from apps.annotations.services import annotation_create
from apps.images.models import Batch, Image
from apps.webhooks.models import Delivery
from apps.webhooks.services import webhook_create
from tests.helpers.ws import connect, receive

pytestmark = pytest.mark.django_db


def _create(world, ids, assignee="annotator", who="manager", **extra):
    body = {"image_ids": ids, "assignee": assignee, **extra}
    return world.client(who).post(f"/api/v1/projects/{world.project.pk}/batches/", body,
                                  format="json")  # fmt: skip


def test_assign_label_inside_the_batch_and_see_progress(world, make_images) -> None:
    images = make_images(5)
    made = _create(world, [i.pk for i in images[:3]], due="2026-12-10")
    assert made.status_code == 201, made.json()
    batch = made.json()
    assert batch["assignee"] == "annotator" and batch["images"] == 3 and batch["done"] == 0
    assert batch["name"] == "Batch 1" and batch["due"] == "2026-12-10"
    assert batch["next_image"] == images[0].pk and batch["project_name"] == "Birds"

    annotator = world.client("annotator")
    mine = annotator.get("/api/v1/batches/?assignee=me").json()["results"]
    assert [b["id"] for b in mine] == [batch["id"]]
    # the labeller's list (and so its Next) stays inside the batch
    listed = annotator.get(f"/api/v1/projects/{world.project.pk}/images/?batch={batch['id']}")
    assert [r["id"] for r in listed.json()["results"]] == [i.pk for i in images[:3]]
    assert listed.json()["results"][0]["batch"] == batch["id"]
    nxt = annotator.get(f"/api/v1/images/{images[1].pk}/neighbors/?batch={batch['id']}").json()
    assert nxt["next"] == images[2].pk and nxt["previous"] == images[0].pk

    annotator.patch(f"/api/v1/images/{images[0].pk}/", {"status": "done"}, format="json")
    again = annotator.get(f"/api/v1/batches/{batch['id']}/").json()
    assert again["done"] == 1 and again["next_image"] == images[1].pk


def test_reassign_unassign_move_and_delete_keep_every_label(world, make_images) -> None:
    images = make_images(4)
    first = _create(world, [i.pk for i in images[:2]]).json()
    annotation_create(image=images[0], user=world.users["annotator"], kind="tag",
                      label_id=world.labels[0].pk)  # fmt: skip
    manager = world.client("manager")
    url = f"/api/v1/batches/{first['id']}/"
    moved = manager.patch(url, {"assignee": "owner"}, format="json")
    assert moved.status_code == 200 and moved.json()["assignee"] == "owner"
    assert world.client("annotator").get(url).status_code == 404  # not theirs any more
    assert manager.patch(url, {"assignee": None}, format="json").json()["assignee"] is None
    assert manager.get("/api/v1/batches/?assignee=none").json()["results"][0]["id"] == first["id"]

    # an image already in a batch: refused unless moved, then it moves with its label
    refused = _create(world, [images[0].pk, images[2].pk])
    assert refused.status_code == 409 and refused.json()["code"] == "already_batched"
    assert Batch.objects.count() == 1 and Image.objects.get(pk=images[2].pk).batch_id is None
    second = _create(world, [images[0].pk, images[2].pk], move=True).json()
    assert second["images"] == 2
    assert manager.get(url).json()["images"] == 1
    assert manager.delete(f"/api/v1/batches/{second['id']}/").status_code == 204
    assert Image.objects.filter(batch__isnull=True).count() == 3
    assert Annotation.objects.filter(image=images[0]).count() == 1  # the label stayed


def test_split_a_filter_among_annotators(world, make_images) -> None:
    images = make_images(7)
    _create(world, [images[0].pk])  # taken already: left out of the split
    url = f"/api/v1/projects/{world.project.pk}/batches/split/"
    even = world.client("manager").post(url, {"assignees": ["annotator", "manager"]},
                                        format="json")  # fmt: skip
    assert even.status_code == 201, even.json()
    made = even.json()["results"]
    assert [(b["assignee"], b["images"]) for b in made] == [("annotator", 3), ("manager", 3)]
    assert (
        world.client("manager")
        .post(url, {"assignees": ["annotator"]}, format="json")
        .json()["code"]
        == "nothing_to_assign"
    )
    Image.objects.update(batch=None)
    Batch.objects.all().delete()
    sized = world.client("manager").post(
        url, {"assignees": ["annotator", "owner"], "size": 2, "filter": {"status": "new"}},
        format="json",
    ).json()["results"]  # fmt: skip
    assert [(b["assignee"], b["images"]) for b in sized] == [
        ("annotator", 2), ("owner", 2), ("annotator", 2), ("owner", 1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"image_ids": [], "assignee": "annotator"}, "invalid"),
        ({"image_ids": [10**9], "assignee": "annotator"}, "unknown_images"),
        ({"assignee": "annotator"}, "required"),
        ({"image_ids": "1", "assignee": "annotator"}, "not_a_list"),
    ],
)
def test_bad_requests_store_nothing(world, make_images, body, code) -> None:
    make_images(1)
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/batches/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == code, response.json()
    assert not Batch.objects.exists()


def test_assignees_and_images_must_belong_to_the_project(world, make_images) -> None:
    mine = make_images(1)
    theirs = make_images(1, project=world.other_project)
    outsider = _create(world, [mine[0].pk], assignee="outsider")
    assert outsider.status_code == 400 and outsider.json()["code"] == "not_a_member"
    foreign = _create(world, [mine[0].pk, theirs[0].pk])
    assert foreign.status_code == 400 and foreign.json()["code"] == "unknown_images"
    other_batch = Batch.objects.create(project=world.other_project, name="x")
    listed = world.client("manager").get(
        f"/api/v1/projects/{world.project.pk}/images/?batch={other_batch.pk}"
    )
    assert listed.status_code == 400 and listed.json()["code"] == "unknown_batch"
    assert not world.project.batches.exists()


def test_annotators_see_only_their_own_batches(world, make_images) -> None:
    images = make_images(2)
    _create(world, [images[0].pk], assignee="annotator")
    theirs = _create(world, [images[1].pk], assignee="owner").json()
    annotator = world.client("annotator")
    assert [b["assignee"] for b in annotator.get("/api/v1/batches/").json()["results"]] == [
        "annotator"
    ]
    assert annotator.get(f"/api/v1/batches/{theirs['id']}/").status_code == 404
    assert annotator.patch(f"/api/v1/batches/{theirs['id']}/", {"name": "x"},
                           format="json").status_code == 404  # fmt: skip
    assert len(world.client("manager").get("/api/v1/batches/").json()["results"]) == 2
    assert world.client("outsider").get("/api/v1/batches/").json()["results"] == []


def test_an_assignment_is_a_webhook_event(world, make_images) -> None:
    webhook_create(project=world.project, user=world.users["owner"],
                   url="https://example.com/hook", events=["batch.assigned"])  # fmt: skip
    images = make_images(1)
    batch = _create(world, [images[0].pk]).json()
    delivery = Delivery.objects.get()
    assert delivery.event == "batch.assigned"
    assert delivery.payload["data"]["assignee"] == "annotator"
    assert delivery.payload["data"]["id"] == batch["id"]
    world.client("manager").patch(f"/api/v1/batches/{batch['id']}/", {"name": "Renamed"},
                                  format="json")  # fmt: skip
    assert Delivery.objects.count() == 1  # a rename is not an assignment


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_batch_changes_reach_the_project_socket(world, make_images) -> None:
    images = await database_sync_to_async(make_images)(1)
    communicator = await connect(world, "manager")
    await communicator.connect()
    await receive(communicator)  # hello
    response = await database_sync_to_async(_create)(world, [images[0].pk])
    event = await receive(communicator)
    assert event["type"] == "batch.changed"
    assert event["payload"]["id"] == response.json()["id"] and event["payload"]["images"] == 1
    await communicator.disconnect()


def test_split_the_n_most_unique(world, make_images) -> None:
    images = make_images(5)
    for image, score in zip(images, (0.1, 0.9, None, 0.5, 0.7), strict=True):
        Image.objects.filter(pk=image.pk).update(uniqueness=score)
    made = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/batches/split/",
        {"assignees": ["annotator"], "order": "uniqueness", "limit": 3}, format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    taken = set(Image.objects.filter(batch__isnull=False).values_list("id", flat=True))
    assert taken == {images[1].pk, images[4].pk, images[3].pk}  # 0.9, 0.7, 0.5
