"""`--from-csv`: load a backup's `data/*.csv` into the target's existing tables, FK-safe.

The CSV export writes `data/{NNNN}_{schema}.{table}.csv` (NNNN: 1-based position in the FK
load order, parents first; names percent-encoded) in `COPY ... (FORMAT csv, HEADER)` format,
and lists them in metadata.json's `csv_files`. Loading them in file-name order, one COPY per
file (each its own transaction, or all in one with --single-transaction), satisfies the
target's foreign keys as they stand; the target's triggers fire as for any insert.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from urllib.parse import unquote

import msgspec
import psycopg
from psycopg import sql

from ..artifacts import METADATA_NAME, ROW_COUNTS_NAME
from ..errors import RestoreError
from ..script import python_encoding, session_settings
from .options import RestoreOptions, RestoreResult, TableResult
from .progress import Progress
from .session import Session, server_message

CSV_DIR = "data"
CHUNK = 1 << 20


class CsvFile(msgspec.Struct, frozen=True):
    file: str  # data/0001_public.organizations.csv
    schema: str
    name: str
    columns: list[str] = []
    rows: int | None = None
    table: str = ""


class _Metadata(msgspec.Struct):
    """The part of metadata.json this loader needs (older backups lack csv_files: then the file names say)."""

    encoding: str = "UTF8"
    csv_files: list[CsvFile] = []


def csv_files(directory: Path) -> tuple[list[CsvFile], str]:
    """The files to load in file-name order, and the encoding they are written in."""
    meta = _Metadata()
    if (directory / METADATA_NAME).exists():
        try:
            meta = msgspec.json.decode((directory / METADATA_NAME).read_bytes(), type=_Metadata)
        except msgspec.DecodeError as exc:
            raise RestoreError(f"{directory / METADATA_NAME}: unreadable ({exc})") from None
    files = list(meta.csv_files) or [_from_name(directory, p) for p in (directory / CSV_DIR).glob("*.csv")]
    if not files:
        raise RestoreError(f"{directory}: no {CSV_DIR}/*.csv to load (was the backup made with the CSV export?)")
    root = (directory / CSV_DIR).resolve()
    for f in files:
        path = (directory / f.file).resolve()
        if path.parent != root:
            raise RestoreError(f"{directory / METADATA_NAME}: csv file {f.file!r} is not in {CSV_DIR}/")
        if not path.is_file():
            raise RestoreError(f"{directory / f.file}: missing (listed in {METADATA_NAME})")
    return sorted(files, key=lambda f: f.file), meta.encoding


def _from_name(directory: Path, path: Path) -> CsvFile:
    """`0001_schema.table.csv` -> schema, table (percent-decoded); columns from the header line."""
    stem = path.name[:-len(".csv")]
    position, _, qualified = stem.partition("_")
    schema, dot, name = qualified.partition(".")
    if not (position.isdigit() and dot and schema and name):
        raise RestoreError(f"{path}: not named {{NNNN}}_{{schema}}.{{table}}.csv, and metadata.json does not list it")
    return CsvFile(f"{CSV_DIR}/{path.name}", unquote(schema), unquote(name))


def _header(path: Path, encoding: str) -> list[str]:
    with open(path, newline="", encoding=python_encoding(encoding)) as f:
        return next(csv.reader(f), [])


def run_csv_restore(directory: Path, options: RestoreOptions, log) -> RestoreResult:
    started = time.monotonic()
    files, encoding = csv_files(directory)
    files = [f if f.columns else msgspec.structs.replace(f, columns=_header(directory / f.file, encoding))
             for f in files]
    session = Session(options.conninfo, session_settings(encoding), options.role,
                      autocommit=not options.single_transaction)
    try:
        _check_tables(session.conn, files)
        progress = Progress(sum((directory / f.file).stat().st_size for f in files), len(files))
        log(f"loading {len(files)} CSV files in FK order")
        loaded: dict[str, tuple[int, float]] = {}
        try:
            for f in files:
                loaded[f.file] = _load(session, directory / f.file, f, progress)
        finally:
            progress.close()
        if options.single_transaction:
            session.conn.commit()
        counts = _counts(session.conn, files)
        if options.single_transaction:
            session.conn.commit()
    finally:
        session.close()
    expected = _expected(directory)
    tables = [TableResult(f"{f.schema}.{f.name}", f.rows if f.rows is not None else expected.get(f"{f.schema}.{f.name}"),
                          counts.get(f"{f.schema}.{f.name}"), loaded[f.file][1]) for f in files]
    rows = {f"{f.schema}.{f.name}": loaded[f.file][0] for f in files}
    return RestoreResult(len(files), rows, tables, [], time.monotonic() - started)


def _check_tables(conn: psycopg.Connection, files: list[CsvFile]) -> None:
    """Every table exists in the target with every column the file holds, before anything loads."""
    rows = conn.execute(
        """SELECT n.nspname, c.relname, a.attname
           FROM unnest(%s::text[], %s::text[]) AS w(nspname, relname)
           JOIN pg_catalog.pg_namespace n ON n.nspname = w.nspname
           JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.relname AND c.relkind IN ('r', 'p')
           LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped""",
        ([f.schema for f in files], [f.name for f in files])).fetchall()
    columns: dict[tuple[str, str], set[str]] = {}
    for schema, name, column in rows:
        columns.setdefault((schema, name), set()).add(column)
    for f in files:
        if (f.schema, f.name) not in columns:
            raise RestoreError(f"--from-csv: table {f.schema}.{f.name} ({f.file}) does not exist in the target; "
                               f"create the schema first (e.g. restore with pre-data and post-data only)")
        missing = [c for c in f.columns if c not in columns[(f.schema, f.name)]]
        if missing:
            raise RestoreError(f"--from-csv: {f.schema}.{f.name} in the target lacks column(s) {', '.join(missing)}")


def _load(session: Session, path: Path, f: CsvFile, progress: Progress) -> tuple[int, float]:
    started = time.monotonic()
    conn = session.conn
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER)").format(
        sql.Identifier(f.schema, f.name), sql.SQL(", ").join(sql.Identifier(c) for c in f.columns))
    cursor = conn.cursor()
    try:
        with conn.transaction(), cursor.copy(statement) as copy, open(path, "rb") as src:
            while chunk := src.read(CHUNK):
                copy.write(chunk)
                progress.add(len(chunk), 0)
    except psycopg.Error as exc:
        raise RestoreError(f"loading {f.file} into {f.schema}.{f.name} failed: {server_message(exc)}") from None
    seconds = time.monotonic() - started
    progress.table_done(f"{f.schema}.{f.name}", path.stat().st_size, cursor.rowcount, seconds)
    return cursor.rowcount, seconds


def _counts(conn: psycopg.Connection, files: list[CsvFile]) -> dict[str, int]:
    from .run import count_rows  # noqa: PLC0415

    return count_rows(conn, [(f.schema, f.name) for f in files])


def _expected(directory: Path) -> dict[str, int]:
    path = directory / ROW_COUNTS_NAME
    if not path.exists():
        return {}
    return msgspec.json.decode(path.read_bytes(), type=dict[str, int])
