"""COCO instances: any category ids, several split files, images found where other tools put
them, iscrowd and attributes kept, segmentation read as shapes, bad annotations named;
our export read back by pycocotools and by our reader."""

import json

import pytest
from pycocotools.coco import COCO

from apps.datasets.formats import coco
from apps.datasets.formats.base import Box, Dataset, FormatError, Item, LabelSpec, Shape
from tests.datasets.helpers import archive, jpeg, written


def _instances(images, annotations, categories) -> str:
    return json.dumps({"images": images, "annotations": annotations, "categories": categories})


def test_reads_splits_category_gaps_and_where_images_lie() -> None:
    train = _instances(
        [{"id": 7, "file_name": "a.jpg", "width": 64, "height": 48},
         {"id": 8, "file_name": "sub/ü b.jpg", "width": 64, "height": 48}],
        [{"id": 1, "image_id": 7, "category_id": 90, "bbox": [1, 2, 10, 20], "iscrowd": 1,
          "attributes": {"occluded": True}},
         {"id": 2, "image_id": 8, "category_id": 3, "bbox": [5, 5, 4, 4],
          "segmentation": [[5, 5, 9, 5, 9, 9]]},
         {"id": 3, "image_id": 8, "category_id": 55, "bbox": [0, 0, 1, 1]},
         {"id": 4, "image_id": 8, "category_id": 3, "bbox": ["x", 0, 1, 1]}],
        [{"id": 3, "name": "cat"}, {"id": 90, "name": "toothbrush"}],
    )  # fmt: skip
    val = _instances([{"id": 1, "file_name": "c.jpg"}], [], [{"id": 3, "name": "Cat"}])
    files = {"annotations/instances_train2017.json": train, "annotations/instances_val2017.json": val,
             "train2017/a.jpg": jpeg(), "train2017/sub/ü b.jpg": jpeg(), "images/c.jpg": jpeg()}  # fmt: skip
    got = coco.read(archive(files))
    assert [label.name for label in got.labels] == ["cat", "toothbrush"]  # "Cat" is the same
    by_name = {item.name: item for item in got.items}
    assert {n: (i.path, i.split) for n, i in by_name.items()} == {
        "a.jpg": ("train2017/a.jpg", "train"), "sub/ü b.jpg": ("train2017/sub/ü b.jpg", "train"),
        "c.jpg": ("images/c.jpg", "val"),
    }  # fmt: skip
    a = by_name["a.jpg"].boxes
    assert a == [Box("toothbrush", 1, 2, 10, 20, {"occluded": True, "iscrowd": True})]
    b = by_name["sub/ü b.jpg"]
    assert b.boxes == []  # its one cat is a polygon, read instead of its bbox
    assert b.shapes == [Shape("cat", polygon=[[(5, 5), (9, 5), (9, 9)]])]
    assert len(b.skipped) == 2 and any("55" in s for s in b.skipped)
    assert by_name["c.jpg"].boxes == []  # an image with no annotations is still an item


def test_an_archive_without_coco_json_or_with_broken_json_is_refused() -> None:
    with pytest.raises(FormatError):
        coco.read(archive({"a.jpg": jpeg(), "notes.json": '{"hello": 1}'}))
    assert not coco.detect(archive({"instances.json": "{not json"}))


def test_an_annotation_for_an_unknown_image_is_an_error_not_a_crash() -> None:
    text = _instances([], [{"id": 1, "image_id": 5, "category_id": 1, "bbox": [0, 0, 1, 1]}],
                      [{"id": 1, "name": "a"}])  # fmt: skip
    got = coco.read(archive({"instances.json": text}))
    assert got.items == [] and len(got.errors) == 1


def test_export_reads_back_in_pycocotools_and_here(tmp_path) -> None:
    dataset = Dataset("labelforge", [
        Item("a.jpg", None, "train", [Box("dog", 1.5, 2, 10, 20), Box("cat", 0, 0, 5, 5,
             {"iscrowd": True})], width=64, height=48),
        Item("b.jpg", None, "val", [Box("cat", 3, 3, 7, 7)], width=64, height=48),
        Item("c.jpg", None, None, [], width=64, height=48),
    ], [LabelSpec("cat"), LabelSpec("dog")])  # fmt: skip
    out = written(coco.write, dataset, lambda item: jpeg())
    assert set(out.paths) >= {"annotations/instances_train.json", "annotations/instances_val.json",
                              "annotations/instances_default.json", "images/train/a.jpg"}  # fmt: skip
    (tmp_path / "train.json").write_text(out.text("annotations/instances_train.json"))
    api = COCO(str(tmp_path / "train.json"))
    assert len(api.getAnnIds()) == 2 and api.loadCats(api.getCatIds())[0]["name"] == "cat"
    assert api.loadAnns(api.getAnnIds(catIds=[2]))[0]["bbox"] == [1.5, 2, 10, 20]

    again = coco.read(out)
    boxes = sorted((i.split, b.label, b.x, b.attributes) for i in again.items
                   for b in i.boxes)  # fmt: skip
    assert boxes == [("train", "cat", 0, {"iscrowd": True}), ("train", "dog", 1.5, {}),
                     ("val", "cat", 3, {})]  # fmt: skip
    assert {i.path for i in again.items} == {"images/train/a.jpg", "images/val/b.jpg",
                                             "images/default/c.jpg"}  # fmt: skip
