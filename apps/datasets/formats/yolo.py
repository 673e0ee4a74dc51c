"""YOLO, in the layouts people have:

- darknet (CVAT's "YOLO 1.1", AlexeyAB): obj.names, obj.data (train = train.txt, names =),
  train.txt listing image paths, obj_train_data/ with each image's .txt beside it;
- Ultralytics: data.yaml (names as a list or an {id: name} map; train / val / test as a
  folder, a .txt list or a list of them, relative to `path`), images/<split>/ and
  labels/<split>/ (the label of .../images/x.jpg is .../labels/x.txt);
- classification folders: <split>/<class>/<image> with no label files (tags).

Label lines are `class cx cy w h`, fractions of the image's size. Paths in lists rarely match
the archive (data/obj_train_data/x.jpg, /abs/path/images/x.jpg): they are looked up by path,
then by file name. A line `class x1 y1 x2 y2 x3 y3 ...` (three points or more) is a polygon,
as Ultralytics' segmentation labels are; we write polygons so (the outline: YOLO has no
holes) and masks as their largest region's outline."""

import posixpath
import zipfile
from collections.abc import Callable
from typing import Any

import yaml

from ml.assist import mask_rings
from ml.geometry import rle_check, rle_mask

from .base import Archive, Box, Dataset, FormatError, Item, LabelSpec, Shape, split_name, stem

NAME = "yolo"


def detect(archive: Archive) -> bool:
    """By its marker files: bare <split>/<class>/ folders auto-detect as imagenet (the same
    tags either way), and read as YOLO classification when yolo is asked for."""
    names = {posixpath.basename(p).lower() for p in archive.paths}
    return bool(names & {"obj.names", "obj.data", "data.yaml", "dataset.yaml"})


def _yaml_file(archive: Archive) -> str | None:
    found = [
        p for p in archive.paths if posixpath.basename(p).lower() in ("data.yaml", "dataset.yaml")
    ]
    return min(found, key=len) if found else None


def _names_from(value: Any, where: str) -> list[str]:
    if isinstance(value, dict):
        try:
            ordered = sorted(value.items(), key=lambda kv: int(kv[0]))
        except (TypeError, ValueError) as exc:
            raise FormatError(f"{where}: names must map class numbers to names.") from exc
        return [str(v) for _, v in ordered]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise FormatError(f"{where}: names must be a list or a map of class number to name.")


def read(archive: Archive) -> Dataset:
    data_yaml = _yaml_file(archive)
    if data_yaml is not None:
        return _read_ultralytics(archive, data_yaml)
    names_file = next(
        (p for p in archive.paths if posixpath.basename(p).lower() == "obj.names"), None
    )
    if names_file is not None:
        return _read_darknet(archive, names_file)
    root = _classification_root(archive)
    if root is not None:
        return _read_classification(archive, root)
    raise FormatError("No YOLO dataset found: expected data.yaml, obj.names or "
                      "<split>/<class>/ folders.")  # fmt: skip


# ---- detection -------------------------------------------------------------------------


def _parse_labels(text: str, names: list[str], item: Item, where: str) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 5:
            _parse_polygon(parts, names, item, f"{where}:{number}")
            continue
        try:
            cls = int(parts[0])
            cx, cy, w, h = (float(v) for v in parts[1:5])
        except ValueError:
            item.skipped.append(f"{where}:{number}: not 'class cx cy w h'")
            continue
        if len(parts) < 5:
            item.skipped.append(f"{where}:{number}: not 'class cx cy w h'")
            continue
        if not 0 <= cls < len(names):
            item.skipped.append(f"{where}:{number}: class {cls} is not among {len(names)} names")
            continue
        item.boxes.append(Box(names[cls], cx - w / 2, cy - h / 2, w, h, normalized=True))


def _parse_polygon(parts: list[str], names: list[str], item: Item, where: str) -> None:
    """`class x1 y1 x2 y2 ...`: a segmentation label (fractions of the image's size)."""
    try:
        cls, values = int(parts[0]), [float(v) for v in parts[1:]]
    except ValueError:
        item.skipped.append(f"{where}: not 'class x1 y1 x2 y2 ...'")
        return
    if len(values) % 2 or len(values) < 6:
        item.skipped.append(f"{where}: a polygon needs x y pairs, three at least")
        return
    if not 0 <= cls < len(names):
        item.skipped.append(f"{where}: class {cls} is not among {len(names)} names")
        return
    ring = [(values[i], values[i + 1]) for i in range(0, len(values), 2)]
    item.shapes.append(Shape(names[cls], polygon=[ring], normalized=True))


def _outline(shape: Shape) -> list[tuple[float, float]]:
    """A shape's outline in pixels: a polygon's first ring, a mask's largest region's."""
    if shape.polygon:
        return [(float(x), float(y)) for x, y in shape.polygon[0]]
    rings = mask_rings(rle_mask(rle_check(shape.mask)))
    return rings[0] if rings else []


def _label_path(archive: Archive, image: str) -> str | None:
    """The .txt beside the image, or the one in the matching labels/ folder."""
    base = posixpath.splitext(image)[0]
    candidates = [f"{base}.txt"]
    if "images/" in f"/{image}":
        head, _, tail = f"/{image}".rpartition("/images/")
        candidates.append(f"{head}/labels/{posixpath.splitext(tail)[0]}.txt".lstrip("/"))
    for candidate in candidates:
        if candidate in archive.infos:
            return candidate
    return None


def _item(archive: Archive, image: str, split: str | None, names: list[str]) -> Item:
    item = Item(name=image, path=image, split=split)
    label = _label_path(archive, image)
    if label is not None:
        _parse_labels(archive.text(label), names, item, label)
    return item


def _listed(archive: Archive, spec: Any, base: str, where: str) -> list[str]:
    """Images a split names: a folder, a .txt list of paths, or a list of those."""
    if spec is None:
        return []
    if isinstance(spec, list):
        return [p for s in spec for p in _listed(archive, s, base, where)]
    spec = str(spec)
    path = (
        posixpath.normpath(posixpath.join(base, spec.lstrip("/")))
        if base
        else posixpath.normpath(spec)
    )
    txt = archive.find(spec, near=where) if spec.lower().endswith(".txt") else None
    if txt is not None:
        found = []
        for line in archive.text(txt).splitlines():
            if line.strip():
                hit = archive.find(line.strip(), near=txt)
                if hit is not None:
                    found.append(hit)
        return found
    images = list(archive.images(path))
    if not images:  # the yaml's folders often do not match the archive: try the tail
        tail = "/".join(spec.replace("\\", "/").strip("/").split("/")[-2:])
        images = [p for p in archive.images() if f"/{tail}/" in f"/{p}"]
    return images


def _read_ultralytics(archive: Archive, data_yaml: str) -> Dataset:
    try:
        config = yaml.safe_load(archive.text(data_yaml))
    except yaml.YAMLError as exc:
        raise FormatError(f"{data_yaml}: not YAML ({exc}).") from exc
    if not isinstance(config, dict) or "names" not in config:
        raise FormatError(f"{data_yaml}: no 'names'.")
    names = _names_from(config["names"], data_yaml)
    dataset = Dataset(NAME, [], [LabelSpec(n) for n in names])
    root = posixpath.dirname(data_yaml)
    where = str(config.get("path") or "")  # absolute on the machine that wrote it: ignored
    base = root if where.startswith("/") else posixpath.normpath(posixpath.join(root, where))
    base = "" if base == "." else base
    seen: set[str] = set()
    for key in ("train", "val", "test"):
        for image in _listed(archive, config.get(key), base, data_yaml):
            if image not in seen:
                seen.add(image)
                dataset.items.append(_item(archive, image, split_name(key), names))
    if not seen:  # no split points anywhere real: every image, split by its folder names
        for image in archive.images():
            split = next((split_name(p) for p in image.split("/")[:-1] if split_name(p)), None)
            dataset.items.append(_item(archive, image, split, names))
    return dataset


def _read_darknet(archive: Archive, names_file: str) -> Dataset:
    names = [line.strip() for line in archive.text(names_file).splitlines() if line.strip()]
    dataset = Dataset(NAME, [], [LabelSpec(n) for n in names])
    lists = {}
    for path in archive.matching(".txt"):
        split = split_name(stem(path))
        if split and posixpath.dirname(path) == posixpath.dirname(names_file):
            lists[path] = split
    seen: set[str] = set()
    for path, split in sorted(lists.items()):
        for line in archive.text(path).splitlines():
            hit = archive.find(line.strip(), near=path) if line.strip() else None
            if hit is not None and hit not in seen:
                seen.add(hit)
                dataset.items.append(_item(archive, hit, split, names))
    for image in archive.images():  # images no list names: still imported, unassigned
        if image not in seen:
            folder = posixpath.basename(posixpath.dirname(image))
            split = split_name(folder.removeprefix("obj_").removesuffix("_data"))
            dataset.items.append(_item(archive, image, split, names))
    return dataset


# ---- classification folders --------------------------------------------------------------


def _classification_root(archive: Archive) -> str | None:
    """The folder holding train/<class>/... (maybe inside one wrapping folder), when no
    image has a label file."""
    images = list(archive.images())
    if not images or any(_label_path(archive, p) for p in images[:50]):
        return None
    for prefix in ("", *{p.split("/")[0] + "/" for p in images}):
        rest = [p[len(prefix) :].split("/") for p in images if p.startswith(prefix)]
        if len(rest) == len(images) and all(len(r) == 3 and split_name(r[0]) for r in rest):
            return prefix
    return None


def _read_classification(archive: Archive, root: str) -> Dataset:
    dataset = Dataset(NAME, [])
    for image in archive.images(root.rstrip("/")):
        split_folder, cls, _ = image[len(root) :].split("/")
        dataset.items.append(
            Item(name=image, path=image, split=split_name(split_folder), tags=[cls])
        )
    return dataset


# ---- export ------------------------------------------------------------------------------


def write(
    dataset: Dataset, out: zipfile.ZipFile, image_bytes: Callable[[Item], bytes] | None
) -> None:
    """Ultralytics layout: data.yaml, images/<split>/ and labels/<split>/ (unassigned
    images go to train), boxes as fractions of the image's size."""
    names = dataset.label_names()
    index = {n.casefold(): i for i, n in enumerate(names)}
    used = set()
    for item in dataset.items:
        split = item.split or "train"
        used.add(split)
        base = posixpath.splitext(item.name)[0]
        lines = []
        for box in item.boxes:
            w, h = (1.0, 1.0) if box.normalized else (item.width or 1, item.height or 1)
            cx, cy = (box.x + box.w / 2) / w, (box.y + box.h / 2) / h
            lines.append(
                f"{index[box.label.casefold()]} {cx:.6f} {cy:.6f} {box.w / w:.6f} {box.h / h:.6f}"
            )
        for shape in item.shapes:
            w, h = (1.0, 1.0) if shape.normalized else (item.width or 1, item.height or 1)
            points = " ".join(f"{x / w:.6f} {y / h:.6f}" for x, y in _outline(shape))
            if points:
                lines.append(f"{index[shape.label.casefold()]} {points}")
        out.writestr(f"labels/{split}/{base}.txt", "".join(f"{line}\n" for line in lines))
        if image_bytes is not None:
            out.writestr(f"images/{split}/{item.name}", image_bytes(item))
    config = {"path": ".", **{s: f"images/{s}" for s in ("train", "val", "test") if s in used},
              "names": dict(enumerate(names))}  # fmt: skip
    out.writestr("data.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
