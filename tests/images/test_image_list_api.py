import pytest

from apps.annotations.services import annotation_create
from apps.images.models import Image

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_keyset_pages_cover_everything_once_in_order(world, make_images) -> None:
    images = make_images(7)
    client = world.client("annotator")
    url = f"/api/v1/projects/{world.project.pk}/images/?page_size=3"
    seen: list[int] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += ids(response)
        url = response.json()["next"]
        assert url is None or url.startswith("http://testserver/api/v1/projects/")  # absolute
        pages += 1
    assert seen == [i.pk for i in images] and pages == 3


def test_filters(world, make_images) -> None:
    a, b, c, d = make_images(4)
    Image.objects.filter(pk=a.pk).update(status="done", split="train")
    Image.objects.filter(pk=b.pk).update(split="val")
    annotation_create(
        image=b,
        user=world.users["annotator"],
        kind="box",
        label_id=world.labels[0].pk,
        box={"x": 1, "y": 1, "w": 5, "h": 5},
    )
    annotation_create(
        image=c, user=None, kind="tag", label_id=world.labels[1].pk, source="model", score=0.7
    )
    client = world.client("annotator")
    base = f"/api/v1/projects/{world.project.pk}/images/"
    assert ids(client.get(base, {"status": "done"})) == [a.pk]
    assert ids(client.get(base, {"split": "val"})) == [b.pk]
    assert ids(client.get(base, {"label": world.labels[0].pk})) == [b.pk]
    assert ids(client.get(base, {"source": "model"})) == [c.pk]
    assert ids(client.get(base, {"has_annotations": "true"})) == [b.pk, c.pk]
    assert ids(client.get(base, {"has_annotations": "false"})) == [a.pk, d.pk]
    assert ids(client.get(base, {"split": "unassigned", "has_annotations": "false"})) == [d.pk]
    rows = client.get(base).json()["results"]
    assert [r["annotation_count"] for r in rows] == [0, 1, 1, 0]


def test_filter_with_next_keeps_filters(world, make_images) -> None:
    images = make_images(5)
    Image.objects.filter(pk__in=[i.pk for i in images]).update(status="done")
    response = world.client("annotator").get(
        f"/api/v1/projects/{world.project.pk}/images/", {"status": "done", "page_size": 2}
    )
    assert "status=done" in response.json()["next"] and "after=" in response.json()["next"]


def test_bad_filters_are_400(world) -> None:
    client = world.client("annotator")
    base = f"/api/v1/projects/{world.project.pk}/images/"
    assert client.get(base, {"status": "bogus"}).status_code == 400
    assert client.get(base, {"page_size": 0}).status_code == 400
    response = client.get(base, {"label": world.other_label.pk})
    assert response.status_code == 400 and response.json()["code"] == "unknown_label"


def test_images_of_another_project_are_not_listed_or_readable(world, make_images) -> None:
    theirs = make_images(1, project=world.other_project)[0]
    client = world.client("owner")
    assert client.get(f"/api/v1/projects/{world.project.pk}/images/").json()["results"] == []
    for suffix in ("", "file/", "thumbnail/", "annotations/"):
        assert client.get(f"/api/v1/images/{theirs.pk}/{suffix}").status_code == 404


def test_ids_filter_lists_only_those_of_this_project(world, make_images) -> None:
    a, b, c = make_images(3)
    [theirs] = make_images(1, project=world.other_project)
    client = world.client("annotator")
    url = f"/api/v1/projects/{world.project.pk}/images/"
    assert ids(client.get(url, {"ids": f"{c.pk},{a.pk},{theirs.pk}"})) == [a.pk, c.pk]
    assert ids(client.get(url, {"ids": f"{b.pk}", "status": "done"})) == []  # with the others
    for bad in ("1,x", ",1", "1,,2", ",".join(["1"] * 1001)):
        response = client.get(url, {"ids": bad})
        assert response.status_code == 400, bad
