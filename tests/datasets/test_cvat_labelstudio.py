"""CVAT for images 1.1 and Label Studio JSON: files as those tools write them, and our
exports read back."""

import json

from apps.datasets.formats import cvat, labelstudio
from apps.datasets.formats.base import Box, Dataset, Item, LabelSpec
from tests.datasets.helpers import archive, jpeg, written

CVAT_XML = """<?xml version="1.0" encoding="utf-8"?>
<annotations><version>1.1</version>
<meta><task><name>t</name><labels>
  <label><name>car</name><color>#ff0000</color><type>rectangle</type></label>
  <label><name>night</name><color>#0000ff</color><type>tag</type></label>
</labels></task></meta>
<image id="0" name="a.jpg" subset="Train" width="64" height="48">
  <box label="car" source="manual" occluded="1" xtl="1.5" ytl="2" xbr="11.5" ybr="22" z_order="0">
    <attribute name="color">red</attribute></box>
  <tag label="night" source="manual"/>
  <polygon label="car" source="manual" occluded="0" points="1,1;5,1;5,5"/>
  <polyline label="car" source="manual" occluded="0" points="1,1;5,1"/>
</image>
<image id="1" name="ü.jpg" subset="Validation" width="64" height="48"/>
</annotations>"""


def test_cvat_as_cvat_writes_it() -> None:
    files = {"annotations.xml": CVAT_XML, "images/a.jpg": jpeg(), "images/ü.jpg": jpeg()}
    archive_ = archive(files)
    assert cvat.detect(archive_)
    got = cvat.read(archive_)
    assert [(s.name, s.color) for s in got.labels] == [("car", "#ff0000"), ("night", "#0000ff")]
    a, u = got.items
    assert (a.path, a.split, a.tags, u.path, u.split) == ("images/a.jpg", "train", ["night"],
                                                          "images/ü.jpg", "val")  # fmt: skip
    assert a.boxes == [Box("car", 1.5, 2, 10, 20, {"color": "red", "occluded": True})]
    assert [s.polygon for s in a.shapes] == [[[(1, 1), (5, 1), (5, 5)]]]
    assert len(a.skipped) == 1 and "polyline" in a.skipped[0]


def test_cvat_export_reads_back() -> None:
    dataset = Dataset("labelforge", [
        Item("a.jpg", None, "train", [Box("car", 1.25, 2, 10, 20, {"occluded": True, "k": "v"})],
             ["night"], 64, 48),
    ], [LabelSpec("car", "#ff0000"), LabelSpec("night")])  # fmt: skip
    got = cvat.read(written(cvat.write, dataset, lambda item: jpeg()))
    assert got.items[0].boxes == [Box("car", 1.25, 2, 10, 20, {"k": "v", "occluded": True})]
    assert (got.items[0].tags, got.items[0].split, got.labels[0].color) == (
        ["night"],
        "train",
        "#ff0000",
    )


LS_TASKS = [
    {"id": 1, "data": {"image": "/data/upload/3/0a1b2c3d-a.jpg"}, "annotations": [{"result": [
        {"type": "rectanglelabels", "original_width": 64, "original_height": 48,
         "value": {"x": 25, "y": 50, "width": 50, "height": 25, "rotation": 0,
                   "rectanglelabels": ["car"]}},
        {"type": "rectanglelabels", "value": {"x": 1, "y": 1, "width": 2, "height": 2,
                                              "rotation": 30, "rectanglelabels": ["car"]}},
        {"type": "choices", "value": {"choices": ["night"]}},
        {"type": "polygonlabels", "value": {"points": [[1, 1], [2, 2]], "polygonlabels": ["car"]}},
    ]}], "predictions": [{"result": []}]},
    {"id": 2, "data": {"image": "/data/local-files/?d=pics/b%20c.jpg"}, "annotations": []},
]  # fmt: skip


def test_label_studio_as_it_exports() -> None:
    files = {"project-3.json": json.dumps(LS_TASKS), "a.jpg": jpeg(), "pics/b c.jpg": jpeg()}
    archive_ = archive(files)
    assert labelstudio.detect(archive_)
    a, b = labelstudio.read(archive_).items
    assert (a.path, b.path) == ("a.jpg", "pics/b c.jpg")
    assert a.boxes == [Box("car", 0.25, 0.5, 0.5, 0.25, normalized=True)]
    assert (a.width, a.height, a.tags) == (64, 48, ["night"])
    assert len(a.skipped) == 3  # rotated, polygon, predictions
    assert b.boxes == [] and b.tags == []


def test_label_studio_export_reads_back() -> None:
    dataset = Dataset("labelforge", [Item("a.jpg", None, None, [Box("car", 16, 24, 32, 12)],
                                          ["night"], 64, 48)])  # fmt: skip
    item = labelstudio.read(written(labelstudio.write, dataset, lambda i: jpeg())).items[0]
    assert item.path == "images/a.jpg" and item.tags == ["night"]
    box = item.boxes[0]
    assert (box.label, box.x * 64, box.y * 48, box.w * 64, box.h * 48) == ("car", 16, 24, 32, 12)
