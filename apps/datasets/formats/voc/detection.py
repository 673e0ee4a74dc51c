"""Pascal VOC's XML side: Annotations/<name>.xml (filename, size, objects with name and
bndbox xmin/ymin/xmax/ymax in pixels; difficult, truncated, occluded and CVAT's
<attributes> kept as attributes), ImageSets/{Main,Segmentation}/<split>.txt naming each
split's images (trainval counts as train where train is not listed), and labelmap.txt
(`name:r,g,b:parts:actions`, as datumaro and CVAT write it)."""

import contextlib
import posixpath
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from ..base import Archive, Box, Item, parse_xml, split_name, stem

FLAGS = ("difficult", "truncated", "occluded")
Color = tuple[int, int, int]


@dataclass
class VocObject:
    """One <object>, in the file's order (the SegmentationObject index is its number)."""

    number: int  # 1-based
    label: str
    box: Box | None  # None: no (readable) <bndbox>
    attributes: dict[str, Any] = field(default_factory=dict)


def annotation_files(archive: Archive) -> list[str]:
    return [p for p in archive.matching(".xml") if "annotations/" in f"/{p.lower()}"]


def splits(archive: Archive) -> dict[str, str]:
    """Image stem -> split from ImageSets/Main and ImageSets/Segmentation (a class's own
    lists, cat_train.txt, ignored)."""
    out: dict[str, str] = {}
    lists = [p for p in archive.matching(".txt")
             if "imagesets/main/" in p.lower() or "imagesets/segmentation/" in p.lower()]  # fmt: skip
    for path in sorted(lists, key=lambda p: stem(p) == "trainval"):  # trainval last: fills gaps
        name = stem(path)
        split = "train" if name == "trainval" else split_name(name)
        if split is None or "_" in name:
            continue
        for line in archive.text(path).split():
            out.setdefault(line.strip(), split)
    return out


def read_labelmap(archive: Archive) -> list[tuple[str, Color | None]] | None:
    """labelmap.txt's classes in order (the class index is the position), each with its
    colour when the file gives one; None when there is no labelmap.txt."""
    path = archive.find("labelmap.txt")
    if path is None:
        return None
    out: list[tuple[str, Color | None]] = []
    for line in archive.text(path).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(":")
        color: Color | None = None
        with contextlib.suppress(ValueError):
            r, g, b = (int(v) for v in rest.split(":")[0].split(","))
            color = (r, g, b)
        if name.strip():
            out.append((name.strip(), color))
    return out


def _float(node: Element | None, tag: str, where: str) -> float:
    text = node.findtext(tag) if node is not None else None
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: <{tag}> is {text!r}, not a number") from exc


def read_xml(
    archive: Archive, path: str, split_of: dict[str, str]
) -> tuple[Item, list[VocObject]] | None:
    """The item an annotation file describes and its objects; None when it is not a VOC
    <annotation>. A malformed file raises FormatError naming it."""
    root = parse_xml(archive.text(path), path)
    if root.tag != "annotation":
        return None
    filename = (root.findtext("filename") or f"{stem(path)}.jpg").strip()
    folder = posixpath.dirname(posixpath.dirname(path))
    entry = archive.find(
        filename, near=path, folders=(posixpath.join(folder, "JPEGImages"), "JPEGImages")
    )
    item = Item(
        name=filename, path=entry, split=split_of.get(stem(filename)) or split_of.get(stem(path))
    )
    size = root.find("size")
    if size is not None:
        with contextlib.suppress(ValueError):
            item.width, item.height = (
                int(_float(size, "width", path)),
                int(_float(size, "height", path)),
            )
    objects = []
    for number, obj in enumerate(root.iter("object"), start=1):
        found = _read_object(obj, item, number, f"{path} object {number}")
        if found is not None:
            objects.append(found)
    return item, objects


def _read_object(obj: Element, item: Item, number: int, where: str) -> VocObject | None:
    label = (obj.findtext("name") or "").strip()
    if not label:
        item.skipped.append(f"{where}: no <name>")
        return None
    attributes: dict[str, Any] = {}
    for flag in FLAGS:
        text = (obj.findtext(flag) or "").strip()
        if text in ("1", "true", "True"):
            attributes[flag] = True
    for attribute in obj.iterfind("attributes/attribute"):
        name = (attribute.findtext("name") or "").strip()
        if name:
            attributes[name] = (attribute.findtext("value") or "").strip()
    box = obj.find("bndbox")
    if box is None:
        return VocObject(number, label, None, attributes)
    try:
        x1, y1 = _float(box, "xmin", where), _float(box, "ymin", where)
        x2, y2 = _float(box, "xmax", where), _float(box, "ymax", where)
    except ValueError as exc:
        item.skipped.append(str(exc))
        return VocObject(number, label, None, attributes)
    return VocObject(number, label, Box(label, x1, y1, x2 - x1, y2 - y1, attributes), attributes)


def xml_text(item: Item, objects: list[tuple[str, dict[str, Any], tuple[float, ...]]]) -> str:
    """An annotation file: `objects` (label, attributes, (x, y, w, h)) in order."""
    root = Element("annotation")
    SubElement(root, "folder").text = "JPEGImages"
    SubElement(root, "filename").text = item.name
    size = SubElement(root, "size")
    for tag, value in (("width", item.width), ("height", item.height), ("depth", 3)):
        SubElement(size, tag).text = str(value or 0)
    SubElement(root, "segmented").text = "1" if item.shapes else "0"
    for label, attributes, (x, y, w, h) in objects:
        obj = SubElement(root, "object")
        SubElement(obj, "name").text = label
        for flag in FLAGS:
            SubElement(obj, flag).text = "1" if attributes.get(flag) else "0"
        bndbox = SubElement(obj, "bndbox")
        for tag, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
            SubElement(bndbox, tag).text = f"{value:g}"
        others = {k: v for k, v in attributes.items() if k not in FLAGS}
        if others:
            holder = SubElement(obj, "attributes")
            for key, value in others.items():
                attribute = SubElement(holder, "attribute")
                SubElement(attribute, "name").text = key
                SubElement(attribute, "value").text = str(value)
    return tostring(root, encoding="unicode")
