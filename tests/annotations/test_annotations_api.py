import pytest

from apps.annotations.models import Annotation, AnnotationEvent
from apps.images.models import Image

pytestmark = pytest.mark.django_db

BOX = {"x": 2, "y": 3, "w": 10, "h": 8}


@pytest.fixture
def image(make_images) -> Image:
    return make_images(1)[0]  # 40x30


def create(world, image, who="annotator", **body):
    body = {"kind": "box", "label": world.labels[0].pk, "box": BOX, **body}
    return world.client(who).post(f"/api/v1/images/{image.pk}/annotations/", body, format="json")


def test_create_box_and_tag_then_list(world, image) -> None:
    box = create(world, image)
    assert box.status_code == 201
    body = box.json()
    assert body["box"] == {"x": 2.0, "y": 3.0, "w": 10.0, "h": 8.0}
    assert (body["version"], body["source"], body["score"], body["kind"]) == (
        1,
        "human",
        None,
        "box",
    )
    tag = create(world, image, kind="tag", label=world.labels[1].pk, box=None)
    assert tag.status_code == 201 and tag.json()["box"] is None
    listed = (
        world.client("annotator").get(f"/api/v1/images/{image.pk}/annotations/").json()["results"]
    )
    assert [a["id"] for a in listed] == [body["id"], tag.json()["id"]]
    image.refresh_from_db()
    assert image.status == "in_progress"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"box": {"x": 35, "y": 0, "w": 10, "h": 5}}, "invalid_box"),  # past the right edge
        ({"box": {"x": 1, "y": 1, "w": 0, "h": 5}}, "invalid_box"),
        ({"box": {"x": -1, "y": 1, "w": 3, "h": 5}}, "min_value"),
        ({"box": None}, "invalid_box"),
        ({"kind": "tag"}, "invalid_box"),  # a tag with a box
        ({"label": 987654}, "unknown_label"),
        ({"kind": "ellipse"}, "invalid_choice"),
        ({"kind": "polygon"}, "invalid_box"),  # a polygon with a box
    ],
)
def test_invalid_annotations_are_400_and_not_stored(world, image, body, code) -> None:
    response = create(world, image, **body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Annotation.objects.count() == 0 and AnnotationEvent.objects.count() == 0


def test_label_from_another_project_is_refused(world, image) -> None:
    response = create(world, image, label=world.other_label.pk)
    assert response.status_code == 400 and response.json()["code"] == "unknown_label"


def test_duplicate_tag_is_409_with_current(world, image) -> None:
    first = create(world, image, kind="tag", box=None)
    second = create(world, image, kind="tag", box=None)
    assert second.status_code == 409
    assert second.json()["current"]["id"] == first.json()["id"]


def test_update_with_version_and_stale_version_409(world, image) -> None:
    created = create(world, image).json()
    url = f"/api/v1/annotations/{created['id']}/"
    alice, bob = world.client("annotator"), world.client("manager")
    moved = alice.patch(
        url, {"version": 1, "box": {"x": 5, "y": 5, "w": 10, "h": 8}}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["version"] == 2
    stale = bob.patch(url, {"version": 1, "label": world.labels[1].pk}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale_version" and body["current"]["version"] == 2
    assert body["current"]["box"]["x"] == 5.0
    assert Annotation.objects.get(pk=created["id"]).label_id == world.labels[0].pk
    assert (
        bob.patch(url, {"label": world.labels[1].pk}, format="json").status_code == 400
    )  # no version


def test_delete_needs_current_version(world, image) -> None:
    created = create(world, image).json()
    url = f"/api/v1/annotations/{created['id']}/"
    client = world.client("annotator")
    assert client.patch(url, {"version": 1, "review": "accepted"}, format="json").status_code == 200
    stale = client.delete(url, {"version": 1}, format="json")
    assert stale.status_code == 409
    assert client.delete(f"{url}?version=2").status_code == 204
    assert not Annotation.objects.filter(pk=created["id"]).exists()
    gone = client.patch(url, {"version": 2, "review": "accepted"}, format="json")
    assert gone.status_code == 404


def test_history_lists_every_change_and_reverts_them(world, image) -> None:
    client = world.client("annotator")
    created = create(world, image).json()
    url = f"/api/v1/annotations/{created['id']}/"
    client.patch(url, {"version": 1, "box": {"x": 20, "y": 10, "w": 5, "h": 5}}, format="json")
    client.delete(url, {"version": 2}, format="json")
    history = client.get(f"/api/v1/images/{image.pk}/history/").json()["results"]
    assert [e["action"] for e in history] == ["deleted", "updated", "created"]
    assert history[1]["before"]["box"]["x"] == 2.0 and history[1]["after"]["box"]["x"] == 20.0
    assert history[0]["actor"] == "annotator"

    # undo the delete: the annotation comes back with the same id, as it was before deletion
    undo_delete = client.post(f"/api/v1/history/{history[0]['id']}/revert/")
    assert undo_delete.status_code == 201
    restored = Annotation.objects.get(pk=created["id"])
    assert (restored.x, restored.version) == (20.0, 3)
    # reverting the old update now is refused: the annotation changed since (version 3, not 2)
    stale = client.post(f"/api/v1/history/{history[1]['id']}/revert/")
    assert stale.status_code == 409
    # undo the restore (a 'created' event) deletes it again
    latest = client.get(f"/api/v1/images/{image.pk}/history/").json()["results"][0]
    assert latest["action"] == "created" and latest["reverts"] == history[0]["id"]
    assert client.post(f"/api/v1/history/{latest['id']}/revert/").status_code == 201
    assert not Annotation.objects.filter(pk=created["id"]).exists()
    assert AnnotationEvent.objects.filter(annotation_id=created["id"]).count() == 5


def test_revert_an_update(world, image) -> None:
    client = world.client("annotator")
    created = create(world, image).json()
    client.patch(
        f"/api/v1/annotations/{created['id']}/",
        {"version": 1, "label": world.labels[1].pk},
        format="json",
    )
    event = AnnotationEvent.objects.filter(action="updated").get()
    assert client.post(f"/api/v1/history/{event.pk}/revert/").status_code == 201
    restored = Annotation.objects.get(pk=created["id"])
    assert restored.label_id == world.labels[0].pk and restored.version == 3


def test_replayed_create_with_client_id_is_idempotent(world, image) -> None:
    client_id = "0b8f6c1e-51f4-4c56-9a55-8f7e1d2f3a4b"
    first = create(world, image, client_id=client_id)
    assert first.status_code == 201 and first.json()["client_id"] == client_id
    replay = create(world, image, client_id=client_id)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert Annotation.objects.count() == 1
    assert AnnotationEvent.objects.count() == 1
    other = create(world, image, client_id="1b8f6c1e-51f4-4c56-9a55-8f7e1d2f3a4b")
    assert other.status_code == 201 and Annotation.objects.count() == 2


def test_client_id_is_scoped_to_the_image(world, make_images) -> None:
    first, second = make_images(2)
    client_id = "2b8f6c1e-51f4-4c56-9a55-8f7e1d2f3a4b"
    a = create(world, first, client_id=client_id)
    b = create(world, second, client_id=client_id)
    assert (a.status_code, b.status_code) == (201, 201) and a.json()["id"] != b.json()["id"]
