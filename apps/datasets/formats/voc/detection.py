"""Pascal VOC: Annotations/<name>.xml (filename, size, objects with name and bndbox
xmin/ymin/xmax/ymax in pixels; difficult, truncated, occluded and CVAT's <attributes> kept
as attributes), JPEGImages/, and ImageSets/Main/<split>.txt naming each split's images
(trainval counts as train where train is not listed). An image in JPEGImages/ without an XML
is imported without boxes."""

import contextlib
import posixpath
import zipfile
from collections.abc import Callable
from xml.etree.ElementTree import Element, SubElement, tostring

from .base import Archive, Box, Dataset, FormatError, Item, LabelSpec, parse_xml, split_name, stem

NAME = "voc"
FLAGS = ("difficult", "truncated", "occluded")


def _annotation_files(archive: Archive) -> list[str]:
    return [p for p in archive.matching(".xml") if "annotations/" in f"/{p.lower()}"]


def detect(archive: Archive) -> bool:
    files = _annotation_files(archive)
    return bool(files) and any("<annotation" in archive.text(p)[:2000] for p in files[:5])


def _splits(archive: Archive) -> dict[str, str]:
    """Image stem -> split from ImageSets/Main (a class's own lists, cat_train.txt, ignored)."""
    out: dict[str, str] = {}
    lists = [p for p in archive.matching(".txt") if "imagesets/main/" in p.lower()]
    for path in sorted(lists, key=lambda p: stem(p) == "trainval"):  # trainval last: fills gaps
        name = stem(path)
        split = "train" if name == "trainval" else split_name(name)
        if split is None or "_" in name:
            continue
        for line in archive.text(path).split():
            out.setdefault(line.strip(), split)
    return out


def _float(node: Element | None, tag: str, where: str) -> float:
    text = node.findtext(tag) if node is not None else None
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: <{tag}> is {text!r}, not a number") from exc


def read(archive: Archive) -> Dataset:
    files = _annotation_files(archive)
    if not files:
        raise FormatError("No Pascal VOC annotations (Annotations/*.xml) in the archive.")
    splits = _splits(archive)
    dataset = Dataset(NAME, [])
    labelmap = archive.find("labelmap.txt")
    if labelmap is not None:  # CVAT's and datumaro's list of classes, in order
        lines = [line.split(":")[0].strip() for line in archive.text(labelmap).splitlines()]
        dataset.labels = [LabelSpec(n) for n in lines if n and not n.startswith("#")]
    for path in files:
        root = parse_xml(archive.text(path), path)
        if root.tag != "annotation":
            dataset.errors.append({"file": path, "detail": "not a VOC <annotation>"})
            continue
        filename = (root.findtext("filename") or f"{stem(path)}.jpg").strip()
        folder = posixpath.dirname(posixpath.dirname(path))
        entry = archive.find(
            filename, near=path, folders=(posixpath.join(folder, "JPEGImages"), "JPEGImages")
        )
        item = Item(
            name=filename, path=entry, split=splits.get(stem(filename)) or splits.get(stem(path))
        )
        size = root.find("size")
        if size is not None:
            with contextlib.suppress(ValueError):
                item.width, item.height = (
                    int(_float(size, "width", path)),
                    int(_float(size, "height", path)),
                )
        for number, obj in enumerate(root.iter("object"), start=1):
            _read_object(obj, item, f"{path} object {number}")
        dataset.items.append(item)
    described = {item.path for item in dataset.items}
    for entry in archive.images():  # CVAT and datumaro write no XML for an image without boxes
        if "jpegimages/" in f"/{entry.lower()}" and entry not in described:
            dataset.items.append(Item(name=entry, path=entry, split=splits.get(stem(entry))))
    return dataset


def _read_object(obj: Element, item: Item, where: str) -> None:
    label = (obj.findtext("name") or "").strip()
    if not label:
        item.skipped.append(f"{where}: no <name>")
        return
    if obj.find("polygon") is not None or obj.find("segmentation") is not None:
        item.skipped.append(f"{where}: a polygon (segmentation is not supported yet)")
    box = obj.find("bndbox")
    if box is None:
        if obj.find("polygon") is None:
            item.skipped.append(f"{where}: no <bndbox>")
        return
    try:
        x1, y1 = _float(box, "xmin", where), _float(box, "ymin", where)
        x2, y2 = _float(box, "xmax", where), _float(box, "ymax", where)
    except ValueError as exc:
        item.skipped.append(str(exc))
        return
    attributes: dict[str, object] = {}
    for flag in FLAGS:
        text = (obj.findtext(flag) or "").strip()
        if text in ("1", "true", "True"):
            attributes[flag] = True
    for attribute in obj.iterfind("attributes/attribute"):
        name = (attribute.findtext("name") or "").strip()
        if name:
            attributes[name] = (attribute.findtext("value") or "").strip()
    item.boxes.append(Box(label, x1, y1, x2 - x1, y2 - y1, attributes))


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """Annotations/, JPEGImages/ (when images are included), ImageSets/Main/<split>.txt, and
    labelmap.txt with the label names (what CVAT and datumaro read for classes)."""
    lists: dict[str, list[str]] = {}
    for item in dataset.items:
        root = Element("annotation")
        SubElement(root, "folder").text = "JPEGImages"
        SubElement(root, "filename").text = item.name
        size = SubElement(root, "size")
        for tag, value in (("width", item.width), ("height", item.height), ("depth", 3)):
            SubElement(size, tag).text = str(value or 0)
        for box in item.boxes:
            obj = SubElement(root, "object")
            SubElement(obj, "name").text = box.label
            for flag in FLAGS:
                SubElement(obj, flag).text = "1" if box.attributes.get(flag) else "0"
            bndbox = SubElement(obj, "bndbox")
            for tag, value in (
                ("xmin", box.x),
                ("ymin", box.y),
                ("xmax", box.x + box.w),
                ("ymax", box.y + box.h),
            ):
                SubElement(bndbox, tag).text = f"{value:g}"
            others = {k: v for k, v in box.attributes.items() if k not in FLAGS}
            if others:
                holder = SubElement(obj, "attributes")
                for key, value in others.items():
                    attribute = SubElement(holder, "attribute")
                    SubElement(attribute, "name").text = key
                    SubElement(attribute, "value").text = str(value)
        out.writestr(f"Annotations/{stem(item.name)}.xml", tostring(root, encoding="unicode"))
        if image_bytes is not None:
            out.writestr(f"JPEGImages/{item.name}", image_bytes(item))
        lists.setdefault(item.split or "train", []).append(stem(item.name))
    for split, names in lists.items():
        out.writestr(f"ImageSets/Main/{split}.txt", "".join(f"{n}\n" for n in names))
    out.writestr("labelmap.txt", "# label:color_rgb:parts:actions\n" + "".join(
        f"{name}:::\n" for name in dataset.label_names()))  # fmt: skip
