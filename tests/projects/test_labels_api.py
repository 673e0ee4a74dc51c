import pytest

pytestmark = pytest.mark.django_db


def url(world, label_id: int | None = None) -> str:
    base = f"/api/v1/projects/{world.project.pk}/labels/"
    return f"{base}{label_id}/" if label_id else base


def test_create_label_with_colour_and_auto_hotkey(world) -> None:
    client = world.client("manager")
    response = client.post(url(world), {"name": "owl", "color": "#112233"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["color"] == "#112233" and body["hotkey"] == "3"  # 1 and 2 are taken


def test_duplicate_name_or_hotkey_is_409(world) -> None:
    client = world.client("manager")
    assert client.post(url(world), {"name": "sparrow"}, format="json").status_code == 409
    response = client.post(url(world), {"name": "owl", "hotkey": "1"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate"


def test_bad_colour_is_400(world) -> None:
    response = world.client("manager").post(
        url(world), {"name": "owl", "color": "red"}, format="json"
    )
    assert response.status_code == 400 and response.json()["detail"].startswith("color:")


def test_label_in_use_cannot_be_deleted(world, make_images) -> None:
    image = make_images(1)[0]
    label = world.labels[0]
    client = world.client("manager")
    created = client.post(
        f"/api/v1/images/{image.pk}/annotations/", {"kind": "tag", "label": label.pk}, format="json"
    )
    assert created.status_code == 201
    response = client.delete(url(world, label.pk))
    assert response.status_code == 409 and response.json()["code"] == "label_in_use"
    assert client.delete(url(world, world.labels[1].pk)).status_code == 204


def test_label_of_other_project_is_404_through_this_project(world) -> None:
    response = world.client("owner").patch(
        url(world, world.other_label.pk), {"name": "x"}, format="json"
    )
    assert response.status_code == 404
