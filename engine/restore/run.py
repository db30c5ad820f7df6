"""One restore, end to end: checks -> clean -> pre-data -> data in parallel -> post-data in parallel -> verify.

Default (resumable) mode: every entry is its own transaction, each table's COPY included, so a
failure leaves the target at its last complete entries, never with half of a table.
--single-transaction: one connection, one transaction, all or nothing.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from functools import partial
from pathlib import Path

import msgspec
import psycopg
from psycopg import sql

from ..artifacts import ROW_COUNTS_NAME
from ..errors import RestoreError, UsageError
from ..script import TocItem, split_owner
from .clean import clean
from .options import RestoreOptions, RestoreResult, TableResult
from .plan import KNOWN_POST, RELATION_KINDS, data_waits, phases, table_locks
from .pool import Task, run_pool
from .progress import Progress
from .session import Session, check_tablespaces, failure, split_statements
from .source import Backup, copy_target

NON_EMPTY = """
SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND n.nspname <> ALL(%s)
"""
# TRUNCATE + COPY FREEZE only for a table with this much COPY text. The TRUNCATE creates and
# unlinks files (2-3 ms a table here, whatever its size); FREEZE saves the hint-bit pass of the
# first scan (with data checksums and full_page_writes, a full-page image per page in WAL).
# Measured (TRUNCATE + COPY FREEZE + two index builds + a count, against plain COPY; PostgreSQL 18,
# fsync, full_page_writes and checksums on): 1.21x the time at 1 MB, 1.19x at 4 MB, 0.93x at
# 17 MB, 0.97x at 44 MB; on the benchmark server (fsync and full_page_writes off) 2.05x for a
# tiny table, 1.11x at 1 MB, about even at 4-17 MB, 0.92x at 44 MB.
FREEZE_MIN_BYTES = 8 << 20
DATA_OTHER = "(sequences and large objects)"  # the pool's key of the task that runs the data section's rest
TARGET_COLUMNS = """
SELECT n.nspname, c.relname, a.attname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'f')
"""


class Warnings:
    """Warnings said once each, from any worker thread."""

    def __init__(self, log):
        self.log, self.seen, self.lock = log, [], threading.Lock()

    def __call__(self, message: str) -> None:
        with self.lock:
            if message not in self.seen:
                self.seen.append(message)
                self.log(f"warning: {message}")

    def missing_role(self, role: str) -> None:
        self(f'role "{role}" does not exist in the target: its ownerships and privileges were skipped')


def run_restore(directory: Path, options: RestoreOptions, log=None) -> RestoreResult:
    log = log or (lambda message: print(message, file=sys.stderr))
    if options.from_csv:
        from .csvload import run_csv_restore  # noqa: PLC0415

        return run_csv_restore(Path(directory), options, log)
    if options.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return _Restore(Backup(Path(directory)), options, log).run()


class _Restore:
    def __init__(self, backup: Backup, options: RestoreOptions, log):
        self.backup, self.options, self.log = backup, options, log
        self.warn = Warnings(log)
        self.phases = phases(backup.items, options)
        # DDL is kept in memory (post-data runs out of order); large objects' data is streamed.
        wanted = self.phases.pre + self.phases.post + self.phases.last + [i for i in self.phases.data_other
                                                       if i.kind != "LARGE OBJECT DATA"]
        self.texts = backup.texts({i.id for i in wanted} | {self.phases.settings_id})
        self.settings = self.texts.get(self.phases.settings_id, "")
        self.jobs = 1 if options.single_transaction else options.jobs
        self.skip_roles: set[str] = set()
        self.replica = False
        self.loaded: dict[str, tuple[int, float, str]] = {}  # key -> rows, seconds, sha256 of the block
        self.lock = threading.Lock()
        self.entries = 0
        self.created: set[int] = set()  # TOC ids of the tables this restore created

    def session(self) -> Session:
        session = Session(self.options.conninfo, self.settings, self.options.role,
                          autocommit=not self.options.single_transaction,
                          tablespaces=not self.options.no_tablespaces)
        if not self.options.single_transaction:
            # Resumable mode commits every entry, thousands for a large schema, and each commit
            # would wait for a WAL flush (an fsync). Asynchronous commit returns once the WAL is
            # written; the WAL writer flushes it within 3 x wal_writer_delay. A server crash in
            # that window loses the last few entries whole, never part of one (the target is as
            # if the restore had been interrupted a moment earlier) and breaks the restore's
            # connections, so the restore fails. Success is reported only after _flush().
            # Measured with fsync on (PostgreSQL 18, --jobs 2): 1,000 small tables 16.1 -> 9.6 s,
            # the mixed benchmark 4.9 -> 3.8 s (medians of 3).
            session.conn.execute("SET synchronous_commit = off")
        return session

    def _flush(self, main: Session) -> None:
        """Make every entry durable: a synchronous commit flushes the WAL up to its own commit
        record, and with it every earlier commit of every session (WAL is one sequence)."""
        with main.conn.transaction():
            main.conn.execute("SET LOCAL synchronous_commit = on")
            main.conn.execute("SELECT pg_catalog.txid_current()")  # an xid, so the commit is logged

    def run(self) -> RestoreResult:
        started = time.monotonic()
        main = self.session()
        sessions = [main]
        try:
            self._preflight(main)
            if self.options.clean:
                self._clean(main)
            for item in self.phases.pre:
                self._run_item(item, main)
            sessions += [self.session() for _ in range(self.jobs - 1)]
            self._data_and_post(sessions)
            for item in self.phases.last:  # pg_dump's ACL pass, then what comes after it
                self._run_item(item, main)
            if self.options.single_transaction:
                main.conn.commit()
            else:
                self._flush(main)
            tables = self._check(main, sessions)
        finally:
            for session in sessions:
                session.close()
        rows = {f"{i.schema}.{i.name}": self.loaded[i.key][0] for i in self.phases.data if i.key in self.loaded}
        return RestoreResult(self.entries, rows, tables, list(self.warn.seen), time.monotonic() - started)

    # -- checks before anything is written ------------------------------------------------------

    def _preflight(self, main: Session) -> None:
        conn, existing = main.conn, list(self.options.existing_schemas)
        creates = any(i.kind in RELATION_KINDS for i in self.phases.pre)
        if creates and not (self.options.allow_non_empty or self.options.clean):
            (count,) = conn.execute(NON_EMPTY, (existing,)).fetchone()
            if count:
                raise RestoreError(f"target database is not empty ({count} relations); restore into an empty "
                                   f"database, or use --clean --if-exists to replace what the backup holds")
        if not self.options.no_tablespaces:
            check_tablespaces(conn, self.phases.pre + self.phases.post + self.phases.last)
        roles = {r for (r,) in conn.execute("SELECT rolname FROM pg_catalog.pg_roles")}
        for item in self.phases.pre + self.phases.data_other + self.phases.post + self.phases.last:
            if (item.owner_length or item.kind == "OWNER") and item.owner and item.owner not in roles:
                self.skip_roles.add(item.owner)
                self.warn.missing_role(item.owner)
        if existing:
            self._check_existing(main, existing)

    def _check_existing(self, main: Session, existing: list[str]) -> None:
        """Schemas the target provides: they exist, and so does every column we will load into them."""
        conn = main.conn
        present = {s for (s,) in conn.execute(
            "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY(%s)", (existing,))}
        for schema in existing:
            if schema not in present:
                raise RestoreError(f"--existing-schemas: schema {schema} does not exist in the target")
        columns: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in conn.execute(TARGET_COLUMNS, (existing,)):
            columns.setdefault((schema, table), set()).add(column)
        for item in self.phases.data:
            if item.schema not in existing:
                continue
            if (item.schema, item.name) not in columns:
                raise RestoreError(f"--existing-schemas: table {item.schema}.{item.name} is in the backup but "
                                   f"not in the target")
            missing = [c for c in self.backup.block(item).columns() if c not in columns[(item.schema, item.name)]]
            if missing:
                raise RestoreError(f"--existing-schemas: {item.schema}.{item.name} in the target lacks column(s) "
                                   f"{', '.join(missing)} that the backup holds")
        try:
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
            self.replica = True
        except psycopg.Error:
            self.warn("cannot set session_replication_role (not a superuser): triggers of the tables in "
                      f"{', '.join(existing)} fire while their rows load")

    def _clean(self, main: Session) -> None:
        clean(main.conn, self.backup.items, {i.key for i in self.phases.existing_skipped}, self.log, self.warn)

    # -- entries -----------------------------------------------------------------------------------

    def _run_item(self, item: TocItem, session: Session) -> None:
        text, owner = split_owner(item, self.texts[item.id], self.backup.encoding)
        if item.kind in ("OWNER", "ACL", "DEFAULT ACL"):
            if item.kind == "OWNER" and item.owner in self.skip_roles:
                return
            session.run_each(item, split_statements(text), self.warn.missing_role)
        else:
            session.run(item, text)
        if owner and not self.options.no_owner and item.owner not in self.skip_roles:
            session.run_each(item, [owner], self.warn.missing_role)
        with self.lock:
            self.entries += 1
            if item.kind == "TABLE":
                self.created.add(item.id)

    def _load(self, item: TocItem, progress: Progress, session: Session) -> None:
        """One table's rows in one COPY, in its own transaction (or the single one)."""
        started = time.monotonic()
        block = self.backup.block(item)
        header = block.header()  # read first: a corrupt block fails before anything is sent
        conn = session.conn
        replica = self.replica and item.schema in self.options.existing_schemas
        freeze = item.data_length >= FREEZE_MIN_BYTES and any(dep in self.created for dep in item.deps)
        cursor = conn.cursor()
        loaded = 0
        try:
            with conn.transaction():
                if replica:
                    conn.execute("SET LOCAL session_replication_role = replica")
                if freeze:
                    # A table this restore created is empty and ours: emptied in this (sub)transaction,
                    # it may take COPY FREEZE, so no later scan (index builds) rewrites every page
                    # to set hint bits. ONLY: an inheritance child may already hold its own rows.
                    conn.execute(sql.SQL("TRUNCATE ONLY {}").format(sql.Identifier(item.schema, item.name)))
                with cursor.copy(block.copy_from(freeze)) as copy:
                    for piece in block.rows(digest=self.options.verify):
                        copy.write(piece)
                        loaded += len(piece)
                        if progress.enabled:  # counting rows is a pass over every byte: only for a terminal
                            progress.add(len(piece), piece.count(b"\n"))
                if replica:
                    conn.execute("SET LOCAL session_replication_role = origin")
        except psycopg.Error as exc:
            raise failure(item, header, exc) from None
        seconds = time.monotonic() - started
        with self.lock:
            self.loaded[item.key] = (cursor.rowcount, seconds,
                                    block.digest.hexdigest() if self.options.verify else "")
            self.entries += 1
        progress.table_done(block.label, loaded, cursor.rowcount, seconds)

    # -- phases ------------------------------------------------------------------------------------

    def _data_and_post(self, sessions: list[Session]) -> None:
        """Table data, sequences and large objects, and post-data in one pool over every connection.

        As pg_restore -j: largest tables first; a post-data entry waits only for the data of the
        tables it touches (plan.data_waits), so the indexes of a loaded table build while other
        tables still load, and no connection idles behind the longest load; everything else in
        post-data waits for all of the data. Among ready tasks the largest table's go first
        (its loads before its index builds), so the restore does not end on one long build.
        """
        data, post = self.phases.data, self.phases.post
        progress = Progress(sum(i.data_length for i in data), len(data))
        if data:
            self.log(f"loading {len(data)} tables over {len(sessions)} connection(s)")
        if post:
            self.log(f"post-data: {len(post)} entries over {len(sessions)} connection(s), each once its tables "
                     f"are loaded")
        tasks = self._load_tasks(progress)
        loads = frozenset(t.key for t in tasks)
        sizes = {i.key: i.unit_length or i.data_length for i in data}
        if self.phases.data_other:
            tasks.append(Task(DATA_OTHER, self._data_other, loads, priority=(float("-inf"), 1, 0)))
            loads |= {DATA_OTHER}
        tasks += self._post_tasks(loads, sizes)
        try:
            run_pool(tasks, sessions)
        finally:
            progress.close()

    def _load_tasks(self, progress: Progress) -> list[Task]:
        """Each table's COPY; tables we did not create one by one, in FK order.

        A table this restore created has no foreign keys yet (they are post-data); one the target
        already had (--existing-schemas, a data-only backup) may, so those load parents first.
        """
        tasks, previous = [], None
        for item in self.phases.data:
            chained = not any(dep in self.created for dep in item.deps)
            deps = frozenset((previous,)) if chained and previous else frozenset()
            tasks.append(Task(item.key, partial(self._load, item, progress), deps, frozenset((item.key,)),
                              priority=(-(item.unit_length or item.data_length), 0, item.id)))
            if chained:
                previous = item.key
        return tasks

    def _data_other(self, session: Session) -> None:
        """Sequence values and large objects, in script order, after the tables' rows."""
        streamed = {i.id for i in self.phases.data_other if i.id not in self.texts}
        texts = self.backup.iter_texts(streamed)
        for item in self.phases.data_other:
            if item.id in streamed:
                _, self.texts[item.id] = next(texts)  # the same item: both in script order
            self._run_item(item, session)
            if item.id in streamed:
                del self.texts[item.id]

    def _post_tasks(self, everything: frozenset[str], sizes: dict[str, int]) -> list[Task]:
        """Indexes and constraints, each after what it depends on (FKs after their keys) and the data it needs."""
        toc = self.backup.items
        run = {i.key for i in self.phases.post}
        waits = data_waits(self.phases.post, self.phases.data, toc)
        tasks = []
        for item in self.phases.post + [i for i in self.phases.skipped if i.section == "post-data"]:
            data = waits.get(item.key, frozenset())
            size = 0 if data is None else max((sizes[k] for k in data), default=0)
            tasks.append(Task(item.key, partial(self._run_item, item) if item.key in run else None,
                              frozenset(toc[d].key for d in item.deps) | (everything if data is None else data),
                              table_locks(item, toc), shared=item.kind == "INDEX",
                              alone=item.kind not in KNOWN_POST, priority=(-size, 2, item.id)))
        return tasks

    # -- afterwards --------------------------------------------------------------------------------

    def _check(self, main: Session, sessions: list[Session]) -> list[TableResult]:
        """Row counts of every restored table against row_counts.json; with verify, the content too."""
        data = [i for i in self.phases.data if i.key in self.loaded]
        if not data:
            return []
        expected = _row_counts(self.backup.directory)
        counts = count_rows(main.conn, [(i.schema, i.name) for i in data])
        if self.options.single_transaction:
            main.conn.commit()
        digests: dict[str, str] = {}
        if self.options.verify:
            digests = self._digests(data, sessions)
        tables = []
        for item in data:
            name = f"{item.schema}.{item.name}"
            rows, seconds, digest = self.loaded[item.key]
            checksum = None
            if self.options.verify:
                checksum = "match" if digests.get(item.key) == digest else "MISMATCH"
            tables.append(TableResult(name, expected.get(name, item.rows), counts.get(name), seconds, checksum))
        return tables

    def _digests(self, data: list[TocItem], sessions: list[Session]) -> dict[str, str]:
        """sha256 of each table's COPY text as the target renders it now, in physical order."""
        out: dict[str, str] = {}

        def digest(item: TocItem, session: Session) -> None:
            query = sql.SQL("COPY {} TO STDOUT").format(
                copy_target(item.schema, item.name, self.backup.block(item).columns()))
            h = hashlib.sha256()
            conn = session.conn
            with conn.transaction():
                # The backup's COPY sessions render with these (as pg_dump); TimeZone is the source's.
                conn.execute("SET LOCAL synchronize_seqscans = off; SET LOCAL datestyle = ISO; "
                             "SET LOCAL intervalstyle = postgres; SET LOCAL extra_float_digits = 3")
                with conn.cursor().copy(query) as copy:
                    for chunk in copy:
                        h.update(chunk)
            with self.lock:
                out[item.key] = h.hexdigest()

        run_pool([Task(i.key, partial(digest, i), priority=(-(i.unit_length or 0), i.id)) for i in data], sessions)
        if self.options.single_transaction:
            sessions[0].conn.commit()
        return out


def _row_counts(directory: Path) -> dict[str, int]:
    path = directory / ROW_COUNTS_NAME
    if not path.exists():
        return {}
    try:
        return msgspec.json.decode(path.read_bytes(), type=dict[str, int])
    except msgspec.DecodeError as exc:
        raise RestoreError(f"{path}: unreadable ({exc})") from None


def count_rows(conn: psycopg.Connection, tables: list[tuple[str, str]]) -> dict[str, int]:
    """Exact row counts, one query: `schema.table` -> rows."""
    counts: dict[str, int] = {}
    for start in range(0, len(tables), 500):
        parts = [sql.SQL("SELECT {}::text, count(*) FROM ONLY {}").format(
            sql.Literal(f"{schema}.{name}"), sql.Identifier(schema, name)) for schema, name in tables[start:start + 500]]
        counts.update(conn.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall())
    return counts
