"""Pascal VOC: objects with difficult/truncated and CVAT attributes kept, ImageSets splits
(trainval filling in for train), malformed and hostile XML refused with the file named; our
export reads back with the same boxes and labels."""

import pytest

from apps.datasets.formats import voc
from apps.datasets.formats.base import Box, Dataset, FormatError, Item, LabelSpec
from tests.datasets.helpers import archive, jpeg, written


def _xml(filename: str, objects: str) -> str:
    return (f"<annotation><folder>VOC2012</folder><filename>{filename}</filename>"
            f"<size><width>64</width><height>48</height><depth>3</depth></size>{objects}"
            "</annotation>")  # fmt: skip


OBJ = ("<object><name>dog</name><difficult>1</difficult><truncated>0</truncated>"
       "<bndbox><xmin>10</xmin><ymin>5.5</ymin><xmax>30</xmax><ymax>25</ymax></bndbox>"
       "<attributes><attribute><name>pose</name><value>left</value></attribute></attributes>"
       "</object>")  # fmt: skip


BAD = (
    "<object><name>cat</name><bndbox><xmin>0</xmin><ymin>0</ymin><xmax>x</xmax>"
    "<ymax>4</ymax></bndbox></object>"
)


def test_reads_objects_attributes_and_splits() -> None:
    files = {
        "VOC2012/Annotations/a.xml": _xml("a.jpg", OBJ + "<object><name>cat</name></object>"),
        "VOC2012/Annotations/b.xml": _xml("b.jpg", BAD),
        "VOC2012/Annotations/c.xml": _xml("c.jpg", ""),
        "VOC2012/JPEGImages/a.jpg": jpeg(),
        "VOC2012/JPEGImages/b.jpg": jpeg(),
        "VOC2012/JPEGImages/c.jpg": jpeg(),
        "VOC2012/ImageSets/Main/val.txt": "b\n",
        "VOC2012/ImageSets/Main/trainval.txt": "a\nb\n",
        "VOC2012/ImageSets/Main/dog_train.txt": "a  1\n",
    }
    archive_ = archive(files)
    assert voc.detect(archive_)
    got = voc.read(archive_)
    items = {i.name: i for i in got.items}
    assert {n: (i.path, i.split, i.width) for n, i in items.items()} == {
        "a.jpg": ("VOC2012/JPEGImages/a.jpg", "train", 64),
        "b.jpg": ("VOC2012/JPEGImages/b.jpg", "val", 64),
        "c.jpg": ("VOC2012/JPEGImages/c.jpg", None, 64),
    }
    assert items["a.jpg"].boxes == [
        Box("dog", 10, 5.5, 20, 19.5, {"difficult": True, "pose": "left"})
    ]
    assert len(items["a.jpg"].skipped) == 1  # the cat without a box
    assert items["b.jpg"].boxes == [] and "xmax" in items["b.jpg"].skipped[0]


@pytest.mark.parametrize("text", [
    "<annotation><filename>a.jpg</filename>",  # cut short
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><annotation>&lol;</annotation>',
])  # fmt: skip
def test_malformed_or_hostile_xml_is_refused(text: str) -> None:
    with pytest.raises(FormatError, match=r"Annotations/a\.xml"):
        voc.read(archive({"Annotations/a.xml": text, "JPEGImages/a.jpg": jpeg()}))


def test_export_reads_back() -> None:
    dataset = Dataset("labelforge", [
        Item("a.jpg", None, "train", [Box("dog", 10, 5, 20, 20, {"truncated": True, "pose": "up"})],
             width=64, height=48),
        Item("b.jpg", None, "val", [], width=64, height=48),
    ], [LabelSpec("cat"), LabelSpec("dog")])  # fmt: skip
    got = voc.read(written(voc.write, dataset, lambda item: jpeg()))
    assert [label.name for label in got.labels] == ["cat", "dog"]
    items = {i.name: i for i in got.items}
    assert items["a.jpg"].boxes == [Box("dog", 10, 5, 20, 20, {"truncated": True, "pose": "up"})]
    assert (items["a.jpg"].split, items["b.jpg"].split) == ("train", "val")
    assert items["b.jpg"].path == "JPEGImages/b.jpg"
