"""One consistent archive of an installation: the database and every stored file it
references, and the way back into an empty database and storage.

The archive is a tar file:

    manifest.json        format, when, the database engine, each file's name, size, sha256
    database.dump        pg_dump's custom format (PostgreSQL) or a copy of the SQLite file
    files/<name>         each stored file, under its storage name

Consistency: on PostgreSQL the file list is read in the same REPEATABLE READ snapshot that
pg_dump dumps (pg_export_snapshot), so rows and files match exactly; on SQLite the database
is locked against writes while it is copied and listed. Restoring checks everything before
it writes anything, writes the files, then the database in one transaction, and removes the
files again if the database part fails: nothing is half-restored."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.backup.files import referenced_files

FORMAT = "labelforge-backup/1"
DUMP = "database.dump"
CHUNK = 1024 * 1024

Log = Callable[[str], None]


class BackupError(Exception):
    """Why a backup or restore refused or failed: said to the operator, nothing half-done."""


@dataclass(frozen=True)
class Summary:
    path: Path
    files: int
    bytes: int


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: PGBIN, else PATH, else the newest /usr/lib/postgresql/*/bin."""
    candidates = [Path(os.environ["PGBIN"]) / name] if os.environ.get("PGBIN") else []
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                         key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
                         reverse=True)  # fmt: skip
    for path in candidates:
        if path.is_file():
            return str(path)
    raise BackupError(f"{name} not found: install the PostgreSQL client tools.")


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db.get("HOST") or "localhost"), "-p", str(db.get("PORT") or 5432),
            "-U", str(db.get("USER") or "postgres"), "-d", str(db["NAME"])]  # fmt: skip
    env = {"PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def _snapshot(dump_to: Path) -> Iterator[None]:
    """Dump the database to `dump_to` and keep the same view of it open for the caller's
    reads (the file list)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            if _is_postgres():
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
                args, env = _pg_args()
                _run([pg_tool("pg_dump"), "--format=custom", "--no-owner",
                      f"--snapshot={snapshot}", "-f", str(dump_to), *args], env)  # fmt: skip
            elif connection.vendor == "sqlite":
                cursor.execute("SELECT 1")  # the atomic block's BEGIN holds from here
                connection.ensure_connection()
                target = sqlite3.connect(dump_to)
                try:
                    connection.connection.backup(target)
                finally:
                    target.close()
            else:
                raise BackupError(
                    f"Backups support PostgreSQL and SQLite, not {connection.vendor}."
                )
        yield


def _sha256(fh: io.BufferedIOBase) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := fh.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class _Hashing(io.RawIOBase):
    """Reads through to `fh`, hashing what tarfile copies: each file is read once."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.fh.read(size)
        self.digest.update(chunk)
        return chunk


def _add(tar: tarfile.TarFile, name: str, size: int, fh: IO[bytes]) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = size, int(timezone.now().timestamp())
    tar.addfile(info, fh)  # tarfile fails if fh holds fewer than `size` bytes


def backup_write(*, out: Path, log: Log = print) -> Summary:
    """Write the archive to `out` (a new file; written beside it, then renamed)."""
    out = Path(out)
    if out.exists():
        raise BackupError(f"{out} exists: choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMP
        with _snapshot(dump):
            names = referenced_files()
        missing = [n for n in names if not default_storage.exists(n)]
        if missing:
            shown = ", ".join(missing[:5]) + (
                f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            )
            raise BackupError(
                f"{len(missing)} referenced file(s) are missing from storage: {shown}."
            )
        entries, total = [], 0
        try:
            with tarfile.open(partial, "w") as tar:
                tar.add(dump, arcname=DUMP)
                for i, name in enumerate(names, 1):
                    size = default_storage.size(name)
                    with default_storage.open(name, "rb") as fh:
                        reader = _Hashing(fh)
                        _add(tar, f"files/{name}", size, reader)  # type: ignore[arg-type]
                    entries.append(
                        {"name": name, "size": size, "sha256": reader.digest.hexdigest()}
                    )
                    total += size
                    if i % 500 == 0:
                        log(f"{i}/{len(names)} files")
                with open(dump, "rb") as fh:
                    dump_sha, dump_size = _sha256(fh)
                manifest = {
                    "format": FORMAT, "created_at": timezone.now().isoformat(),
                    "database": {"engine": connection.vendor, "size": dump_size, "sha256": dump_sha},
                    "files": entries,
                }  # fmt: skip
                data = json.dumps(manifest, indent=1).encode()
                _add(tar, "manifest.json", len(data), io.BytesIO(data))
            partial.replace(out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    log(f"Backed up the database and {len(entries)} files ({total:,} bytes) to {out}")
    return Summary(out, len(entries), total)


# ---- restore -----------------------------------------------------------------------------


def _safe_name(name: object) -> str:
    """A storage name from the archive: relative, no '..', no backslashes."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise BackupError(f"The archive names a file badly: {name!r}.")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or str(path) != name:
        raise BackupError(f"The archive names a file outside storage: {name!r}.")
    return name


def _read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        member = tar.getmember("manifest.json")
        manifest = json.loads(tar.extractfile(member).read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError("Not a Labelforge backup: manifest.json is missing or invalid.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Not a {FORMAT} archive.")
    for entry in manifest.get("files", []):
        _safe_name(entry.get("name"))
    return manifest


def _member(tar: tarfile.TarFile, name: str, size: int, sha: str) -> tarfile.TarInfo:
    try:
        member = tar.getmember(name)
    except KeyError as exc:
        raise BackupError(f"The archive lacks {name}.") from exc
    if not member.isfile() or member.size != size:
        raise BackupError(f"{name} in the archive is not the file the manifest describes.")
    if _sha256(tar.extractfile(member))[0] != sha:
        raise BackupError(f"{name} in the archive is damaged (sha256 differs).")
    return member


def _database_empty() -> bool:
    return not connection.introspection.table_names()


def backup_restore(*, archive: Path, log: Log = print) -> Summary:
    """Restore into an empty database and storage, then migrate to this code's schema."""
    archive = Path(archive)
    if not tarfile.is_tarfile(archive):
        raise BackupError(f"{archive} is not a backup archive (not a tar file).")
    with tarfile.open(archive, "r") as tar:
        manifest = _read_manifest(tar)
        engine = manifest["database"]["engine"]
        if engine != connection.vendor:
            raise BackupError(
                f"The backup is of a {engine} database; this one is {connection.vendor}."
            )
        if not _database_empty():
            raise BackupError("The database is not empty: restore into a new, empty database.")
        files = manifest["files"]
        taken = [e["name"] for e in files if default_storage.exists(e["name"])]
        if taken:
            raise BackupError(f"Storage already holds {len(taken)} of the backup's files "
                              f"(first: {taken[0]}): restore into empty storage.")  # fmt: skip
        log("Checking the archive")
        dump = _member(tar, DUMP, manifest["database"]["size"], manifest["database"]["sha256"])
        members = [_member(tar, f"files/{e['name']}", e["size"], e["sha256"]) for e in files]
        written: list[str] = []
        try:
            for entry, member in zip(files, members, strict=True):
                saved = default_storage.save(entry["name"], File(tar.extractfile(member)))
                written.append(saved)
                if saved != entry["name"]:
                    raise BackupError(f"Storage stored {entry['name']} as {saved}.")
            log(f"Restored {len(written)} files; restoring the database")
            with tempfile.TemporaryDirectory() as tmp:
                local = Path(tmp) / DUMP
                with open(local, "wb") as out:
                    shutil.copyfileobj(tar.extractfile(dump), out, CHUNK)
                _restore_database(local)
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
    call_command("migrate", verbosity=0)
    total = sum(e["size"] for e in files)
    log(f"Restored the database and {len(files)} files ({total:,} bytes) from {archive}")
    return Summary(archive, len(files), total)


def _restore_database(dump: Path) -> None:
    if _is_postgres():
        args, env = _pg_args()
        _run([pg_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error",
              *args, str(dump)], env)  # fmt: skip
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
