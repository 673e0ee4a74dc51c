import pytest

from apps.annotations.services import annotation_create
from apps.images.models import Image

pytestmark = pytest.mark.django_db


def neighbors(world, image, **params):
    response = world.client("annotator").get(f"/api/v1/images/{image.pk}/neighbors/", params)
    assert response.status_code == 200
    return response.json()


def test_previous_next_and_next_unlabelled_wraps_around(world, make_images) -> None:
    a, b, c, d = make_images(4)
    for image in (a, c):
        annotation_create(image=image, user=None, kind="tag", label_id=world.labels[0].pk)
    assert neighbors(world, b) == {"previous": a.pk, "next": c.pk, "next_unlabelled": d.pk}
    assert neighbors(world, a) == {"previous": None, "next": b.pk, "next_unlabelled": b.pk}
    assert neighbors(world, d) == {"previous": c.pk, "next": None, "next_unlabelled": b.pk}


def test_neighbors_respect_filters(world, make_images) -> None:
    a, _, c = make_images(3)
    Image.objects.filter(pk__in=[a.pk, c.pk]).update(status="done")
    assert neighbors(world, a, status="done") == {
        "previous": None,
        "next": c.pk,
        "next_unlabelled": c.pk,
    }


def test_neighbors_of_a_foreign_image_are_404(world, make_images) -> None:
    theirs = make_images(1, project=world.other_project)[0]
    assert world.client("owner").get(f"/api/v1/images/{theirs.pk}/neighbors/").status_code == 404
