"""Polygons and masks through Pascal VOC (SegmentationClass / SegmentationObject PNGs) and
CVAT for images 1.1 (<polygon points=>, <mask rle= left= top= width= height=>): export then
import with a real worker loses nothing (CVAT: the same rings in the same order and the same
masks; VOC: every shape back as a mask identical pixel for pixel), datumaro reads our
exports as we drew them and we read what datumaro writes; PNGs as other tools write them
(RGB in labelmap.txt's colours, VOC's palette, the void border) and malformed CVAT masks
are skipped with a reason."""

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image as PILImage

from apps.annotations.models import Annotation
from apps.annotations.services import annotation_create
from apps.datasets.formats import cvat, voc
from apps.datasets.formats.voc import segmentation as seg
from apps.projects.services import project_create
from ml.geometry import mask_rle, polygon_rle, rings_of, rle_check, rle_mask
from tests.datasets.helpers import archive, jpeg, run_export, run_import
from tests.datasets.test_datumaro import _datumaro, _written_by_datumaro

pytestmark = pytest.mark.django_db

OUTLINE = [[18, 2], [2, 2], [2, 16], [18, 16]]  # counter-clockwise on screen: order kept
HOLE = [[6, 6], [12, 6], [12, 12], [6, 12]]
TRIANGLE = [[21.5, 1.5], [35.25, 3], [28.125, 14.75]]


def _mask() -> np.ndarray:
    pixels = np.zeros((30, 40), np.uint8)
    pixels[18:28, 4:36] = 1
    pixels[21:24, 10:14] = 0  # a hole
    pixels[18, 4] = 0  # the box's first pixel unset, and one set: CVAT's runs start with 0
    return pixels


def _pixels(kind: str, value) -> np.ndarray:
    if kind == "mask":
        return rle_mask(rle_check(value))
    return rle_mask(polygon_rle(rings_of(value), 30, 40))


def _drawn(world, image) -> list[tuple]:
    owner, (sparrow, robin) = world.users["owner"], world.labels
    annotation_create(image=image, user=owner, kind="polygon", label_id=sparrow.pk,
                      polygon=[OUTLINE, HOLE], attributes={"occluded": True})  # fmt: skip
    annotation_create(image=image, user=owner, kind="polygon", label_id=robin.pk, polygon=TRIANGLE)
    annotation_create(image=image, user=owner, kind="mask", label_id=robin.pk,
                      mask=mask_rle(_mask()).json())  # fmt: skip
    return _shapes(image)


def _shapes(image) -> list[tuple]:
    rows = Annotation.objects.filter(image=image).order_by("y", "x")
    return [(a.kind, a.label.name, a.polygon or a.mask, a.attributes) for a in rows]


def _zip_dir(data: bytes, path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(path)


@pytest.mark.parametrize("fmt", ["voc", "cvat"])
def test_export_then_import_loses_nothing_and_datumaro_sees_the_same(
    world, make_images, django_capture_on_commit_callbacks, tmp_path, fmt
) -> None:
    commits = django_capture_on_commit_callbacks
    image = make_images(1)[0]
    assert (image.width, image.height) == (40, 30)
    before = _drawn(world, image)
    _, data = run_export(world, commits, {"format": fmt, "include_images": True})
    _zip_dir(data, tmp_path / "ours")
    theirs = json.loads(_datumaro("read", "voc_instance_segmentation" if fmt == "voc" else "cvat",
                                  str(tmp_path / "ours")))  # fmt: skip
    (item,) = theirs["items"]
    expected = sorted([label, mask_rle(_pixels(kind, value)).counts]
                      for kind, label, value, _ in before)  # fmt: skip
    if fmt == "cvat":  # the polygon without holes stays a polygon; CVAT's rings have none
        ((label, points),) = item["polygons"]  # datumaro keeps 2 decimals
        assert label == "robin" and points == pytest.approx(
            [v for p in TRIANGLE for v in p], abs=0.01
        )
        expected.remove(["robin", mask_rle(_pixels("polygon", TRIANGLE)).counts])
    assert item["masks"] == expected

    Annotation.objects.filter(image=image).delete()
    report = run_import(world, commits, data, name=f"set.{fmt}.zip")
    assert (report["status"], report["detected_format"]) == ("succeeded", fmt), report
    assert report["counts"]["annotations_created"] == 3 and report["counts"]["skipped"] == 0
    after = _shapes(image)
    if fmt == "cvat":
        assert after == before  # the same rings in the same order, the same masks
        return
    assert {k for k, *_ in after} == {"mask"}  # VOC holds pixels only: identical ones
    assert sorted((label, mask_rle(_pixels("mask", mask)).counts, str(attrs))
                  for _, label, mask, attrs in after) == sorted(
        (label, mask_rle(_pixels(kind, value)).counts, str(attrs))
        for kind, label, value, attrs in before)  # fmt: skip


MASKED = {"labels": ["cat", "dog"], "items": [
    {"id": "one", "subset": "train", "width": 40, "height": 30, "color": [200, 30, 30],
     "boxes": [], "tags": [], "masks": [["cat", [[2, 3, 10, 5], [20, 20, 4, 4]]], ["dog", [[15, 10, 8, 8]]]]},
]}  # fmt: skip


@pytest.mark.parametrize("fmt", ["voc_instance_segmentation", "cvat"])
def test_we_import_the_masks_datumaro_writes(world, django_capture_on_commit_callbacks, tmp_path,
                                             monkeypatch, fmt) -> None:  # fmt: skip
    monkeypatch.setattr("tests.datasets.test_datumaro.SPEC", MASKED)
    world.project = project_create(name=f"Masks {fmt}", user=world.users["manager"])
    job = run_import(world, django_capture_on_commit_callbacks, _written_by_datumaro(fmt, tmp_path))
    assert job["status"] == "succeeded" and job["counts"]["skipped"] == 0, job
    got = {a.label.name: rle_mask(rle_check(a.mask))
           for a in Annotation.objects.filter(image__project=world.project, kind="mask")}  # fmt: skip
    assert set(got) == {"cat", "dog"}
    for name, rects in MASKED["items"][0]["masks"]:
        want = np.zeros((30, 40), np.uint8)
        for x, y, w, h in rects:
            want[y : y + h, x : x + w] = 1
        assert np.array_equal(got[name], want), name


def _png(array: np.ndarray, palette: list[int] | None = None) -> bytes:
    image = PILImage.fromarray(array.astype(np.uint8))
    if palette is not None:
        image = PILImage.fromarray(array.astype(np.uint8), mode="P")
        image.putpalette(palette)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _voc_xml(objects: str) -> str:
    return ("<annotation><filename>a.jpg</filename><size><width>40</width><height>30</height>"
            f"</size>{objects}</annotation>")  # fmt: skip


def _object(name: str, box: tuple[int, ...], extra: str = "") -> str:
    x1, y1, x2, y2 = box
    return (f"<object><name>{name}</name>{extra}<bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin>"
            f"<xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>")  # fmt: skip


def test_voc_reads_rgb_pngs_in_labelmap_colours_with_a_void_border_and_palette_pngs() -> None:
    """CVAT's labelmap colours in RGB PNGs; object 1 pairs with the XML's first object (its
    attributes kept, no second box), object 2 is a plain box; VOC's palette PNG without a
    labelmap (VOC's 20 classes); a class PNG alone gives a mask per class."""
    colors = {"background": (0, 0, 0), "cat": (250, 50, 83), "dog": (61, 61, 245)}
    cls = np.zeros((30, 40, 3), np.uint8)
    obj = np.zeros((30, 40, 3), np.uint8)
    cls[5:15, 5:15], obj[5:15, 5:15] = colors["cat"], seg.COLORMAP[1]
    cls[4, 4:16] = obj[4, 4:16] = seg.COLORMAP[255]  # void border
    labelmap = "".join(f"{n}:{','.join(map(str, c))}::\n" for n, c in colors.items())
    files = {
        "labelmap.txt": "# label:color_rgb:parts:actions\n" + labelmap,
        "Annotations/a.xml": _voc_xml(_object("cat", (5, 4, 15, 15), "<truncated>1</truncated>")
                                      + _object("dog", (20, 20, 30, 28))),
        "JPEGImages/a.jpg": jpeg(40, 30), "JPEGImages/b.jpg": jpeg(40, 30),
        "SegmentationClass/a.png": _png(cls), "SegmentationObject/a.png": _png(obj),
        "SegmentationClass/b.png": _png(np.pad(np.full((10, 10), 2), ((0, 20), (0, 30)))),
        "ImageSets/Segmentation/val.txt": "a\nb\n",
    }  # fmt: skip
    read = voc.read(archive(files))
    assert [label.name for label in read.labels] == ["cat", "dog"]
    items = {item.name: item for item in read.items}
    a, b = items["a.jpg"], items["JPEGImages/b.jpg"]
    assert (a.split, b.split, a.skipped, b.skipped) == ("val", "val", [], [])
    ((shape,),) = [a.shapes]
    assert (shape.label, shape.attributes) == ("cat", {"truncated": True})
    want = np.zeros((30, 40), np.uint8)
    want[5:15, 5:15] = 1  # the void row is no one's
    assert np.array_equal(rle_mask(rle_check(shape.mask)), want)
    assert [(x.label, x.x, x.w) for x in a.boxes] == [("dog", 20, 10)]
    assert [s.label for s in b.shapes] == ["dog"]  # index 2 in the labelmap's order

    palette = [v for c in seg.COLORMAP for v in c]
    files = {"JPEGImages/c.jpg": jpeg(40, 30),
             "SegmentationClass/c.png": _png(np.pad(np.full((4, 4), 8), ((1, 25), (1, 35))), palette),
             "SegmentationObject/c.png": _png(np.pad(np.full((4, 4), 1), ((1, 25), (1, 35))), palette)}  # fmt: skip
    assert voc.detect(archive(files))
    ((shape,),) = [voc.read(archive(files)).items[0].shapes]
    assert shape.label == "cat" and rle_mask(rle_check(shape.mask)).sum() == 16  # VOC's cat is 8


def _cvat(shapes: str) -> str:
    return ('<annotations><version>1.1</version><image id="0" name="a.jpg" width="40" '
            f'height="30">{shapes}</image></annotations>')  # fmt: skip


def test_cvat_masks_as_cvat_writes_them_and_malformed_ones_skipped() -> None:
    shapes = (
        '<mask label="cat" occluded="1" rle="0, 2, 3, 1" left="5" top="7" width="3" height="2"'
        ' z_order="0"><attribute name="color">grey</attribute></mask>'
        '<polygon label="dog" points="1.5,2;10,2.25;4,9" occluded="0" z_order="0"/>'
        '<mask label="cat" rle="1, 2" left="0" top="0" width="2" height="2"/>'  # 3 of 4 pixels
        '<mask label="cat" rle="1, 3" left="39" top="0" width="2" height="2"/>'  # over the edge
        '<polyline label="cat" points="1,1;2,2"/>'
    )  # fmt: skip
    (item,) = cvat.read(
        archive({"annotations.xml": _cvat(shapes), "images/a.jpg": jpeg(40, 30)})
    ).items
    mask, polygon = item.shapes
    pixels = rle_mask(rle_check(mask.mask))
    assert mask.attributes == {"color": "grey", "occluded": True}
    assert pixels.sum() == 3 and pixels[7, 5:7].all() and pixels[8, 7] and not pixels[8, 5]
    assert polygon.polygon == [[(1.5, 2.0), (10.0, 2.25), (4.0, 9.0)]]
    assert len(item.skipped) == 3
    assert "3 pixels, not 2 x 2" in item.skipped[0] and "not inside" in item.skipped[1]
