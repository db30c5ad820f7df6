"""Parallel COPY readers: worker processes that share the lead's snapshot.

Reading COPY output costs Python one call per row, so threads would share one core; each
worker is a process with its own connection. Inside a worker, a thread compresses while
the main thread reads (zlib and zstd release the GIL), through a bounded queue: memory stays
flat however large the table. Tables above a size threshold are split into ctid block ranges
(PostgreSQL 14+ scans those with a TID range scan), each range its own task and part.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

import msgspec
import psycopg
from psycopg import pq, sql

from .codecs import unit_compressor
from .config import Compression
from .errors import BackupError
from .script import Part
from .snapshot import join_snapshot

CHUNK = 1 << 20
QUEUE_DEPTH = 4


class CopyTask(msgspec.Struct, frozen=True):
    table_oid: int
    schema: str
    name: str
    columns: list[str]
    part: int  # 0-based index among the table's parts
    first_block: int | None  # None: the whole table
    last_block: int | None  # exclusive; None: to the end
    path: str
    format: str = "text"  # "csv" for the CSV export (with header, uncompressed)
    condition: str = ""  # an extension configuration table's 'WHERE ...' filter (whole table only)


class TaskResult(msgspec.Struct, frozen=True):
    table_oid: int
    part: int
    format: str
    result: Part


_worker_conn: psycopg.Connection | None = None
_worker_compression: Compression | None = None


def _init_worker(conninfo: str, snapshot: str, encoding: str, compression: Compression) -> None:
    global _worker_conn, _worker_compression
    _worker_conn = psycopg.connect(conninfo, autocommit=True)
    join_snapshot(_worker_conn, snapshot, encoding)
    _worker_compression = compression


def copy_statement(task: CopyTask) -> bytes:
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in task.columns)
    table = sql.Identifier(task.schema, task.name)
    options = sql.SQL(" WITH (FORMAT csv, HEADER)") if task.format == "csv" else sql.SQL("")
    if task.condition:
        # Recorded by the extension's own script with pg_extension_config_dump; pg_dump uses it as is.
        query = sql.SQL("COPY (SELECT {} FROM ONLY {} {}) TO STDOUT{}").format(
            cols, table, sql.SQL(task.condition), options)
    elif task.first_block is None and task.last_block is None:
        query = sql.SQL("COPY {} ({}) TO STDOUT{}").format(table, cols, options)
    else:
        conds = []
        if task.first_block is not None:
            conds.append(sql.SQL("ctid >= {}::tid").format(sql.Literal(f"({task.first_block},0)")))
        if task.last_block is not None:
            conds.append(sql.SQL("ctid < {}::tid").format(sql.Literal(f"({task.last_block},0)")))
        query = sql.SQL("COPY (SELECT {} FROM ONLY {} WHERE {}) TO STDOUT{}").format(
            cols, table, sql.SQL(" AND ").join(conds), options)
    return query.as_bytes(_worker_conn)


def run_copy(task: CopyTask) -> TaskResult:
    """COPY one table (or block range) into a file of compressed units; rows from the command tag."""
    pgconn = _worker_conn.pgconn
    pgconn.send_query(copy_statement(task))
    res = pgconn.get_result()
    if res.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise BackupError(f"COPY {task.schema}.{task.name} failed: {_message(res)}")
    compression = _worker_compression if task.format == "text" else Compression("none", 0)
    raw = 0
    with open(task.path, "xb") as out:
        work: queue.Queue = queue.Queue(QUEUE_DEPTH)
        writer = threading.Thread(target=_compress_to, args=(work, out, compression), daemon=True)
        writer.start()
        buffer: list[bytes] = []
        size = 0
        try:
            while True:
                nbytes, data = pgconn.get_copy_data(0)
                if nbytes < 0:
                    break
                buffer.append(bytes(data))
                size += nbytes
                if size >= CHUNK:
                    work.put(b"".join(buffer))
                    raw += size
                    buffer, size = [], 0
            if buffer:
                work.put(b"".join(buffer))
                raw += size
        finally:
            work.put(None)
            writer.join()
        unit_bytes = out.tell()
    res = pgconn.get_result()
    _drain(pgconn)
    if res.status != pq.ExecStatus.COMMAND_OK:
        raise BackupError(f"COPY {task.schema}.{task.name} failed: {_message(res)}")
    rows = int(res.command_tuples or 0)
    return TaskResult(task.table_oid, task.part, task.format, Part(task.path, rows, raw, unit_bytes))


def _compress_to(work: queue.Queue, out, compression: Compression) -> None:
    comp = unit_compressor(compression)
    while (chunk := work.get()) is not None:
        out.write(comp.compress(chunk))
    out.write(comp.flush())


def _drain(pgconn) -> None:
    while pgconn.get_result() is not None:
        pass


def _message(res) -> str:
    msg = res.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) if res else None
    return msg.decode(errors="replace") if msg else (res.error_message.decode(errors="replace") if res else "?")


def run_tasks(tasks: list[CopyTask], conninfo: str, snapshot: str, encoding: str, compression: Compression,
              jobs: int, on_done=None) -> list[TaskResult]:
    """Run tasks largest-first on `jobs` worker processes; the first failure stops the rest."""
    results: list[TaskResult] = []
    if not tasks:
        return results
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=context,
                             initializer=_init_worker,
                             initargs=(conninfo, snapshot, encoding, compression)) as pool:
        futures = [pool.submit(run_copy, task) for task in tasks]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is not None:
                exc = future.exception()
                if isinstance(exc, BackupError):
                    raise exc
                if isinstance(exc, psycopg.Error):
                    raise BackupError(f"worker failed: {' '.join(str(exc).split())}")
                raise BackupError(f"worker failed: {type(exc).__name__}: {exc}")
        for future in futures:
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
    return results


def split_ranges(pages: int, parts: int) -> list[tuple[int | None, int | None]]:
    """Block ranges covering the whole table: the last one open-ended for rows added past relpages."""
    if parts <= 1 or pages <= parts:
        return [(None, None)]
    step = -(-pages // parts)
    bounds = [i * step for i in range(1, parts)]
    ranges = [(None, bounds[0])]
    ranges += [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    ranges.append((bounds[-1], None))
    return ranges


def part_path(directory: Path, task_id: int, suffix: str) -> str:
    return os.fspath(directory / f"part-{task_id:06d}{suffix}")
