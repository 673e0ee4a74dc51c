"""Pascal VOC: Annotations/<name>.xml with boxes (detection.py), SegmentationClass/ and
SegmentationObject/ PNGs (segmentation.py), JPEGImages/, ImageSets/{Main,Segmentation}/
<split>.txt and labelmap.txt.

Read: each object of SegmentationObject becomes a mask, its class the one under its pixels
in SegmentationClass (or, without that file, the XML's object of the same number); the
XML's n-th object is that mask's box when their labels agree and they overlap (IoU >= 0.5),
and gives it its attributes instead of being imported again as a box. With only
SegmentationClass, each class present is one mask. An image in JPEGImages/ without an XML
is imported (with its masks, if any). Written: boxes as objects, and polygons (rasterised,
holes cut) and masks as objects (their bounding box) numbered as in the PNGs, both PNGs in
VOC's colours, labelmap.txt with background first. Where masks overlap the smaller is
drawn on top, so a round trip keeps non-overlapping masks pixel for pixel."""

import posixpath
import zipfile
from collections.abc import Callable

import numpy as np

from ml.geometry import mask_rle, polygon_rle, rings_of, rle_bbox, rle_check, rle_mask

from ..base import Archive, Box, Dataset, FormatError, Item, LabelSpec, Shape, stem
from . import segmentation as seg
from .detection import VocObject, annotation_files, read_labelmap, read_xml, splits, xml_text

NAME = "voc"
PAIR_IOU = 0.5


def _pngs(archive: Archive, folder: str) -> dict[str, str]:
    return {stem(p): p for p in archive.matching(".png") if f"{folder}/" in f"/{p.lower()}"}


def detect(archive: Archive) -> bool:
    files = annotation_files(archive)
    if files and any("<annotation" in archive.text(p)[:2000] for p in files[:5]):
        return True
    return bool(_pngs(archive, "segmentationobject") or _pngs(archive, "segmentationclass"))


def read(archive: Archive) -> Dataset:
    files = annotation_files(archive)
    class_pngs = _pngs(archive, "segmentationclass")
    object_pngs = _pngs(archive, "segmentationobject")
    if not files and not class_pngs and not object_pngs:
        raise FormatError("No Pascal VOC annotations (Annotations/*.xml or SegmentationClass/"
                          "SegmentationObject PNGs) in the archive.")  # fmt: skip
    split_of = splits(archive)
    dataset = Dataset(NAME, [])
    labelmap = read_labelmap(archive)
    classes = labelmap if labelmap else [(name, None) for name in seg.VOC_CLASSES]
    named_background = seg.background(classes)
    if labelmap is not None:  # CVAT's and datumaro's list of classes, in order
        dataset.labels = [LabelSpec(n) for i, (n, _) in enumerate(labelmap)
                          if i not in named_background]  # fmt: skip
    not_classes = named_background | {0}  # a pixel of 0 is the background
    objects: dict[str, list[VocObject]] = {}
    for path in files:
        found = read_xml(archive, path, split_of)
        if found is None:
            dataset.errors.append({"file": path, "detail": "not a VOC <annotation>"})
            continue
        item, objects[stem(found[0].name)] = found
        dataset.items.append(item)
    by_stem = {stem(item.name): item for item in dataset.items}
    for entry in archive.images():  # CVAT and datumaro write no XML for an image without boxes
        if "jpegimages/" in f"/{entry.lower()}" and stem(entry) not in by_stem:
            by_stem[stem(entry)] = Item(name=entry, path=entry, split=split_of.get(stem(entry)))
            dataset.items.append(by_stem[stem(entry)])
    colors = seg.class_colors(classes)
    for key, item in by_stem.items():
        paired = _masks(archive, item, class_pngs.get(key), object_pngs.get(key), classes,
                        colors, not_classes, objects.get(key, []))  # fmt: skip
        for obj in objects.get(key, []):
            if obj.number in paired:
                continue
            if obj.box is None:
                item.skipped.append(f"{item.name} object {obj.number}: no <bndbox>")
            else:
                item.boxes.append(obj.box)
    return dataset


def _masks(archive: Archive, item: Item, class_png: str | None, object_png: str | None,
           classes: list[tuple[str, seg.Color | None]], colors: dict[seg.Color, int],
           not_classes: set[int], objects: list[VocObject]) -> set[int]:  # fmt: skip
    """The item's masks from its PNGs; the numbers of the XML objects they stand for."""
    if class_png is None and object_png is None:
        return set()
    try:
        cls = seg.decode(archive.read(class_png), colors) if class_png else None
        obj = seg.decode(archive.read(object_png), seg.INSTANCE_COLORS) if object_png else None
    except seg.PngError as exc:
        item.skipped.append(f"{class_png or object_png}: {exc}")
        return set()
    if cls is not None and obj is not None and cls.shape != obj.shape:
        item.skipped.append(f"{object_png}: its size differs from {class_png}'s")
        return set()
    height, width = (cls if cls is not None else obj).shape  # type: ignore[union-attr]
    item.height, item.width = item.height or height, item.width or width
    if cls is not None and (cls == seg.UNKNOWN).any():
        item.skipped.append(f"{class_png}: colours that are no class in labelmap.txt (left out)")
    by_number = {o.number: o for o in objects}
    paired: set[int] = set()
    if obj is None:  # semantic only: a mask per class
        regions = [(None, int(c), cls == c) for c in np.unique(cls).tolist()  # type: ignore[union-attr]
                   if c not in not_classes and c not in (seg.VOID, seg.UNKNOWN)]  # fmt: skip
    else:
        regions = [(n, c, p) for n, c, p in seg.instances(obj, cls)]
    for number, index, pixels in regions:
        xml = by_number.get(number) if number is not None else None
        if index is not None and index < len(classes) and index not in not_classes:
            label = classes[index][0]
        elif cls is None and xml is not None:
            label = xml.label
        else:
            item.skipped.append(f"{object_png or class_png}: object {number} has no class")
            continue
        rle = mask_rle(pixels)
        shape = Shape(label, mask=rle.json())
        if (
            xml is not None
            and xml.label.casefold() == label.casefold()
            and (xml.box is None or _iou(rle_bbox(rle), xml.box) >= PAIR_IOU)
        ):
            shape.attributes = dict(xml.attributes)
            paired.add(xml.number)
        item.shapes.append(shape)
    return paired


def _iou(a: tuple[float, float, float, float], box: Box) -> float:
    x1, y1 = max(a[0], box.x), max(a[1], box.y)
    x2, y2 = min(a[0] + a[2], box.x + box.w), min(a[1] + a[3], box.y + box.h)
    inter = max(x2 - x1, 0.0) * max(y2 - y1, 0.0)
    union = a[2] * a[3] + box.w * box.h - inter
    return inter / union if union > 0 else 0.0


def _pixels(shape: Shape, height: int, width: int) -> np.ndarray | None:
    if shape.mask is not None:
        mask = rle_mask(rle_check(shape.mask))
        return mask.astype(bool) if mask.shape == (height, width) else None
    return rle_mask(polygon_rle(rings_of(shape.polygon), height, width)).astype(bool)


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """Annotations/, SegmentationClass/ and SegmentationObject/ (images with polygons or
    masks), JPEGImages/ (when images are included), ImageSets/Main/<split>.txt and
    ImageSets/Segmentation/<split>.txt, and labelmap.txt: background, then the label names
    in VOC's colours (what CVAT and datumaro read for classes)."""
    names = dataset.label_names()
    index = {name.casefold(): i for i, name in enumerate(names, start=1)}
    lists: dict[str, list[str]] = {}
    segmented: dict[str, list[str]] = {}
    for item in dataset.items:
        split, key = item.split or "train", stem(item.name)
        objects = []
        if item.shapes and item.width and item.height:
            drawn = [(s, _pixels(s, item.height, item.width)) for s in item.shapes]
            drawn = [
                (s, p) for s, p in drawn if p is not None and index[s.label.casefold()] < seg.VOID
            ]
            cls, obj, kept = seg.render([(index[s.label.casefold()], p) for s, p in drawn],
                                        item.height, item.width)  # fmt: skip
            if kept:
                out.writestr(f"SegmentationClass/{key}.png", seg.encode(cls))
                out.writestr(f"SegmentationObject/{key}.png", seg.encode(obj))
                segmented.setdefault(split, []).append(key)
            for i in kept:
                shape, pixels = drawn[i]
                objects.append((shape.label, shape.attributes, rle_bbox(mask_rle(pixels))))
        objects += [(b.label, b.attributes, (b.x, b.y, b.w, b.h)) for b in item.boxes]
        out.writestr(f"Annotations/{key}.xml", xml_text(item, objects))
        if image_bytes is not None:
            out.writestr(f"JPEGImages/{posixpath.basename(item.name)}", image_bytes(item))
        lists.setdefault(split, []).append(key)
    for folder, groups in (("Main", lists), ("Segmentation", segmented)):
        for split, keys in groups.items():
            out.writestr(f"ImageSets/{folder}/{split}.txt", "".join(f"{k}\n" for k in keys))
    colors = seg.COLORMAP
    out.writestr("labelmap.txt", "# label:color_rgb:parts:actions\nbackground:0,0,0::\n" + "".join(
        f"{name}:{','.join(map(str, colors[i % 256]))}::\n" for i, name in enumerate(names, start=1)))  # fmt: skip
