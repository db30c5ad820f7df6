"""The backup directory: its files, metadata.json, row_counts.json and the checksummed manifest."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import quote

import msgspec

from .config import Compression

METADATA_NAME = "metadata.json"
ROW_COUNTS_NAME = "row_counts.json"
SCRIPT_BASENAME = "backup.sql"
CSV_DIR = "data"
NAME_MAX = 255  # bytes in one file name on every filesystem we expect


class FileRecord(msgspec.Struct, frozen=True):
    name: str
    size: int
    sha256: str


class HashedWriter:
    """Writes through to a binary file, keeping the size and sha256 of what went in: the
    manifest's record of a file written in bulk, without reading it back."""

    def __init__(self, file):
        self.file, self.size, self.digest = file, 0, hashlib.sha256()

    def write(self, data) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.size += len(data)

    def record(self, name: str) -> FileRecord:
        return FileRecord(name, self.size, self.digest.hexdigest())


class Inclusion(msgspec.Struct, frozen=True):
    """The seed's flags, under the seed's names."""

    include_auth: bool = True
    include_storage: bool = True
    include_transient: bool = True
    include_org_data: bool = True
    prod_mode: bool = False


class Exclusion(msgspec.Struct, frozen=True):
    table: str
    what: str  # "schema and data" | "data"
    why: str


class CsvFile(msgspec.Struct, frozen=True):
    """One table exported as CSV (COPY ... WITH (FORMAT csv, HEADER)), in FK load order."""

    file: str  # data/0001_public.organizations.csv
    table: str  # public.organizations
    schema: str
    name: str
    columns: list[str]
    rows: int


class CategoryRecord(msgspec.Struct, frozen=True):
    """A data category of the profile, and what this backup did with it."""

    name: str
    title: str
    exclusion: str  # "schema" | "data" | "never"
    included: bool
    excluded_by: str | None  # the option that left it out
    tables: list[str]


class Metadata(msgspec.Struct):
    version: str
    timestamp: str
    backup: Inclusion
    critical_tables: list[str]
    transient_tables: list[str]
    org_schemas: list[str]
    engine_version: str
    server_version: str
    server_version_num: int
    database: str
    encoding: str
    started_at: str
    finished_at: str
    compression: Compression
    jobs: int
    snapshot_consistent: bool
    script: str
    toc: str
    table_order: list[str]
    fk_cycles: list[list[str]]
    excluded: list[Exclusion]
    warnings: list[str]
    files: list[FileRecord]
    csv_files: list[CsvFile] = []
    categories: list[CategoryRecord] = []
    profile: str = ""
    profile_warnings: list[str] = []  # the profile's patterns that matched nothing
    dangling_foreign_keys: list[str] = []  # foreign keys of kept rows to rows left out


def script_name(compression: Compression) -> str:
    return SCRIPT_BASENAME + compression.suffix


def csv_name(position: int, schema: str, name: str) -> str:
    """`data/{NNNN}_{schema}.{table}.csv`: 1-based load position, names percent-encoded (any name is safe).

    A name too long for the filesystem once encoded (two 63-byte multibyte names can be) is
    shortened to a digest; metadata.json's csv_files always says which file holds which table.
    """
    base = f"{position:04d}_{quote(schema, safe='')}.{quote(name, safe='')}.csv"
    if len(base.encode()) > NAME_MAX:
        digest = hashlib.sha256(f"{schema}.{name}".encode()).hexdigest()[:32]
        base = f"{position:04d}_{digest}.csv"
    return f"{CSV_DIR}/{base}"


def sha256_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()  # through one buffer


def file_records(directory: Path, exclude: set[str], known: dict[str, FileRecord] | None = None) -> list[FileRecord]:
    """Size and sha256 of every file under the directory (sorted), except the named ones;
    `known`: those of files hashed as they were written, not read again."""
    records = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if known and name in known:
            records.append(known[name])
        elif name not in exclude:
            records.append(FileRecord(name, path.stat().st_size, sha256_file(path)))
    return records


def sync_path(path: Path | str) -> None:
    """A file, or a directory's entries, on disk (fsync)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_tree(directory: Path) -> None:
    """Every file and directory under `directory` on disk, as pg_dump syncs its output: a backup
    renamed to its final name, then a crash, still holds everything it lists."""
    for root, _, files in os.walk(directory):
        for name in files:
            sync_path(os.path.join(root, name))
        sync_path(root)


def write_json(path: Path, value) -> None:
    """Pretty JSON, written once: never over an existing file."""
    data = msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def read_metadata(directory: Path) -> Metadata:
    return msgspec.json.decode((directory / METADATA_NAME).read_bytes(), type=Metadata)


def qualified_plain(schema: str, name: str) -> str:
    """The `schema.table` spelling of the seed's files (unquoted, as a label)."""
    return f"{schema}.{name}"
