"""One backup, end to end: snapshot -> catalog -> plan -> parallel COPY -> script -> manifest -> rename.

Everything is written under a hidden temporary directory next to the final one; only a
complete backup, whose every file is checksummed in metadata.json, is renamed into place.
"""

from __future__ import annotations

import contextlib
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
from . import categories
from .artifacts import (
    CSV_DIR, METADATA_NAME, ROW_COUNTS_NAME, CategoryRecord, CsvFile, Exclusion, FileRecord, Inclusion, Metadata,
    csv_name, file_records, qualified_plain, script_name, sync_path, sync_tree, write_json,
)
from .catalog import Catalog, read_catalog
from .catalog.model import Relation, Schema, Sequence
from .catalog.largeobjects import read_chunks
from .categories import Categorized, excluded_categories
from .config import BackupOptions
from .ddl.largeobjects import put_chunk
from .errors import BackupError, UsageError
from .plan import DataTable, Entry, Plan, build_plan, drop_entries
from .profile import Profile, load as load_profile
from .restore_scripts import write_restore_scripts
from .script import TOC_FORMAT, TOC_NAME, Part, ScriptWriter, Toc, WrittenToc, write_toc
from .selection import Matcher, choose, keep_entries
from .snapshot import Lead
from .stream import CopyTask, RunStats, part_path, run_tasks, split_ranges
from .verify import verify_backup


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


def run_backup(options: BackupOptions, log=None, keep: list | None = None) -> BackupResult:
    """The backup `options` describe, in a new directory under options.output_dir.

    `keep`: a list the backup's records (catalog, plan, TOC) are added to instead of being freed
    on return, for a process about to exit, which hands its memory back to the system at once
    (as compilers do: clang's -disable-free). Freeing 10^5 records one by one took 0.06 s.
    """
    log = log or (lambda message: print(message, file=sys.stderr))
    started = time.time()
    profile = load_profile(options.categories.profile)
    output = Path(options.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    stamp = timestamp_now()
    final = output / stamp
    if final.exists():
        raise BackupError(f"{final} already exists; not overwriting it (wait a second and retry)")
    work = Path(tempfile.mkdtemp(prefix=f".{stamp}.", suffix=".partial", dir=output))
    os.chmod(work, 0o700)
    umask = os.umask(0o077)  # every file of the backup (workers' too) readable by its owner only
    lead = None
    try:
        lead = Lead(options.conninfo)
        result, toc = _backup_into(work, stamp, options, lead, started, log, profile, keep)
        if keep is not None:
            keep.append(toc)
        lead.close()
        if options.verify:
            report = verify_backup(work, toc)
            if not report.ok:
                raise BackupError(f"the backup failed its own verification, so it was not kept: {report.defects[0]}")
        if final.exists():
            raise BackupError(f"{final} appeared while backing up; not overwriting it")
        sync_tree(work)
        os.rename(work, final)
        sync_path(output)  # the rename itself
        result.directory = final
        return result
    except psycopg.Error as exc:  # the lead's connection: lost, or a query the server refused
        if lead is not None:
            lead.close()
        shutil.rmtree(work, ignore_errors=True)
        message = (exc.diag.message_primary if exc.diag else None) or " ".join(str(exc).split())
        raise BackupError(f"backup failed: {message}") from None
    except BaseException:
        if lead is not None:
            lead.close()
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        os.umask(umask)
        gc.unfreeze()  # prepare() froze the catalog and the plan: collectable again, however it ended


class Prepared(msgspec.Struct):
    """Everything decided before any row is read: the plan cut down by selection and categories."""

    catalog: Catalog
    plan: Plan
    profile: Profile
    categorized: Categorized
    entries: list[Entry]
    data_tables: list[DataTable]  # whose rows are backed up, FK order
    csv_tables: list[DataTable]  # exported as CSV too, FK order


def prepare(options: BackupOptions, lead: Lead, profile: Profile, lock: bool = True) -> Prepared:
    """The catalog, read under the lead's snapshot with the chosen tables locked first (`lock`),
    and the plan cut down to what the options keep."""
    cats = options.categories
    excluded = excluded_categories(profile, list(cats.exclude), cats.prod)
    chosen_from: list[Categorized] = []

    def choose_tables(tables: list[Relation], schemas: list[Schema], sequences: list[Sequence]) -> set[int]:
        # What is in and out depends on names only: decided before the tables' parts are read,
        # and the parts of those left out are neither locked nor read at all.
        categorized = _choose(options, profile, excluded, tables, [s.name for s in schemas], sequences)
        chosen_from.append(categorized)
        return set(categorized.chosen.excluded_tables)

    def lock_tables(tables: list[Relation]) -> None:  # those kept, a range at a time
        lead.lock_tables([(t.schema, t.name) for t in tables if t.relkind in ("r", "p")], options.lock_wait_timeout)

    # Hundreds of thousands of small records, none cyclic: the collector's passes over them
    # would cost more than the work itself.
    gc.disable()
    try:
        # As many catalog readers as data workers follow: the peak of connections is the same.
        catalog = read_catalog(lead.conn, options.jobs, lead.open_reader, choose_tables, lock_tables if lock else None)
        plan = build_plan(catalog, include_data=not options.schema_only)
    finally:
        gc.enable()
    gc.freeze()
    [categorized] = chosen_from
    chosen = categorized.chosen
    everything = not options.selection.tables and not options.selection.schemas
    entries = keep_entries(plan.entries, chosen, options.sections, options.no_privileges,
                           everything)
    if chosen.excluded_tables or chosen.excluded_data:  # otherwise no foreign key can dangle
        categorized.dangling = categories.dangling_foreign_keys(catalog.tables, catalog.constraints, chosen,
                                                                {e.key for e in entries})
    if cats.strict and categorized.dangling:
        more = f" (and {len(categorized.dangling) - 1} more; see --dry-run)" if len(categorized.dangling) > 1 else ""
        raise UsageError(f"--strict: {categorized.dangling[0]}{more}")
    if options.clean:
        entries = drop_entries(entries, options.if_exists) + entries
    # Rows are copied exactly for the TABLE DATA entries the script keeps (an extension's
    # configuration tables go with their extension), so the TOC, row_counts.json and the table
    # order always name the same tables.
    written = {e.table_oid for e in entries if e.kind == "TABLE DATA"}
    data_tables = [t for t in plan.data_tables if t.oid in written]
    wanted = Matcher(tuple(profile.csv.tables))
    csv_tables = [t for t in data_tables if wanted.match_table(t.schema, t.name)]
    return Prepared(catalog, plan, profile, categorized, entries, data_tables, csv_tables)


def _choose(options: BackupOptions, profile: Profile, excluded: dict[str, str], tables: list[Relation],
            schemas: list[str], sequences: list[Sequence]) -> Categorized:
    """What -n/-t/-T/... and the excluded categories leave in and out."""
    chosen = choose(tables, schemas, options.selection, sequences)
    return categories.apply(profile, tables, schemas, chosen, excluded)


def _backup_into(work: Path, stamp: str, options: BackupOptions, lead: Lead, started: float, log,
                 profile: Profile, keep: list | None) -> tuple[BackupResult, WrittenToc]:
    prep = prepare(options, lead, profile)
    if keep is not None:
        keep.append(prep)
    catalog = prep.catalog
    # The chosen tables were locked before their details were read; extensions' configuration
    # tables (whose rows only are backed up) are known only now.
    lead.lock_tables([(c.schema, c.name) for c in catalog.kinds.config_relations if c.relkind == "r"],
                     options.lock_wait_timeout)
    log(f"backing up {catalog.database}: {len(prep.entries)} entries, {len(prep.data_tables)} tables with data, "
        f"{len(prep.csv_tables)} exported as CSV")
    for line in prep.categorized.dangling:
        log(f"warning: {line}")
    unmatched = len(prep.categorized.warnings)
    if unmatched:
        log(f"note: {unmatched} profile pattern(s) matched nothing in {catalog.database} (see --dry-run)")

    parts_dir = work / ".parts"
    parts_dir.mkdir()
    sizes = lead.relation_sizes([t.oid for t in prep.data_tables])
    tasks = copy_tasks(prep.data_tables, sizes, options, parts_dir, lead.server_version)
    csv_names = {t.oid: csv_name(i, t.schema, t.name) for i, t in enumerate(prep.csv_tables, 1)}
    if csv_names:
        (work / CSV_DIR).mkdir()
    for t in prep.csv_tables:  # one whole-table COPY each, by the same workers, under the same snapshot
        tasks.append(CopyTask(t.oid, t.schema, t.name, t.columns, 0, None, None, str(work / csv_names[t.oid]),
                              format="csv", estimated_bytes=sizes.get(t.oid, (t.size_bytes, 0))[0]))
    tasks.sort(key=lambda t: -t.estimated_bytes)  # stable: largest first, a table's parts in block order
    stats = RunStats()
    results = run_tasks(tasks, options.conninfo, lead.snapshot, catalog.encoding, options.compression, options.jobs,
                        stats=stats)
    parts: dict[int, list[Part]] = {}
    csv_parts: dict[int, Part] = {}
    for result in sorted(results, key=lambda r: (r.table_oid, r.part)):
        if result.format == "csv":
            csv_parts[result.table_oid] = result.result
        else:
            parts.setdefault(result.table_oid, []).append(result.result)

    name = script_name(options.compression)
    writer = ScriptWriter(work / name, options.compression, catalog.encoding, tablespaces=not options.no_tablespaces,
                          owners=not options.no_owner)
    writer.begin(f"PostgreSQL database backup of {catalog.database} by pgbackup {__version__}")
    row_counts: dict[str, int] = {}
    # A TOC item per entry, and a list in each, none cyclic: as in prepare(), the collector is
    # off while they are made, then they are frozen with the plan (a collection scanning them
    # after the loop cost what turning it off saved).
    gc.disable()
    try:
        for entry in prep.entries:
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
    except BaseException:
        with contextlib.suppress(Exception):  # the error that stopped the script is the one to report
            writer.close()
        raise
    finally:
        gc.freeze()
        gc.enable()
    try:
        shutil.rmtree(parts_dir)
        toc = write_toc(work / TOC_NAME, Toc(TOC_FORMAT, options.compression, name, catalog.encoding, items))
    finally:
        writer.close()  # its last units compressed meanwhile: all in the file, and in its hash, before the manifest
    write_json(work / ROW_COUNTS_NAME, row_counts)
    csv_files = [CsvFile(csv_names[t.oid], qualified_plain(t.schema, t.name), t.schema, t.name, list(t.columns),
                         csv_parts[t.oid].rows) for t in prep.csv_tables]
    for csv in csv_files:
        if csv.rows != row_counts.get(csv.table):
            raise BackupError(f"{csv.file}: {csv.rows} rows, but the script holds {row_counts.get(csv.table)} "
                              f"for {csv.table} (same snapshot: this is a bug)")

    finished = time.time()
    metadata = _metadata(stamp, options, prep, started, finished, name,
                         lead.conn.info.parameter_status("server_version") or "")
    metadata.csv_files = csv_files
    metadata.critical_tables = [c.table for c in csv_files]
    labels = {qualified_plain(t.schema, t.name): (t.schema, t.name) for t in prep.data_tables}
    # The files written in bulk were hashed as they were written: only the small ones are read.
    written = {TOC_NAME: FileRecord(TOC_NAME, toc.size, toc.sha256),
               name: writer.out.record(name),
               **{csv_names[oid]: FileRecord(csv_names[oid], part.unit_bytes, part.sha256)
                  for oid, part in csv_parts.items()}}
    write_restore_scripts(work, metadata, row_counts, labels, written)
    metadata.files = file_records(work, exclude={METADATA_NAME}, known=written)
    write_json(work / METADATA_NAME, metadata)
    return BackupResult(work, metadata, row_counts, finished - started, stats.worker_peak_rss_kb), toc


def _write_large_object(writer: ScriptWriter, entry: Entry, lead: Lead) -> None:
    """One statement (and TOC item) per chunk, read under the snapshot: memory stays bounded."""
    oid = int(entry.name)
    for offset, chunk in read_chunks(lead.conn, oid):
        writer.sql(entry, put_chunk(oid, offset, chunk))


def dry_run(options: BackupOptions) -> Prepared:
    """The plan of a backup, from the live catalog, without writing anything."""
    profile = load_profile(options.categories.profile)
    lead = Lead(options.conninfo)
    try:
        return prepare(options, lead, profile, lock=False)
    finally:
        gc.unfreeze()
        lead.close()


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


def _metadata(stamp, options: BackupOptions, prep: Prepared, started, finished, name, server_version) -> Metadata:
    catalog, chosen, cats = prep.catalog, prep.categorized.chosen, prep.categorized
    names = {t.oid: qualified_plain(t.schema, t.name) for t in [*catalog.tables, *catalog.sequences]}
    excluded = [Exclusion(names[oid], "schema and data", why) for oid, why in chosen.excluded_tables.items()]
    excluded += [Exclusion(names[oid], "data", why) for oid, why in chosen.excluded_data.items()]
    members: dict[str, list[str]] = {c.name: [] for c in prep.profile.category}
    for table in catalog.tables:
        members[cats.category_of[table.oid]].append(names[table.oid])
    records = [CategoryRecord(c.name, c.title or c.name, c.exclusion, c.name not in cats.excluded,
                              cats.excluded.get(c.name), sorted(members[c.name])) for c in prep.profile.category]
    org = prep.profile.get("org_data")
    org_match = Matcher(tuple(org.schemas) if org else ())
    inclusion = Inclusion(
        include_auth="auth" not in cats.excluded, include_storage="storage" not in cats.excluded,
        include_transient="transient" not in cats.excluded, include_org_data="org_data" not in cats.excluded,
        prod_mode=options.categories.prod,
    )
    return Metadata(
        version="2.0",
        timestamp=stamp,
        backup=inclusion,
        critical_tables=[],
        transient_tables=sorted(members.get("transient", [])),
        org_schemas=sorted(s.name for s in catalog.schemas if org_match.match_schema(s.name)),
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
        table_order=[qualified_plain(t.schema, t.name) for t in prep.data_tables],
        fk_cycles=prep.plan.fk_cycles,
        excluded=sorted(excluded, key=lambda e: e.table),
        warnings=chosen.warnings,
        files=[],
        categories=records,
        profile=prep.profile.path,
        profile_warnings=cats.warnings,
        dangling_foreign_keys=cats.dangling,
    )
