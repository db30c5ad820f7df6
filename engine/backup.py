"""One backup, end to end: snapshot -> catalog -> plan -> parallel COPY -> script -> manifest -> rename.

Everything is written under a hidden temporary directory next to the final one; only a
complete backup, whose every file is checksummed in metadata.json, is renamed into place.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import msgspec
import psycopg

from . import __version__
from .artifacts import (
    METADATA_NAME, ROW_COUNTS_NAME, Exclusion, Inclusion, Metadata, file_records, qualified_plain,
    script_name, write_json,
)
from .catalog import read_catalog
from .catalog.largeobjects import read_chunks
from .config import BackupOptions
from .ddl.largeobjects import put_chunk
from .errors import BackupError
from .plan import Entry, Plan, build_plan, drop_entries
from .script import TOC_NAME, Part, ScriptWriter, Toc, write_toc
from .selection import Chosen, choose, keep_entries
from .snapshot import Lead
from .stream import CopyTask, RunStats, part_path, run_tasks, split_ranges


class BackupResult(msgspec.Struct):
    directory: Path
    metadata: Metadata
    row_counts: dict[str, int]
    seconds: float
    worker_peak_rss_kb: int = 0


def timestamp_now() -> str:
    return datetime.now().strftime("%Y%m%d_%H%M%S")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")


def run_backup(options: BackupOptions, log=None) -> BackupResult:
    log = log or (lambda message: print(message, file=sys.stderr))
    started = time.time()
    output = Path(options.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    stamp = timestamp_now()
    final = output / stamp
    if final.exists():
        raise BackupError(f"{final} already exists; not overwriting it (wait a second and retry)")
    work = Path(tempfile.mkdtemp(prefix=f".{stamp}.", suffix=".partial", dir=output))
    os.chmod(work, 0o700)
    lead = Lead(options.conninfo)
    try:
        result = _backup_into(work, stamp, options, lead, started, log)
        lead.close()
        if final.exists():
            raise BackupError(f"{final} appeared while backing up; not overwriting it")
        os.rename(work, final)
        result.directory = final
        return result
    except psycopg.Error as exc:  # the lead's connection: lost, or a query the server refused
        lead.close()
        shutil.rmtree(work, ignore_errors=True)
        message = (exc.diag.message_primary if exc.diag else None) or " ".join(str(exc).split())
        raise BackupError(f"backup failed: {message}") from None
    except BaseException:
        lead.close()
        shutil.rmtree(work, ignore_errors=True)
        raise


def _backup_into(work: Path, stamp: str, options: BackupOptions, lead: Lead, started: float, log) -> BackupResult:
    # Hundreds of thousands of small records, none cyclic: the collector's passes over them
    # would cost more than the work itself.
    gc.disable()
    try:
        catalog = read_catalog(lead.conn)
        plan = build_plan(catalog, include_data=not options.schema_only)
    finally:
        gc.enable()
    gc.freeze()
    chosen = choose(plan, catalog.tables, [s.name for s in catalog.schemas], options.selection, catalog.sequences)
    everything = not options.selection.tables and not options.selection.schemas
    entries = keep_entries(plan.entries, chosen, options.sections, options.no_owner, options.no_privileges,
                           everything)
    if options.clean:
        entries = drop_entries(entries, options.if_exists) + entries
    data_tables = [t for t in plan.data_tables
                   if t.oid not in chosen.excluded_tables and t.oid not in chosen.excluded_data
                   and "data" in options.sections]
    locked = [(t.schema, t.name) for t in catalog.tables
              if t.oid not in chosen.excluded_tables and t.relkind in ("r", "p")]
    locked += [(c.schema, c.name) for c in catalog.kinds.config_relations if c.relkind == "r"]
    lead.lock_tables(locked, options.lock_wait_timeout)
    log(f"backing up {catalog.database}: {len(entries)} entries, {len(data_tables)} tables with data")

    parts_dir = work / ".parts"
    parts_dir.mkdir()
    sizes = lead.relation_sizes([t.oid for t in data_tables])
    tasks = copy_tasks(data_tables, sizes, options, parts_dir, lead.server_version)
    stats = RunStats()
    results = run_tasks(tasks, options.conninfo, lead.snapshot, catalog.encoding, options.compression, options.jobs,
                        stats=stats)
    parts: dict[int, list[Part]] = {}
    for result in sorted(results, key=lambda r: (r.table_oid, r.part)):
        parts.setdefault(result.table_oid, []).append(result.result)

    name = script_name(options.compression)
    writer = ScriptWriter(work / name, options.compression, catalog.encoding)
    writer.begin(f"PostgreSQL database backup of {catalog.database} by pgbackup {__version__}")
    row_counts: dict[str, int] = {}
    for entry in entries:
        if entry.kind == "TABLE DATA":
            if entry.table_oid not in parts:
                continue
            table_parts = parts[entry.table_oid]
            writer.data(entry, table_parts)
            for part in table_parts:  # disk use stays near one copy of the compressed data
                os.remove(part.path)
            row_counts[qualified_plain(entry.schema, entry.name)] = sum(p.rows for p in table_parts)
        elif entry.kind == "LARGE OBJECT DATA":
            _write_large_object(writer, entry, lead)
        else:
            writer.sql(entry, entry.sql)
    items = writer.end()
    shutil.rmtree(parts_dir)
    write_toc(work / TOC_NAME, Toc(1, options.compression, name, catalog.encoding, items))
    write_json(work / ROW_COUNTS_NAME, row_counts)

    finished = time.time()
    metadata = _metadata(stamp, options, catalog, plan, chosen, data_tables, started, finished, name,
                         lead.conn.info.parameter_status("server_version") or "")
    metadata.files = file_records(work, exclude={METADATA_NAME})
    write_json(work / METADATA_NAME, metadata)
    gc.unfreeze()
    return BackupResult(work, metadata, row_counts, finished - started, stats.worker_peak_rss_kb)


def _write_large_object(writer: ScriptWriter, entry: Entry, lead: Lead) -> None:
    """One statement (and TOC item) per chunk, read under the snapshot: memory stays bounded."""
    oid = int(entry.name)
    for offset, chunk in read_chunks(lead.conn, oid):
        writer.sql(entry, put_chunk(oid, offset, chunk))


MAX_PARTS = 1024


def copy_tasks(tables, sizes: dict[int, tuple[int, int]], options: BackupOptions, parts_dir: Path,
               server_version: int) -> list[CopyTask]:
    """The COPY work, largest first: a table above the split threshold becomes block ranges.

    Ranges need TID range scans (PostgreSQL 14+); before that each range would scan the whole
    table, so older servers copy every table whole. At least `jobs` ranges, so one huge table
    keeps every worker busy; at most one per threshold's worth of bytes otherwise.
    """
    tasks: list[CopyTask] = []
    for table in sorted(tables, key=lambda t: t.fk_rank):
        size, pages = sizes.get(table.oid, (table.size_bytes, table.pages))
        pieces = 1
        if server_version >= 140000 and options.jobs > 1 and size > options.split_threshold and not table.condition:
            pieces = min(MAX_PARTS, max(options.jobs, -(-size // max(1, options.split_threshold))))
        ranges = split_ranges(pages, pieces)
        for index, (first, last) in enumerate(ranges):
            tasks.append(CopyTask(table.oid, table.schema, table.name, table.columns, index, first, last,
                                  part_path(parts_dir, len(tasks), ".part"), condition=table.condition,
                                  estimated_bytes=size // len(ranges)))
    # Stable sort: equal sizes keep FK order, and a table's parts stay in block order.
    return sorted(tasks, key=lambda t: -t.estimated_bytes)


def _metadata(stamp, options, catalog, plan: Plan, chosen: Chosen, data_tables, started, finished, name,
              server_version) -> Metadata:
    names = {t.oid: qualified_plain(t.schema, t.name) for t in [*catalog.tables, *catalog.sequences]}
    excluded = [Exclusion(names[oid], "schema and data", why) for oid, why in chosen.excluded_tables.items()]
    excluded += [Exclusion(names[oid], "data", why) for oid, why in chosen.excluded_data.items()]
    return Metadata(
        version="2.0",
        timestamp=stamp,
        backup=Inclusion(),
        critical_tables=[],
        transient_tables=[],
        org_schemas=[],
        engine_version=__version__,
        server_version=server_version,
        server_version_num=catalog.server_version,
        database=catalog.database,
        encoding=catalog.encoding,
        started_at=_iso(started),
        finished_at=_iso(finished),
        compression=options.compression,
        jobs=options.jobs,
        snapshot_consistent=True,
        script=name,
        toc=TOC_NAME,
        table_order=[qualified_plain(t.schema, t.name) for t in data_tables],
        fk_cycles=plan.fk_cycles,
        excluded=sorted(excluded, key=lambda e: e.table),
        warnings=chosen.warnings,
        files=[],
    )
