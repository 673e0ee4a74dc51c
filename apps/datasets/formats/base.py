"""The neutral dataset every format reads into and writes from, and the archive view the
readers use (safe names and sizes, lookups the way other tools name their files)."""

import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from apps.images.archives import ArchiveLimits, InvalidArchive, plan_zip, read_entry

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
SPLITS = ("train", "val", "test")


class FormatError(Exception):
    """The archive is not a readable dataset of that format: nothing is stored."""

    def __init__(self, detail: str, code: str = "malformed_annotations") -> None:
        super().__init__(detail)
        self.detail, self.code = detail, code


@dataclass
class Box:
    label: str
    x: float  # image pixels, top-left origin
    y: float
    w: float
    h: float
    attributes: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # labelforge: source, score, review
    normalized: bool = False  # x, y, w, h are fractions of the image's size (YOLO)


@dataclass
class Shape:
    """A polygon (rings in image pixels, outline first, then holes) or a mask (COCO RLE)."""

    label: str
    polygon: list[list[tuple[float, float]]] | None = None
    mask: dict[str, Any] | None = None  # {"size": [h, w], "counts": "<COCO compressed RLE>"}
    attributes: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # labelforge: source, score, review
    normalized: bool = False  # the points are fractions of the image's size (YOLO)


@dataclass
class Item:
    """One image and what the file says about it."""

    name: str  # the image's path in the archive, or how the annotation file names it
    path: str | None  # the entry holding its bytes; None: not in the archive
    split: str | None = None  # train | val | test
    boxes: list[Box] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    width: int | None = None  # as the file says, to clip boxes before the image is read
    height: int | None = None
    skipped: list[str] = field(default_factory=list)  # annotations not imported, and why
    extra: dict[str, Any] = field(default_factory=dict)  # labelforge: status, weight, tags
    shapes: list[Shape] = field(default_factory=list)  # polygons and masks


@dataclass
class LabelSpec:
    name: str
    color: str = ""
    hotkey: str = ""


@dataclass
class Dataset:
    format: str
    items: list[Item]
    labels: list[LabelSpec] = field(default_factory=list)  # in the file's order
    errors: list[dict[str, str]] = field(default_factory=list)  # [{file, detail}]

    def label_names(self) -> list[str]:
        """The file's labels, then any the items use that it did not list."""
        names = [label.name for label in self.labels]
        seen = {n.casefold() for n in names}
        for item in self.items:
            for name in [
                *(b.label for b in item.boxes),
                *(s.label for s in item.shapes),
                *item.tags,
            ]:
                if name.casefold() not in seen:
                    seen.add(name.casefold())
                    names.append(name)
        return names


def split_name(text: str) -> str | None:
    """A split as other tools spell it (train2017, validation, Val, test-dev) or None."""
    low = text.lower()
    if low.startswith("train"):
        return "train"
    if low.startswith("val") or low in ("valid", "validation", "dev"):
        return "val"
    if low.startswith("test"):
        return "test"
    return None


class Archive:
    """An uploaded zip's files by safe path (checked by apps/images/archives: no escapes,
    no bombs, no nested archives), with lookups by path, by name without a wrapping folder,
    and by file name."""

    def __init__(self, archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
        self.zip, self.limits = archive, limits
        planned = plan_zip(archive, layout="flat", limits=limits)
        self.infos = {entry.path: info for info, entry in planned}
        self.paths = sorted(self.infos)
        self._lower = {p.lower(): p for p in self.paths}
        self._by_name: dict[str, list[str]] = {}
        for p in self.paths:
            self._by_name.setdefault(posixpath.basename(p).lower(), []).append(p)

    def read(self, path: str) -> bytes:
        try:
            return read_entry(self.zip, self.infos[path], max_bytes=self.limits.max_file_bytes)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InvalidArchive(f"Entry '{path}' is corrupt: {exc}", "corrupt_archive") from exc

    def text(self, path: str) -> str:
        data = self.read(path)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(f"{path}: not UTF-8 text ({exc.reason}).") from exc

    def find(self, name: str, near: str = "", folders: tuple[str, ...] = ()) -> str | None:
        """The entry an annotation file means by `name`: that path (relative to `near`'s
        folder, to the archive, or under one of `folders`), case-insensitively; else the one
        file of that name anywhere in the archive."""
        name = name.replace("\\", "/")
        for prefix in (posixpath.dirname(near), "", *folders):
            candidate = posixpath.normpath(posixpath.join(prefix, name.lstrip("/")))
            hit = self._lower.get(candidate.lower())
            if hit is not None:
                return hit
        same = self._by_name.get(posixpath.basename(name).lower(), [])
        return same[0] if len(same) == 1 else None

    def images(self, under: str = "") -> Iterator[str]:
        prefix = f"{under.rstrip('/')}/" if under else ""
        for p in self.paths:
            if p.startswith(prefix) and p.lower().endswith(IMAGE_SUFFIXES):
                yield p

    def matching(self, suffix: str) -> list[str]:
        return [p for p in self.paths if p.lower().endswith(suffix)]


def parse_xml(text: str, where: str) -> ET.Element:
    """An annotation XML file; a DTD (entity expansion, external entities) is refused."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise FormatError(f"{where}: XML with a DTD or entities is not accepted.")
    try:
        return ET.fromstring(text)
    except ET.ParseError as exc:
        raise FormatError(f"{where}: not well-formed XML ({exc}).") from exc


def stem(path: str) -> str:
    return PurePosixPath(path).stem
