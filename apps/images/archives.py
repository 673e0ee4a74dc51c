"""Reading uploaded zip archives safely: no path escapes, no nested archives, no zip bombs."""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal

Layout = Literal["auto", "flat", "folders"]

ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst")
ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")
IGNORED_NAMES = {"thumbs.db", "desktop.ini"}


class InvalidArchive(Exception):
    def __init__(self, detail: str, code: str = "invalid_archive") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class ArchiveEntry:
    path: str
    class_name: str | None


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int
    max_uncompressed_bytes: int
    max_file_bytes: int


def is_zip(name: str, head: bytes) -> bool:
    return name.lower().endswith(".zip") or head.startswith(b"PK\x03\x04")


def _safe_path(name: str) -> str:
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise InvalidArchive(f"Entry '{name}' has an absolute path.", "unsafe_path")
    parts = [p for p in normalized.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidArchive(f"Entry '{name}' escapes the archive.", "unsafe_path")
    return "/".join(parts)


def _ignored(path: str) -> bool:
    parts = path.split("/")
    return (
        parts[0] == "__MACOSX"
        or any(p.startswith(".") for p in parts)
        or parts[-1].lower() in IGNORED_NAMES
    )


def _class_names(paths: list[str], layout: Layout) -> dict[str, str | None]:
    """Folder-per-class: the top-level folder names the class. In `auto`, a single wrapping
    folder is looked through, and images lying loose at the top level mean no classes."""
    if layout == "flat":
        return dict.fromkeys(paths)
    split = [p.split("/") for p in paths]
    depth = 0
    if layout == "auto":
        if any(len(parts) < 2 for parts in split):
            return dict.fromkeys(paths)
        roots = {parts[0] for parts in split}
        if len(roots) == 1:
            if any(len(parts) < 3 for parts in split):
                return dict.fromkeys(paths)
            depth = 1
    out: dict[str, str | None] = {}
    for path, parts in zip(paths, split, strict=True):
        if len(parts) < depth + 2:
            raise InvalidArchive(
                f"Entry '{path}' is not inside a class folder (folder-per-class layout).",
                "not_in_class_folder",
            )
        out[path] = parts[depth]
    return out


def plan_zip(
    archive: zipfile.ZipFile, *, layout: Layout, limits: ArchiveLimits
) -> list[tuple[zipfile.ZipInfo, ArchiveEntry]]:
    """Check every entry's name and size before anything is read or stored."""
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > limits.max_entries:
        raise InvalidArchive(
            f"The archive holds {len(infos):,} files; the limit is {limits.max_entries:,}.",
            "too_many_entries",
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise InvalidArchive(
            f"The archive would expand to {total:,} bytes; the limit is "
            f"{limits.max_uncompressed_bytes:,} (zip bomb protection).",
            "too_large",
        )
    kept: list[tuple[zipfile.ZipInfo, str]] = []
    for info in infos:
        path = _safe_path(info.filename)
        if _ignored(path):
            continue
        if path.lower().endswith(ARCHIVE_SUFFIXES):
            raise InvalidArchive(f"Nested archive '{path}' is not supported.", "nested_archive")
        kept.append((info, path))
    if not kept:
        raise InvalidArchive("The archive holds no files.", "empty_archive")
    classes = _class_names([path for _, path in kept], layout)
    return [(info, ArchiveEntry(path=path, class_name=classes[path])) for info, path in kept]


def read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, max_bytes: int) -> bytes:
    """Read one entry without trusting its declared size; refuse nested archives by content."""
    with archive.open(info) as stream:
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidArchive(
            f"Entry '{info.filename}' is larger than {max_bytes:,} bytes.", "too_large"
        )
    if data.startswith(ARCHIVE_MAGIC):
        raise InvalidArchive(
            f"Nested archive '{info.filename}' is not supported.", "nested_archive"
        )
    return data


def open_zip(fileobj: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidArchive(f"Not a readable zip archive: {exc}", "corrupt_archive") from exc


def iter_entries(
    archive: zipfile.ZipFile, *, layout: Layout, limits: ArchiveLimits
) -> Iterator[tuple[ArchiveEntry, bytes]]:
    for info, entry in plan_zip(archive, layout=layout, limits=limits):
        try:
            data = read_entry(archive, info, max_bytes=limits.max_file_bytes)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InvalidArchive(
                f"Entry '{entry.path}' is corrupt: {exc}", "corrupt_archive"
            ) from exc
        yield entry, data
