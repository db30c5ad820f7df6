"""The lead transaction: one exported snapshot that every worker imports, and the table locks.

As pg_dump does: REPEATABLE READ, READ ONLY; ACCESS SHARE locks on every dumped table so that
no DDL can change them under us, with a lock wait timeout that names the table it waited for.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .config import connect
from .errors import BackupError


class Lead:
    def __init__(self, conninfo: str):
        self.conninfo = conninfo
        self.conn = connect(conninfo, autocommit=True)
        self.conn.execute("SET search_path = pg_catalog")
        self.conn.execute("SET statement_timeout = 0")
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.snapshot = self.conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0]

    @property
    def server_version(self) -> int:
        return self.conn.info.server_version

    def lock_tables(self, tables: list[tuple[str, str]], lock_wait_timeout: str | None) -> None:
        """ACCESS SHARE on each table, pipelined: one round trip, and an error names its table."""
        if lock_wait_timeout:
            self.conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(lock_wait_timeout)))
        current = None
        try:
            with self.conn.pipeline():
                for schema, name in tables:
                    current = (schema, name)
                    self.conn.execute(sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(
                        sql.Identifier(schema, name)))
        except psycopg.errors.LockNotAvailable:
            raise BackupError(_lock_message(self.conninfo, tables, lock_wait_timeout)) from None
        except psycopg.Error as exc:
            raise BackupError(f"could not lock tables (last queued {current}): {exc.diag.message_primary}") from None
        if lock_wait_timeout:
            self.conn.execute("SET lock_timeout = 0")

    def close(self) -> None:
        try:
            if not self.conn.closed:
                self.conn.execute("ROLLBACK")
        finally:
            self.conn.close()


def _lock_message(conninfo: str, tables: list[tuple[str, str]], timeout: str | None) -> str:
    """Find which table is held in a conflicting lock, on a fresh connection."""
    try:
        with connect(conninfo, autocommit=True) as probe:
            row = probe.execute(
                """SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_locks l
                   JOIN pg_catalog.pg_class c ON c.oid = l.relation
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   WHERE l.granted AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()
                   ORDER BY 1 LIMIT 1""").fetchone()
    except Exception:  # noqa: BLE001 - best effort to name the table
        row = None
    where = f" on {row[0]}" if row else ""
    return f"timed out after {timeout} waiting for a lock{where} (--lock-wait-timeout); another session holds it"


def join_snapshot(conn: psycopg.Connection, snapshot: str, encoding: str | None = None) -> None:
    """Make a worker connection see exactly what the lead transaction sees."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    conn.execute("SET search_path = pg_catalog")
    if encoding:
        conn.execute(sql.SQL("SET client_encoding = {}").format(sql.Literal(encoding)))
