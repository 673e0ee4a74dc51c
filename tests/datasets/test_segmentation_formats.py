"""Polygons and masks through COCO and Labelforge JSON, export then import with a real
worker: nothing lost (vertex order and holes kept, the RLE string identical, masks identical
pixel for pixel); pycocotools reads our COCO segmentation as we draw it; COCO's other shapes
(several-part polygons, uncompressed crowd RLE) come in; a mask of the wrong size is skipped
with a reason, not stored."""

import io
import json
import zipfile

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from apps.annotations.models import Annotation
from apps.annotations.services import annotation_create
from apps.datasets.formats import coco
from ml.geometry import mask_rle, polygon_rle, rings_of, rle_mask
from tests.datasets.helpers import archive, jpeg, run_export, run_import

pytestmark = pytest.mark.django_db

OUTLINE = [[30, 2], [2, 2], [2, 25], [30, 25]]  # counter-clockwise on screen: order kept
HOLE = [[10, 10], [20, 10], [20, 20], [10, 20]]
TRIANGLE = [[1.5, 1.5], [12.25, 3], [6, 14.75]]


def _mask() -> dict:
    pixels = np.zeros((30, 40), np.uint8)
    pixels[4:20, 22:37] = 1
    pixels[8:12, 26:30] = 0  # a hole
    return mask_rle(pixels).json()


def _shapes(image) -> list[tuple]:
    rows = Annotation.objects.filter(image=image).order_by("kind", "label__name", "id")
    return [(a.kind, a.label.name, a.polygon, a.mask) for a in rows]


@pytest.mark.parametrize("fmt", ["coco", "labelforge"])
def test_export_then_import_loses_nothing(world, make_images, django_capture_on_commit_callbacks,
                                          tmp_path, fmt) -> None:  # fmt: skip
    image = make_images(1)[0]
    owner, (sparrow, robin) = world.users["owner"], world.labels
    annotation_create(
        image=image, user=owner, kind="polygon", label_id=sparrow.pk, polygon=[OUTLINE, HOLE]
    )
    annotation_create(image=image, user=owner, kind="polygon", label_id=robin.pk, polygon=TRIANGLE)
    annotation_create(image=image, user=owner, kind="mask", label_id=robin.pk, mask=_mask())
    before = _shapes(image)
    _, data = run_export(world, django_capture_on_commit_callbacks,
                           {"format": fmt, "include_images": True})  # fmt: skip
    if fmt == "coco":  # another reader sees the shapes as we do
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            (name,) = [n for n in zf.namelist() if n.endswith(".json")]
            (tmp_path / "set.json").write_bytes(zf.read(name))
        api = COCO(str(tmp_path / "set.json"))
        assert len(api.dataset["annotations"]) == 3
        for a in api.dataset["annotations"]:
            pixels = api.annToMask(a)
            if "labelforge_rings" in a:  # the holed polygon, as RLE for other tools
                ours = rle_mask(polygon_rle(rings_of([OUTLINE, HOLE]), 30, 40))
            elif isinstance(a["segmentation"], dict):
                ours = coco_mask.decode({"size": [30, 40], "counts": _mask()["counts"].encode()})
            else:
                ours = rle_mask(polygon_rle(rings_of(TRIANGLE), 30, 40))
            assert np.array_equal(pixels, ours)
    Annotation.objects.filter(image=image).delete()
    report = run_import(world, django_capture_on_commit_callbacks, data, name=f"set.{fmt}.zip")
    assert report["status"] == "succeeded", report
    assert report["counts"]["annotations_created"] == 3 and report["counts"]["skipped"] == 0
    assert _shapes(image) == before  # the same rings in the same order, the same RLE string


def test_coco_several_part_polygons_crowd_rle_and_a_wrong_sized_mask(world, make_images,
                                                                      django_capture_on_commit_callbacks) -> None:  # fmt: skip
    pixels = np.zeros((30, 40), np.uint8)
    pixels[2:5, 3:9] = 1
    runs = _uncompressed(pixels)
    body = {"images": [{"id": 1, "file_name": "a.png", "width": 40, "height": 30}],
            "categories": [{"id": 4, "name": "sparrow"}],
            "annotations": [
                {"id": 1, "image_id": 1, "category_id": 4, "bbox": [0, 0, 30, 20],
                 "segmentation": [[1, 1, 10, 1, 10, 10], [20, 1, 30, 1, 30, 10]]},
                {"id": 2, "image_id": 1, "category_id": 4, "iscrowd": 1, "bbox": [3, 2, 6, 3],
                 "segmentation": {"size": [30, 40], "counts": runs}},
                {"id": 3, "image_id": 1, "category_id": 4, "bbox": [0, 0, 1, 1],
                 "segmentation": {"size": [10, 10], "counts": mask_rle(np.ones((10, 10), np.uint8)).counts}},
            ]}  # fmt: skip
    image = make_images(1)[0]
    data = _zip({"annotations/instances_default.json": json.dumps(body),
                 "images/a.png": image.file.read()})  # fmt: skip
    report = run_import(world, django_capture_on_commit_callbacks, data)
    assert report["status"] == "succeeded", report
    kinds = sorted(Annotation.objects.filter(image=image).values_list("kind", flat=True))
    assert kinds == ["mask", "polygon", "polygon"]  # two parts, two polygons; the crowd's RLE
    crowd = Annotation.objects.get(image=image, kind="mask")
    assert crowd.attributes == {"iscrowd": True}
    assert np.array_equal(
        coco_mask.decode({"size": [30, 40], "counts": crowd.mask["counts"].encode()}), pixels
    )
    assert report["counts"]["skipped"] == 1 and "mask of 10x10" in report["errors"][0]["detail"]


def _uncompressed(pixels: np.ndarray) -> list[int]:
    flat = pixels.flatten(order="F")
    runs, value, n = [], 0, 0
    for v in flat:
        if v == value:
            n += 1
        else:
            runs.append(n)
            value, n = v, 1
    runs.append(n)
    return runs


def _zip(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_malformed_segmentation_is_skipped_with_its_box_kept() -> None:
    text = json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}],
                       "categories": [{"id": 1, "name": "cat"}],
                       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5],
                                        "segmentation": {"size": [48, 64], "counts": "\x00"}}]})  # fmt: skip
    (item,) = coco.read(archive({"instances.json": text, "a.jpg": jpeg()})).items
    assert item.shapes == [] and [b.label for b in item.boxes] == ["cat"]
    assert "segmentation" in item.skipped[0]
