"""The Dataset tab's shape clean-up through the API on known polygons and masks: tiny
polygons removed (area less holes), specks wiped from masks (8-connected regions), a mask
left empty removed; the dry run changes nothing, the apply is one operation with its
history events and one live event, and one undo restores every shape exactly."""

import numpy as np
import pytest

from apps.annotations.models import Annotation, AnnotationEvent
from apps.annotations.services import annotation_create
from apps.datasets.models import DatasetOperation
from ml.geometry import mask_rle, rle_check, rle_mask

pytestmark = pytest.mark.django_db


def _mask(*regions: tuple[int, int, int, int]) -> dict:
    pixels = np.zeros((30, 40), np.uint8)
    for y, x, h, w in regions:
        pixels[y : y + h, x : x + w] = 1
    return mask_rle(pixels).json()


@pytest.fixture
def shapes(world, make_images):
    image, other = make_images(2)  # 40 x 30
    owner, (sparrow, robin) = world.users["owner"], world.labels

    def make(image, label, **shape) -> Annotation:
        kind = "polygon" if "polygon" in shape else "mask"
        return annotation_create(image=image, user=owner, kind=kind, label_id=label.pk, **shape)

    return {
        "tiny": make(image, sparrow, polygon=[[1, 1], [3, 1], [3, 3]]),  # 2 px²
        "holed": make(image, sparrow, polygon=[[[5, 5], [9, 5], [9, 9], [5, 9]],  # 16 - 12.25
                                               [[5.25, 5.25], [8.75, 5.25], [8.75, 8.75], [5.25, 8.75]]]),
        "square": make(image, robin, polygon=[[10, 10], [20, 10], [20, 20], [10, 20]]),
        # a 6x6 region, a lone pixel and a 2x2 region touching it corner to corner only
        "specked": make(image, robin, mask=_mask((20, 2, 6, 6), (2, 30, 1, 1), (26, 8, 2, 2))),
        "speck": make(other, robin, mask=_mask((0, 0, 2, 2))),  # 4 pixels: all of it goes
        "clean": make(other, sparrow, mask=_mask((10, 10, 5, 5))),
    }  # fmt: skip


def _state(project) -> dict[int, tuple]:
    rows = Annotation.objects.filter(image__project=project).order_by("id")
    return {a.pk: (a.label_id, a.kind, a.polygon, a.mask, a.x, a.y, a.w, a.h, a.version)
            for a in rows}  # fmt: skip


def test_remove_small_shapes_previews_applies_announces_and_one_undo_restores_them(
    world, shapes, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    sent = []
    monkeypatch.setattr("apps.annotations.bulk.broadcast_on_commit",
                        lambda group, kind, payload: sent.append((kind, payload)))  # fmt: skip
    client = world.client("manager")
    url = f"/api/v1/projects/{world.project.pk}/dataset/remove-small-shapes/"
    before = _state(world.project)
    preview = client.post(url, {"min_area": 5, "dry_run": True}, format="json")
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert (body["matched"], body["changed"], body["operation"]) == (4, 0, None)
    assert body["removed_pixels"] == 1 + 4  # the lone pixel and the all-speck mask
    assert _state(world.project) == before and sent == []  # a dry run changes nothing
    examples = {b["id"]: b for e in body["examples"] for b in e["boxes"]}
    assert set(examples) == {shapes[k].pk for k in ("tiny", "holed", "specked", "speck")}
    assert examples[shapes["specked"].pk]["after"] == {"x": 2, "y": 20, "w": 8, "h": 8}
    assert examples[shapes["tiny"].pk]["after"] is None

    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(url, {"min_area": 5, "label": world.labels[1].pk}, format="json")
    assert applied.status_code == 201, applied.json()
    body = applied.json()
    assert (body["matched"], body["changed"]) == (2, 2)  # robin's only: specked and speck
    after = _state(world.project)
    assert shapes["speck"].pk not in after and set(after) == set(before) - {shapes["speck"].pk}
    specked = Annotation.objects.get(pk=shapes["specked"].pk)
    assert np.array_equal(rle_mask(rle_check(specked.mask)),
                          rle_mask(rle_check(_mask((20, 2, 6, 6), (26, 8, 2, 2)))))  # fmt: skip
    assert (specked.x, specked.y, specked.w, specked.h, specked.version) == (2, 20, 8, 8, 2)
    operation = DatasetOperation.objects.get(pk=body["operation"]["id"])
    assert operation.params == {"min_area": 5, "label": world.labels[1].pk}
    actions = AnnotationEvent.objects.filter(pk__in=operation.events).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["deleted", "updated"]
    assert sent == [("annotations.bulk", {"image_ids": sorted({shapes["specked"].image_id,
                     shapes["speck"].image_id}), "operation": operation.pk})]  # fmt: skip

    undo = client.post(body["operation"]["undo"])
    assert undo.status_code == 200 and undo.json()["undo_counts"] == {"reverted": 2, "conflicts": 0}
    restored = _state(world.project)
    assert {k: v[:-1] for k, v in restored.items()} == {k: v[:-1] for k, v in before.items()}
    bad = client.post(url, {"min_area": -1}, format="json")
    assert bad.status_code == 400 and "detail" in bad.json()
    assert world.client("annotator").post(url, {"min_area": 5}, format="json").status_code == 403
