import pytest

from apps.images.models import Image
from apps.images.services import image_split_random

pytestmark = pytest.mark.django_db


def splits(project) -> dict[int, str]:
    return dict(project.images.values_list("id", "split"))


def test_split_by_ratios_is_reproducible_for_a_seed(world, make_images) -> None:
    make_images(20)
    counts = image_split_random(
        project=world.project, ratios={"train": 0.7, "val": 0.2, "test": 0.1}, seed=7
    )
    assert counts == {"train": 14, "val": 4, "test": 2}
    first = splits(world.project)
    Image.objects.update(split="unassigned")
    image_split_random(
        project=world.project, ratios={"train": 0.7, "val": 0.2, "test": 0.1}, seed=7
    )
    assert splits(world.project) == first
    Image.objects.update(split="unassigned")
    image_split_random(
        project=world.project, ratios={"train": 0.7, "val": 0.2, "test": 0.1}, seed=8
    )
    assert splits(world.project) != first


def test_only_unassigned_keeps_existing_splits(world, make_images) -> None:
    images = make_images(6)
    Image.objects.filter(pk=images[0].pk).update(split="test")
    response = world.client("manager").post(
        f"/api/v1/projects/{world.project.pk}/split/",
        {"train": 1, "val": 0, "test": 0, "seed": 1},
        format="json",
    )
    assert response.status_code == 200 and response.json()["assigned"] == {
        "train": 5,
        "val": 0,
        "test": 0,
    }
    assert splits(world.project)[images[0].pk] == "test"
    counts = {"unassigned": 0, "train": 5, "val": 0, "test": 1}
    assert response.json()["counts"] == counts
    now = world.client("annotator").get(f"/api/v1/projects/{world.project.pk}/split/")
    assert now.status_code == 200 and now.json() == {"counts": counts}


def test_split_needs_manager_and_positive_ratios(world, make_images) -> None:
    make_images(2)
    url = f"/api/v1/projects/{world.project.pk}/split/"
    assert world.client("annotator").post(url, {}, format="json").status_code == 403
    response = world.client("manager").post(url, {"train": 0, "val": 0, "test": 0}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_ratios"
