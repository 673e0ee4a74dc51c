import pytest

from apps.images.models import Image

pytestmark = pytest.mark.django_db


def test_annotator_sets_status_but_not_split_or_weight(world, make_images) -> None:
    image = make_images(1)[0]
    client = world.client("annotator")
    url = f"/api/v1/images/{image.pk}/"
    response = client.patch(url, {"status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    for body in ({"split": "train"}, {"sample_weight": 4}):
        refused = client.patch(url, body, format="json")
        assert refused.status_code == 403
    image.refresh_from_db()
    assert image.split == "unassigned" and image.sample_weight == 1.0


def test_manager_sets_split_and_gold(world, make_images) -> None:
    image = make_images(1)[0]
    response = world.client("manager").patch(
        f"/api/v1/images/{image.pk}/", {"split": "test", "sample_weight": 4.0}, format="json"
    )
    body = response.json()
    assert response.status_code == 200 and body["split"] == "test" and body["gold"] is True
    image.refresh_from_db()
    assert image.split == "test" and image.sample_weight == 4.0


def test_invalid_values_are_400(world, make_images) -> None:
    image = make_images(1)[0]
    client = world.client("owner")
    for body in (
        {"status": "finished"},
        {"split": "holdout"},
        {"sample_weight": 0},
        {"sample_weight": "x"},
    ):
        assert client.patch(f"/api/v1/images/{image.pk}/", body, format="json").status_code == 400
    assert Image.objects.get(pk=image.pk).status == "new"
