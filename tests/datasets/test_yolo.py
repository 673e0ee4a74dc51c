"""YOLO in its layouts: darknet (obj.names, obj.data, train.txt, obj_train_data/), Ultralytics
(data.yaml with names as a list or a map, paths that do not match the archive), and
classification folders; segmentation lines as polygons; bad lines skipped and counted; our
export reads back."""

import pytest
import yaml

from apps.datasets.formats import yolo
from apps.datasets.formats.base import Box, Dataset, FormatError, Item, LabelSpec, Shape
from tests.datasets.helpers import archive, jpeg, written


def _boxes(dataset: Dataset) -> dict[str, list[tuple]]:
    return {i.path: [(b.label, round(b.x, 3), round(b.y, 3), round(b.w, 3), round(b.h, 3),
                      b.normalized) for b in i.boxes] for i in dataset.items}  # fmt: skip


def test_darknet_as_cvat_writes_it() -> None:
    files = {
        "obj.names": "cat\ndog\n",
        "obj.data": "classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n",
        "train.txt": "data/obj_train_data/a.jpg\ndata/obj_train_data/b.jpg\n",
        "obj_train_data/a.jpg": jpeg(), "obj_train_data/a.txt": "1 0.5 0.5 0.2 0.4\n\n",
        "obj_train_data/b.jpg": jpeg(), "obj_train_data/b.txt": "",  # an empty label file
        "obj_train_data/c.jpg": jpeg(),  # listed nowhere, no label file
    }  # fmt: skip
    archive_ = archive(files)
    assert yolo.detect(archive_)
    got = yolo.read(archive_)
    assert [label.name for label in got.labels] == ["cat", "dog"]
    assert _boxes(got) == {"obj_train_data/a.jpg": [("dog", 0.4, 0.3, 0.2, 0.4, True)],
                           "obj_train_data/b.jpg": [], "obj_train_data/c.jpg": []}  # fmt: skip
    assert {i.path: i.split for i in got.items} == {
        "obj_train_data/a.jpg": "train",
        "obj_train_data/b.jpg": "train",
        "obj_train_data/c.jpg": "train",  # its folder says train
    }


@pytest.mark.parametrize("names", [["cat", "dog"], {0: "cat", 1: "dog"}])
def test_ultralytics_with_names_as_list_or_map_and_paths_that_do_not_match(names) -> None:
    config = {"path": "/home/someone/datasets/pets", "train": "images/train",
              "val": "../pets/images/val", "names": names}  # fmt: skip
    files = {
        "pets/data.yaml": yaml.safe_dump(config),
        "pets/images/train/a.jpg": jpeg(), "pets/labels/train/a.txt": "0 0.5 0.5 1 1\n",
        "pets/images/val/b.jpg": jpeg(),
        "pets/labels/val/b.txt": "1 0.1 0.1 0.2 0.2\n0 0.1 0.2 0.3 0.4 0.5 0.6 0.7\n7 0.5 0.5 0.1 0.1\nx y\n",
    }  # fmt: skip
    got = yolo.read(archive(files))
    assert {i.path: i.split for i in got.items} == {"pets/images/train/a.jpg": "train",
                                                    "pets/images/val/b.jpg": "val"}  # fmt: skip
    assert _boxes(got)["pets/images/train/a.jpg"] == [("cat", 0.0, 0.0, 1.0, 1.0, True)]
    b = next(i for i in got.items if i.split == "val")
    assert [x.label for x in b.boxes] == ["dog"]
    assert len(b.skipped) == 3 and "polygon" in b.skipped[0] and "class 7" in b.skipped[1]


def test_classification_folders_are_tags() -> None:
    files = {"train/cat/1.jpg": jpeg(), "train/dog/2.jpg": jpeg(), "val/cat/3.jpg": jpeg()}
    got = yolo.read(archive(files))
    assert sorted((i.split, i.tags) for i in got.items) == [
        ("train", ["cat"]), ("train", ["dog"]), ("val", ["cat"])]  # fmt: skip


def test_no_yolo_here() -> None:
    files = {"a.jpg": jpeg(), "readme.md": "hi"}
    assert not yolo.detect(archive(files))
    with pytest.raises(FormatError):
        yolo.read(archive(files))
    with pytest.raises(FormatError):
        yolo.read(archive({"data.yaml": "names: 5\n", "a.jpg": jpeg()}))


def test_export_then_import_gives_the_same_boxes() -> None:
    dataset = Dataset("labelforge", [
        Item("a.jpg", None, "train", [Box("dog", 16, 12, 32, 24)], width=64, height=48),
        Item("b.jpg", None, "val", [Box("cat", 0, 0, 64, 48), Box("dog", 8, 4, 8, 4)],
             width=64, height=48),
    ], [LabelSpec("cat"), LabelSpec("dog")])  # fmt: skip
    got = yolo.read(written(yolo.write, dataset, lambda item: jpeg()))
    assert [label.name for label in got.labels] == ["cat", "dog"]
    boxes = {
        i.path: [(b.label, *(round(v, 3) for v in (b.x * 64, b.y * 48, b.w * 64, b.h * 48)))
                 for b in i.boxes]
        for i in got.items
    }  # fmt: skip
    assert boxes == {
        "images/train/a.jpg": [("dog", 16, 12, 32, 24)],
        "images/val/b.jpg": [("cat", 0, 0, 64, 48), ("dog", 8, 4, 8, 4)],
    }


def test_segmentation_lines_are_polygons_and_shapes_go_out_as_outlines() -> None:
    import numpy as np

    from ml.geometry import mask_rle

    files = {"data.yaml": yaml.safe_dump({"train": "images/train", "names": ["cat", "dog"]}),
             "images/train/a.jpg": jpeg(),
             "labels/train/a.txt": "1 0.1 0.1 0.5 0.1 0.3 0.6\n0 0.1 0.1 0.2 0.2 0.3\n"}  # fmt: skip
    (item,) = yolo.read(archive(files)).items
    assert item.shapes == [
        Shape("dog", polygon=[[(0.1, 0.1), (0.5, 0.1), (0.3, 0.6)]], normalized=True)
    ]
    assert "x y pairs" in item.skipped[0]
    pixels = np.zeros((48, 64), np.uint8)
    pixels[10:20, 30:50] = 1
    dataset = Dataset("labelforge", [Item("a.jpg", None, "train", width=64, height=48, shapes=[
        Shape("cat", polygon=[[(6.4, 4.8), (32, 4.8), (19.2, 28.8)], [(10, 8), (12, 8), (11, 10)]]),
        Shape("dog", mask=mask_rle(pixels).json()),
    ])], [LabelSpec("cat"), LabelSpec("dog")])  # fmt: skip
    back = yolo.read(written(yolo.write, dataset, lambda i: jpeg()))
    (again,) = back.items
    cat, dog = again.shapes
    assert cat.label == "cat" and cat.normalized and len(cat.polygon) == 1  # the outline only
    assert [(round(x * 64, 3), round(y * 48, 3)) for x, y in cat.polygon[0]] == [
        (6.4, 4.8),
        (32, 4.8),
        (19.2, 28.8),
    ]
    xs = [x * 64 for x, _ in dog.polygon[0]]
    assert (
        dog.label == "dog"
        and min(xs) == pytest.approx(30.5, abs=1e-3)
        and max(xs) == pytest.approx(49.5, abs=1e-3)
    )
