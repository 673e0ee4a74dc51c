"""CVAT for images 1.1 XML: <image name= width= height= subset=> holding <box label= xtl=
ytl= xbr= ybr= occluded=> with <attribute name=> children, and <tag label=>; labels (with
colours) from <meta>; subsets as splits (an image's subset=, else a file named after one,
as datumaro writes train.xml). <polygon points="x1,y1;x2,y2;..."> and <mask rle= left= top=
width= height=> are shapes (cvat_shapes.py); polylines, points, ellipses, cuboids and
skeletons are counted as skipped."""

import contextlib
import posixpath
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import Element, SubElement, tostring

from .base import (
    Archive,
    Box,
    Dataset,
    FormatError,
    Item,
    LabelSpec,
    parse_xml,
    split_name,
    stem,
)
from .cvat_shapes import read_shape, write_shape

NAME = "cvat"
SHAPES_SKIPPED = ("polyline", "points", "cuboid", "ellipse", "skeleton")


def _files(archive: Archive) -> list[str]:
    return [p for p in archive.matching(".xml") if "<annotations" in archive.text(p)[:500]
            and "<image " in archive.text(p)[:200_000]]  # fmt: skip


def detect(archive: Archive) -> bool:
    return bool(_files(archive))


def read(archive: Archive) -> Dataset:
    files = _files(archive)
    if not files:
        raise FormatError("No CVAT for images XML (<annotations> with <image> elements).")
    dataset = Dataset(NAME, [])
    known: set[str] = set()
    for path in files:
        root = parse_xml(archive.text(path), path)
        for label in root.iterfind(".//meta//labels/label"):
            name = (label.findtext("name") or "").strip()
            if name and name.casefold() not in known:
                known.add(name.casefold())
                dataset.labels.append(LabelSpec(name, (label.findtext("color") or "").strip()))
        folders = ("images", posixpath.join(posixpath.dirname(path), "images"))
        file_split = split_name(stem(path))  # datumaro writes a task per subset: train.xml
        for image in root.iterfind("image"):
            dataset.items.append(_image(archive, image, path, folders, file_split))
    return dataset


def _image(archive: Archive, image: Element, path: str, folders: tuple[str, ...],
           file_split: str | None) -> Item:  # fmt: skip
    name = image.get("name", "")
    item = Item(name=name, path=archive.find(name, near=path, folders=folders),
                split=split_name(image.get("subset", "")) or file_split)  # fmt: skip
    with contextlib.suppress(ValueError):
        item.width, item.height = int(image.get("width", "")), int(image.get("height", ""))
    for node in image:
        label = node.get("label", "").strip()
        if node.tag == "tag" and label:
            item.tags.append(label)
        elif node.tag == "box" and label:
            try:
                x1, y1, x2, y2 = (float(node.get(k, "")) for k in ("xtl", "ytl", "xbr", "ybr"))
            except ValueError:
                item.skipped.append(f"{path}: a box on {name} without numeric xtl/ytl/xbr/ybr")
                continue
            attributes: dict[str, object] = {a.get("name", ""): (a.text or "").strip()
                                             for a in node.iterfind("attribute") if a.get("name")}  # fmt: skip
            if node.get("occluded") == "1":
                attributes["occluded"] = True
            item.boxes.append(Box(label, x1, y1, x2 - x1, y2 - y1, attributes))
        elif node.tag in ("polygon", "mask") and label:
            try:
                item.shapes.append(read_shape(node, item))
            except ValueError as exc:
                item.skipped.append(f"{path}: a {node.tag} on {name}: {exc}")
        elif node.tag in SHAPES_SKIPPED:
            item.skipped.append(f"{path}: a {node.tag} on {name} (not supported)")
    return item


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """annotations.xml (CVAT for images 1.1) and images/ when they are included."""
    root = Element("annotations")
    SubElement(root, "version").text = "1.1"
    project = SubElement(SubElement(root, "meta"), "project")  # as CVAT exports a project
    SubElement(project, "name").text = "Labelforge export"
    labels = SubElement(project, "labels")
    colors = {spec.name.casefold(): spec.color for spec in dataset.labels}
    for name in dataset.label_names():
        label = SubElement(labels, "label")
        SubElement(label, "name").text = name
        SubElement(label, "color").text = colors.get(name.casefold(), "")
        SubElement(label, "type").text = "any"
    subsets = SubElement(project, "subsets")
    for split in sorted({item.split or "default" for item in dataset.items}):
        SubElement(subsets, "subset").text = split
    for number, item in enumerate(dataset.items):
        image = SubElement(root, "image", id=str(number), name=item.name, width=str(item.width or 0),
                           height=str(item.height or 0), subset=item.split or "default")  # fmt: skip
        for box in item.boxes:
            node = SubElement(image, "box", label=box.label, source="manual",
                              occluded="1" if box.attributes.get("occluded") else "0",
                              xtl=f"{box.x:.2f}", ytl=f"{box.y:.2f}", xbr=f"{box.x + box.w:.2f}",
                              ybr=f"{box.y + box.h:.2f}", z_order="0")  # fmt: skip
            for key, value in box.attributes.items():
                if key != "occluded":
                    SubElement(node, "attribute", name=key).text = str(value)
        for shape in item.shapes:
            write_shape(image, shape, item)
        for tag in item.tags:
            SubElement(image, "tag", label=tag, source="manual")
        if image_bytes is not None:
            out.writestr(f"images/{item.name}", image_bytes(item))
    out.writestr(
        "annotations.xml",
        '<?xml version="1.0" encoding="utf-8"?>\n' + tostring(root, encoding="unicode"),
    )
