"""POST /images/{id}/segment/: the GrabCut assist on a stored image with a known object, its
wire shape ({polygon, mask, ms}), a refinement click, and bad boxes and clicks refused."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from pycocotools import mask as coco_mask

from apps.annotations.models import Annotation
from apps.annotations.services import upload_with_tags
from apps.images.models import Image

pytestmark = pytest.mark.django_db


@pytest.fixture
def disc_image(world):
    rng = np.random.default_rng(3)
    pixels = rng.integers(60, 110, (200, 240, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:200, :240]
    disc = (yy - 100) ** 2 + (xx - 110) ** 2 <= 40**2
    pixels[disc] = (210, 40, 40)
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, "PNG")
    made = upload_with_tags(project=world.project, user=world.users["owner"],
                            files=[SimpleUploadedFile("disc.png", buf.getvalue())])  # fmt: skip
    return Image.objects.get(pk=made.created[0]), disc


def test_a_box_gets_the_objects_polygon_and_mask(world, disc_image) -> None:
    image, disc = disc_image
    url = f"/api/v1/images/{image.pk}/segment/"
    got = world.client("annotator").post(
        url, {"box": {"x": 62, "y": 52, "w": 96, "h": 96}}, format="json"
    )
    assert got.status_code == 200, got.json()
    body = got.json()
    assert isinstance(body["polygon"][0][0], float) and len(body["polygon"]) >= 8  # one ring
    assert body["mask"]["size"] == [200, 240] and body["ms"] < 1000
    assert body["method"] == "grabcut" and body["fallback"] is None  # no SAM weights here
    found = coco_mask.decode(
        {"size": [200, 240], "counts": body["mask"]["counts"].encode()}
    ).astype(bool)
    assert (found & disc).sum() / (found | disc).sum() > 0.9
    refined = world.client("annotator").post(url, {
        "box": {"x": 62, "y": 52, "w": 96, "h": 96},
        "points": [{"x": 110, "y": 100, "positive": True}, {"x": 65, "y": 55, "positive": False}],
    }, format="json")  # fmt: skip
    assert refined.status_code == 200 and refined.json()["polygon"]
    # the answer is made an annotation like any other; nothing was stored by the assist
    assert not Annotation.objects.filter(image=image).exists()
    made = world.client("annotator").post(f"/api/v1/images/{image.pk}/annotations/", {
        "kind": "polygon", "label": world.labels[0].pk, "polygon": body["polygon"]}, format="json")  # fmt: skip
    assert made.status_code == 201, made.json()


@pytest.mark.parametrize(("body", "code"), [
    ({"box": {"x": 300, "y": 10, "w": 20, "h": 20}}, "invalid_box"),
    ({"box": {"x": 10, "y": 10, "w": 1, "h": 20}}, "invalid_box"),
    ({"box": {"x": 10, "y": 10, "w": 50, "h": 50}, "points": [{"x": 999, "y": 1, "positive": True}]},
     "invalid_points"),
    ({}, "required"),
])  # fmt: skip
def test_bad_boxes_and_clicks_are_refused(world, disc_image, body, code) -> None:
    image, _ = disc_image
    refused = world.client("annotator").post(
        f"/api/v1/images/{image.pk}/segment/", body, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == code, refused.json()


def test_a_sam_weight_file_is_used_and_a_broken_one_falls_back(world, disc_image, settings,
                                                              tmp_path) -> None:  # fmt: skip
    from tests.factories.sam import put_tiny_sam

    image, disc = disc_image
    settings.LABELFORGE_WEIGHTS_DIR = tmp_path
    put_tiny_sam(tmp_path)  # random weights: the answer is some region, in image pixels
    url = f"/api/v1/images/{image.pk}/segment/"
    body = {"box": {"x": 62, "y": 52, "w": 96, "h": 96},
            "points": [{"x": 110, "y": 100, "positive": True}]}  # fmt: skip
    got = world.client("annotator").post(url, body, format="json")
    assert got.status_code == 200, got.json()
    answer = got.json()
    assert answer["method"] == "sam" and answer["fallback"] is None
    assert answer["mask"]["size"] == [200, 240]
    found = coco_mask.decode({"size": [200, 240], "counts": answer["mask"]["counts"].encode()})
    assert found.any()
    rings = answer["polygon"] if isinstance(answer["polygon"][0][0], list) else [answer["polygon"]]
    assert all(0 <= x <= 240 and 0 <= y <= 200 for ring in rings for x, y in ring)

    (tmp_path / "sam_vit_h_4b8939.pth").write_bytes(b"truncated")  # taken before the tiny one
    fell = world.client("annotator").post(url, body, format="json").json()
    assert fell["method"] == "grabcut"
    assert "sam_vit_h_4b8939.pth" in fell["fallback"] and "not a readable" in fell["fallback"]
    found = coco_mask.decode({"size": [200, 240], "counts": fell["mask"]["counts"].encode()})
    assert (found.astype(bool) & disc).sum() / (found.astype(bool) | disc).sum() > 0.9
