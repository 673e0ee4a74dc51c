"""Folder-per-class (with or without split folders), Labelforge's own JSON (nothing lost),
and auto-detection naming the right format for each."""

import pytest

from apps.datasets.formats import coco, cvat, imagenet, labelforge, labelstudio, voc, yolo
from apps.datasets.formats.base import Box, Dataset, FormatError, Item, LabelSpec
from apps.datasets.formats.registry import detect_format, format_module
from tests.datasets.helpers import archive, jpeg, written


def test_class_folders_with_and_without_splits() -> None:
    flat = imagenet.read(archive({"cats/1.jpg": jpeg(), "dogs/2.jpg": jpeg()}))
    assert sorted((i.tags[0], i.split) for i in flat.items) == [("cats", None), ("dogs", None)]
    split = imagenet.read(archive({"data/train/cats/1.jpg": jpeg(), "data/val/dogs/2.jpg": jpeg()}))
    assert sorted((i.tags[0], i.split) for i in split.items) == [("cats", "train"), ("dogs", "val")]
    with pytest.raises(FormatError):
        imagenet.read(archive({"1.jpg": jpeg(), "cats/2.jpg": jpeg()}))


def test_class_folders_export_reads_back() -> None:
    dataset = Dataset("labelforge", [Item("1.jpg", None, "val", tags=["cats"]),
                                     Item("2.jpg", None, None, tags=["dogs"])])  # fmt: skip
    got = imagenet.read(written(imagenet.write, dataset, lambda i: jpeg()))
    assert sorted((i.tags[0], i.split, i.name) for i in got.items) == [
        ("cats", "val", "1.jpg"), ("dogs", "train", "2.jpg")]  # fmt: skip


def test_labelforge_keeps_everything() -> None:
    dataset = Dataset("labelforge", [
        Item("ü.jpg", None, "test",
             [Box("car", 1.5, 2, 10, 20, {"occluded": True},
                  {"source": "model", "score": 0.75, "model_version": 3, "review": "accepted"})],
             ["night"], 64, 48,
             extra={"status": "reviewed", "sample_weight": 3.0, "sha256": "ab",
                    "tag_extra": [{"source": "human", "review": "none"}]}),
    ], [LabelSpec("car", "#ff0000", "c"), LabelSpec("night", "#00ff00", "n")])  # fmt: skip
    got = labelforge.read(written(labelforge.write, dataset, lambda i: jpeg()))
    assert got.labels == dataset.labels
    item = got.items[0]
    assert item.path == "images/ü.jpg"
    item.path = None
    assert item == dataset.items[0]


@pytest.mark.parametrize("body", ['{"format": "other"}', '{"format": "labelforge", "version": 9}',
                                  '{"format": "labelforge", "version": 1, "images": [{}]}', "[1"])  # fmt: skip
def test_labelforge_refuses_what_it_cannot_read(body: str) -> None:
    with pytest.raises(FormatError):
        labelforge.read(archive({"labelforge.json": body}))


def test_auto_detection_names_each_format() -> None:
    sample = Dataset("labelforge", [Item("a.jpg", None, "train", [Box("car", 1, 1, 5, 5)],
                                         width=64, height=48)])  # fmt: skip
    for module in (coco, yolo, voc, cvat, labelstudio, labelforge):
        assert detect_format(written(module.write, sample, lambda i: jpeg())) is module, module
    tagged = Dataset("labelforge", [Item("a.jpg", None, "train", tags=["car"])])
    assert detect_format(written(imagenet.write, tagged, lambda i: jpeg())) is imagenet
    assert detect_format(archive({"notes.txt": "hi"})) is None
    with pytest.raises(FormatError):
        format_module("pascal")
