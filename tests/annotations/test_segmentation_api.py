"""Polygons and masks through the annotation API: the wire shapes of the contract, the same
versions, 409s, history and revert as boxes, masks identical after the round trip, and bad
geometry refused with a clear 400 and nothing stored."""

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from apps.annotations.models import Annotation, AnnotationEvent

pytestmark = pytest.mark.django_db

OUTLINE = [[2, 2], [30, 2], [30, 25], [2, 25]]
HOLE = [[10, 10], [20, 10], [20, 20], [10, 20]]


def _rle(height=30, width=40, rows=slice(5, 12), cols=slice(8, 20)) -> dict:
    mask = np.zeros((height, width), np.uint8)
    mask[rows, cols] = 1
    rle = coco_mask.encode(np.asfortranarray(mask))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}


def _post(world, image, body):
    return world.client("annotator").post(f"/api/v1/images/{image.pk}/annotations/",
                                          {"label": world.labels[0].pk, **body}, format="json")  # fmt: skip


def test_polygons_version_history_and_revert(world, make_images) -> None:
    image = make_images(1)[0]
    made = _post(world, image, {"kind": "polygon", "polygon": OUTLINE})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["kind"] == "polygon" and body["polygon"] == OUTLINE and body["box"] is None
    row = Annotation.objects.get(pk=body["id"])
    assert (row.x, row.y, row.w, row.h) == (2, 2, 28, 23)  # its bounding box

    client = world.client("annotator")
    url = f"/api/v1/annotations/{body['id']}/"
    holed = client.patch(url, {"version": 1, "polygon": [OUTLINE, HOLE]}, format="json")
    assert holed.status_code == 200 and holed.json()["polygon"] == [OUTLINE, HOLE]
    stale = client.patch(url, {"version": 1, "polygon": OUTLINE}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["polygon"] == [OUTLINE, HOLE]
    update = AnnotationEvent.objects.filter(annotation_id=body["id"], action="updated").get()
    assert update.before["polygon"] == OUTLINE and update.after["polygon"] == [OUTLINE, HOLE]
    reverted = client.post(f"/api/v1/history/{update.pk}/revert/")
    assert reverted.status_code == 201, reverted.json()
    assert client.get(url).json()["polygon"] == OUTLINE
    wrong = client.patch(
        url, {"version": 3, "box": {"x": 1, "y": 1, "w": 2, "h": 2}}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_box"


def test_masks_come_back_identical(world, make_images) -> None:
    image = make_images(1)[0]
    rle = _rle()
    made = _post(world, image, {"kind": "mask", "mask": rle})
    assert made.status_code == 201, made.json()
    assert made.json()["mask"] == rle and made.json()["polygon"] is None
    row = Annotation.objects.get(pk=made.json()["id"])
    assert (row.x, row.y, row.w, row.h) == (8, 5, 12, 7)
    listed = world.client("reviewer").get(f"/api/v1/images/{image.pk}/annotations/").json()
    back = listed["results"][0]["mask"]
    assert back == rle
    pixels = coco_mask.decode({"size": back["size"], "counts": back["counts"].encode()})
    assert int(pixels.sum()) == 7 * 12


@pytest.mark.parametrize(("body", "code"), [
    ({"kind": "polygon", "polygon": [[0, 0], [50, 0], [50, 20]]}, "invalid_polygon"),  # outside
    ({"kind": "polygon", "polygon": [[0, 0], [5, 5]]}, "invalid_polygon"),
    ({"kind": "polygon", "polygon": "not a polygon"}, "invalid_polygon"),
    ({"kind": "polygon"}, "invalid_polygon"),
    ({"kind": "polygon", "polygon": OUTLINE, "box": {"x": 1, "y": 1, "w": 2, "h": 2}}, "invalid_box"),
    ({"kind": "box", "box": {"x": 1, "y": 1, "w": 2, "h": 2}, "polygon": OUTLINE}, "invalid_polygon"),
    ({"kind": "tag", "mask": _rle()}, "invalid_mask"),
    ({"kind": "mask", "mask": _rle(height=20)}, "invalid_mask"),  # not the image's size
    ({"kind": "mask", "mask": {"size": [30, 40], "counts": "0"}}, "invalid_mask"),
    ({"kind": "mask", "mask": _rle(rows=slice(0, 0))}, "invalid_mask"),  # empty
    ({"kind": "mask", "mask": {"size": [30, 40], "counts": "\x00\x01"}}, "invalid_mask"),
])  # fmt: skip
def test_bad_geometry_is_refused_and_nothing_stored(world, make_images, body, code) -> None:
    image = make_images(1)[0]
    refused = _post(world, image, body)
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == code
    assert not Annotation.objects.filter(image=image).exists()
