"""Checks of a restored database against what the backup recorded."""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

import msgspec
import zstandard
from psycopg import sql

from . import codecs
from .artifacts import CSV_DIR, METADATA_NAME, ROW_COUNTS_NAME, Metadata, read_metadata, sha256_file
from .config import connect
from .script import Toc, WrittenToc, python_encoding, read_toc, read_unit_range


def count_rows(conninfo: str, tables: list[str]) -> dict[str, int]:
    """Exact row counts of `schema.table` names (as row_counts.json spells them), one query."""
    if not tables:
        return {}
    parts = []
    for name in tables:
        schema, _, table = name.partition(".")
        parts.append(sql.SQL("SELECT {}::text, count(*) FROM ONLY {}").format(
            sql.Literal(name), sql.Identifier(schema, table)))
    with connect(conninfo, autocommit=True) as conn:
        return dict(conn.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall())


def compare_row_counts(conninfo: str, expected: dict[str, int]) -> list[str]:
    """One line per table whose row count differs from the backup's."""
    actual = count_rows(conninfo, list(expected))
    return [f"{name}: backup {rows}, restored {actual.get(name)}"
            for name, rows in sorted(expected.items()) if actual.get(name) != rows]


# ---- checking a backup directory (pgbackup verify, pgbackup list, the end of every backup) ----


class Finding(msgspec.Struct, frozen=True):
    ok: bool
    what: str


class BackupReport(msgspec.Struct):
    directory: str
    findings: list[Finding]
    metadata: Metadata | None = None

    @property
    def defects(self) -> list[str]:
        return [f.what for f in self.findings if not f.ok]

    @property
    def ok(self) -> bool:
        return not self.defects


def verify_backup(directory: Path, written: WrittenToc | None = None) -> BackupReport:
    """Everything a backup claims, checked: each finding says what held or what did not.

    `written`: the TOC the backup being verified has just written (see `read_toc`)."""
    report = BackupReport(str(directory), [])
    say = lambda ok, what: report.findings.append(Finding(ok, what))  # noqa: E731
    try:
        metadata = read_metadata(directory)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        say(False, f"{METADATA_NAME}: unreadable ({_why(exc)}); this is not a complete backup")
        return report
    report.metadata = metadata
    say(True, f"{METADATA_NAME}: version {metadata.version}, backup {metadata.timestamp} of {metadata.database}")
    _check_files(directory, metadata, say)
    row_counts = _load(directory / ROW_COUNTS_NAME,
                       lambda p: msgspec.json.decode(p.read_bytes(), type=dict[str, int]), say)
    toc = _load(directory / metadata.toc, lambda p: read_toc(p, written), say)
    if toc is not None:
        _check_script(directory, metadata, toc, row_counts, say)
    if row_counts is not None:
        _check_row_counts(metadata, row_counts, say)
        _check_csv(directory, metadata, row_counts, say)
    return report


def _why(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())


def _load(path: Path, read, say):
    """`read(path)`, or None (and said) if the file is unreadable."""
    try:
        return read(path)
    except (OSError, ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        say(False, f"{path.name}: unreadable ({_why(exc)})")
        return None


def _check_files(directory: Path, metadata: Metadata, say) -> None:
    recorded = {r.name: r for r in metadata.files}
    present = {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}
    bad = 0
    for name, record in sorted(recorded.items()):
        path = directory / name
        if name not in present:
            say(False, f"{name}: missing")
        elif path.stat().st_size != record.size:
            say(False, f"{name}: {path.stat().st_size} bytes, recorded {record.size} (truncated or changed)")
        elif sha256_file(path) != record.sha256:
            say(False, f"{name}: sha256 differs from the one recorded (corrupt or changed)")
        else:
            continue
        bad += 1
    for name in sorted(present - set(recorded) - {METADATA_NAME}):
        say(False, f"{name}: not part of the backup (not in {METADATA_NAME})")
        bad += 1
    if not bad:
        say(True, f"checksums: {len(recorded)} files with the recorded size and sha256")


def _check_script(directory: Path, metadata: Metadata, toc: Toc, row_counts, say) -> None:
    """Decompress the script to its end along the TOC: every entry where it says, rows counted."""
    name = toc.script
    if name != metadata.script:
        say(False, f"{metadata.toc}: names script {name}, {METADATA_NAME} says {metadata.script}")
    path = directory / name
    if not path.is_file():
        say(False, f"{name}: missing")
        return
    size = path.stat().st_size
    expected = 0  # where the next TOC entry must start, in the uncompressed script
    consumed = 0  # uncompressed bytes read so far
    file_pos = 0  # compressed bytes read so far
    counted: dict[str, int] = {}
    try:
        for item in toc.items:
            if item.offset != expected:
                raise _Defect(f"{metadata.toc}: entry {item.id} ({item.kind} {item.name}) starts at {item.offset}, "
                              f"the previous one ends at {expected}")
            expected = item.offset + item.length
            if item.kind != "TABLE DATA":
                continue
            label = f"{item.schema}.{item.name}"
            if item.unit_offset is None or item.unit_length is None or not file_pos <= item.unit_offset <= size:
                raise _Defect(f"{metadata.toc}: the data of {label} has no valid place in {name}")
            consumed += _consume(path, toc, file_pos, item.unit_offset)
            if consumed != item.offset:
                raise _Defect(f"{name}: the data of {label} starts at {consumed} once decompressed, "
                              f"the TOC says {item.offset} (truncated or corrupt)")
            produced, lines = _consume(path, toc, item.unit_offset, item.unit_offset + item.unit_length,
                                       count=(item.data_offset - item.offset, item.data_length))
            consumed += produced
            file_pos = item.unit_offset + item.unit_length
            if produced != item.length:
                raise _Defect(f"{name}: the data of {label} decompresses to {produced} bytes, "
                              f"the TOC says {item.length} (truncated or corrupt)")
            counted[label] = lines
            if lines != item.rows:
                raise _Defect(f"{name}: {label} holds {lines} rows, the TOC says {item.rows}")
        consumed += _consume(path, toc, file_pos, size)
        if consumed != expected:
            raise _Defect(f"{name}: decompresses to {consumed} bytes, the TOC says {expected} (truncated or corrupt)")
    except _Defect as exc:
        say(False, str(exc))
        return
    except DECOMPRESSION_ERRORS as exc:
        say(False, f"{name}: cannot be decompressed to the end ({_why(exc)}): truncated or corrupt")
        return
    if row_counts is not None and counted != row_counts:
        differ = sorted(set(counted) ^ set(row_counts) | {k for k in counted if counted[k] != row_counts.get(k)})
        say(False, f"{name}: rows of {len(differ)} table(s) differ from {ROW_COUNTS_NAME} (first: {differ[0]})")
        return
    say(True, f"{name}: decompressed to the end ({_end(toc)} bytes), {len(toc.items)} TOC entries in place, "
              f"{sum(counted.values())} rows in {len(counted)} tables as recorded")


# What a damaged file raises while decompressing: zlib's error (zlib-ng's too, when codecs uses it).
DECOMPRESSION_ERRORS = (OSError, EOFError, zlib.error, codecs.zlib.error, zstandard.ZstdError)


class _Defect(Exception):
    pass


def _end(toc: Toc) -> int:
    return toc.items[-1].offset + toc.items[-1].length if toc.items else 0


def _consume(path: Path, toc: Toc, start: int, end: int, count: tuple[int, int] | None = None):
    """Decompress [start, end) of the file; its length, and with `count` the lines in (offset, length) of it."""
    produced = 0
    lines = 0
    for chunk in read_unit_range(path, toc.compression, start, end - start):
        if count is not None:
            lo, hi = max(count[0] - produced, 0), min(count[0] + count[1] - produced, len(chunk))
            if lo < hi:
                lines += chunk.count(b"\n", lo, hi)
        produced += len(chunk)
    return (produced, lines) if count is not None else produced


def _check_row_counts(metadata: Metadata, row_counts: dict[str, int], say) -> None:
    problems = []
    if set(metadata.table_order) != set(row_counts):
        problems.append(f"{ROW_COUNTS_NAME} and the table order of {METADATA_NAME} name different tables")
    excluded_rows = {e.table for e in metadata.excluded}
    if excluded_rows & set(row_counts):
        problems.append(f"rows of excluded table {sorted(excluded_rows & set(row_counts))[0]} are in the backup")
    flags = {"auth": metadata.backup.include_auth, "storage": metadata.backup.include_storage,
             "transient": metadata.backup.include_transient, "org_data": metadata.backup.include_org_data}
    for category in metadata.categories:
        if category.name in flags and flags[category.name] != category.included:
            problems.append(f"backup.include_{category.name} disagrees with category {category.name}")
        if not category.included and set(category.tables) & set(row_counts):
            problems.append(f"category {category.name} is excluded but rows of "
                            f"{sorted(set(category.tables) & set(row_counts))[0]} are in the backup")
    if metadata.critical_tables != [c.table for c in metadata.csv_files]:
        problems.append("critical_tables and csv_files disagree")
    for problem in problems:
        say(False, f"{METADATA_NAME}: {problem}")
    if not problems:
        say(True, f"{METADATA_NAME}: flags, categories, exclusions and table order agree with {ROW_COUNTS_NAME}")


def _check_csv(directory: Path, metadata: Metadata, row_counts: dict[str, int], say) -> None:
    encoding = python_encoding(metadata.encoding)
    bad = 0
    listed = {c.file for c in metadata.csv_files}
    for csv_file in metadata.csv_files:
        path = directory / csv_file.file
        if not path.is_file():
            continue  # reported as missing by the checksums
        try:
            header, rows = _csv_header_and_rows(path, encoding)
        except (OSError, UnicodeDecodeError, csv.Error, ValueError) as exc:
            say(False, f"{csv_file.file}: unreadable as CSV ({_why(exc)})")
            bad += 1
            continue
        expected = row_counts.get(csv_file.table)
        if header != csv_file.columns:
            say(False, f"{csv_file.file}: header {header} is not the recorded columns {csv_file.columns}")
        elif not rows == csv_file.rows == expected:
            say(False, f"{csv_file.file}: {rows} rows, recorded {csv_file.rows}, {ROW_COUNTS_NAME} says {expected}")
        else:
            continue
        bad += 1
    for path in sorted((directory / CSV_DIR).glob("*")) if (directory / CSV_DIR).is_dir() else ():
        if f"{CSV_DIR}/{path.name}" not in listed:
            say(False, f"{CSV_DIR}/{path.name}: not in csv_files of {METADATA_NAME}")
            bad += 1
    missing = [c.file for c in metadata.csv_files if not (directory / c.file).is_file()]
    if missing:
        say(False, f"{len(missing)} CSV file(s) missing, first {missing[0]}")
    elif not bad:
        say(True, f"{CSV_DIR}/: {len(metadata.csv_files)} CSV files, headers and row counts as recorded")


def _csv_header_and_rows(path: Path, encoding: str) -> tuple[list[str], int]:
    """The header record, and the records after it (newlines outside double quotes, as COPY CSV writes)."""
    with open(path, encoding=encoding, newline="") as f:
        header = next(csv.reader(f), None)
    if header is None:
        raise ValueError("empty file, not even a header")
    newlines, inside, ends_clean = 0, False, True
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for i, segment in enumerate(chunk.split(b'"')):
                if i:
                    inside = not inside
                if not inside:
                    newlines += segment.count(b"\n")
            ends_clean = chunk.endswith(b"\n")
    if inside or not ends_clean:
        raise ValueError("ends inside a record: truncated")
    return header, newlines - 1
