"""The labeller's Transform through the API: a region (optionally turned) becomes a new image
with the boxes inside it (clipped; mostly-outside ones left out) and the tags, linked to its
source; the same crop twice is one image; bad regions and angles are 400s."""

import io
import math

import pytest
from PIL import Image as PILImage

from apps.annotations.models import Annotation, Kind
from apps.annotations.services import annotation_create
from apps.annotations.transform import Crop
from apps.images.models import Image
from apps.images.services import image_get_or_create

pytestmark = pytest.mark.django_db


def _png(w: int, h: int) -> bytes:
    img = PILImage.new("RGB", (w, h), (20, 20, 20))
    img.paste((230, 20, 20), (60, 20, 100, 60))  # a red block
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def source(world):
    image, _ = image_get_or_create(project=world.project, user=world.users["owner"], name="street.png",
                                   data=_png(200, 100))  # fmt: skip
    image.split = "val"
    image.save(update_fields=["split"])
    sparrow, robin = world.labels
    for label, box in ((sparrow, (60, 20, 40, 40)), (robin, (150, 10, 20, 20)), (robin, (120, 30, 20, 20)),
                       (sparrow, (45, 60, 10, 10))):  # fmt: skip
        annotation_create(image=image, user=world.users["owner"], kind=Kind.BOX, label_id=label.pk,
                          box=dict(zip("xywh", box, strict=True)))  # fmt: skip
    annotation_create(image=image, user=world.users["owner"], kind=Kind.TAG, label_id=robin.pk)
    return image


def test_a_crop_is_a_new_image_with_the_boxes_inside_and_the_tags(world, source) -> None:
    client = world.client("manager")
    response = client.post(f"/api/v1/images/{source.pk}/crop/", {"x": 50, "y": 10, "w": 80, "h": 60},
                           format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"], body["source_image"], body["split"]) == (
        80,
        60,
        source.pk,
        "val",
    )
    assert body["crop"] == {"x": 50, "y": 10, "w": 80, "h": 60, "angle": 0}
    made = Image.objects.get(pk=body["id"])
    with made.file.open("rb") as fh:
        pixels = PILImage.open(fh).convert("RGB")
        assert pixels.getpixel((15, 15)) == (230, 20, 20) and pixels.getpixel((5, 5)) == (
            20,
            20,
            20,
        )
    boxes = sorted((a.label.name, a.x, a.y, a.w, a.h) for a in
                   Annotation.objects.filter(image=made, kind=Kind.BOX).select_related("label"))  # fmt: skip
    # the robin at 120..140 keeps its inside half (clipped at 80); 150..170 is outside;
    # the sparrow at 45..55 x 60..70 has 5x10 of 10x10 inside (50%): kept, clipped
    assert boxes == [
        ("robin", 70, 20, 10, 20),
        ("sparrow", 0, 50, 5, 10),
        ("sparrow", 10, 10, 40, 40),
    ]
    assert Annotation.objects.filter(image=made, kind=Kind.TAG, label=world.labels[1]).count() == 1

    again = client.post(f"/api/v1/images/{source.pk}/crop/", {"x": 50, "y": 10, "w": 80, "h": 60},
                        format="json")  # fmt: skip
    assert again.status_code == 200 and again.json()["id"] == made.pk
    assert Annotation.objects.filter(image=made).count() == 4  # nothing doubled


def test_a_turned_crop_turns_its_boxes_with_it() -> None:
    crop = Crop(0, 0, 100, 100, angle=45)
    x, y, w, h = crop.turned((40, 40, 20, 20))  # a square on the centre
    side = 20 * math.sqrt(2)
    assert (x, y, w, h) == pytest.approx((50 - side / 2, 50 - side / 2, side, side))
    # counter-clockwise on screen: a point right of the centre goes up
    assert crop.turned((80, 50, 0, 0))[:2] == pytest.approx(
        (50 + 30 / math.sqrt(2), 50 - 30 / math.sqrt(2))
    )
    assert Crop(0, 0, 10, 10).carried((8, 8, 10, 10)) is None  # 4% inside: left out


def test_a_turned_crop_through_the_api(world, source) -> None:
    body = world.client("manager").post(f"/api/v1/images/{source.pk}/crop/",
                                        {"x": 40, "y": 0, "w": 80, "h": 80, "angle": 20}, format="json").json()  # fmt: skip
    assert (body["width"], body["height"], body["crop"]["angle"]) == (80, 80, 20)
    red = Annotation.objects.get(image_id=body["id"], label=world.labels[0], w__gt=30)
    assert red.w == pytest.approx(
        40 * (math.cos(math.radians(20)) + math.sin(math.radians(20))), abs=0.01
    )


@pytest.mark.parametrize(("body", "words"), [
    ({"x": 0, "y": 0, "w": 50, "h": 50, "angle": 60}, "angle"),
    ({"x": 300, "y": 0, "w": 50, "h": 50}, "region"),
    ({"x": 0, "y": 0, "w": 4, "h": 50}, "region"),
    ({"x": 0, "y": 0}, "w"),
])  # fmt: skip
def test_bad_crops_are_400_and_store_nothing(world, source, body, words) -> None:
    response = world.client("manager").post(
        f"/api/v1/images/{source.pk}/crop/", body, format="json"
    )
    assert response.status_code == 400 and words in response.json()["detail"], response.json()
    assert Image.objects.filter(project=world.project).count() == 1


def test_only_managers_crop(world, source) -> None:
    body = {"x": 0, "y": 0, "w": 50, "h": 50}
    assert (
        world.client("annotator")
        .post(f"/api/v1/images/{source.pk}/crop/", body, format="json")
        .status_code
        == 403
    )
    assert (
        world.client("outsider")
        .post(f"/api/v1/images/{source.pk}/crop/", body, format="json")
        .status_code
        == 404
    )
