"""The lead transaction: one exported snapshot that every worker imports, and the table locks.

As pg_dump does: REPEATABLE READ, READ ONLY; ACCESS SHARE locks on every dumped table so that
no DDL can change them under us, with a lock wait timeout that names the table it waited for.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .config import connect
from .ddl.quoting import qualified
from .errors import BackupError


# What every connection of a backup needs, as pg_dump sets it: no timeout may end the lead's
# transaction while workers still depend on its snapshot; output formats that read back the
# same whatever the database's or role's defaults (DateStyle, IntervalStyle, float digits);
# and row security off, so that a policy makes COPY fail instead of silently dropping rows.
SESSION_SETTINGS = (
    "SET search_path = pg_catalog; SET statement_timeout = 0; SET lock_timeout = 0; "
    "SET idle_in_transaction_session_timeout = 0; SET datestyle = ISO; SET intervalstyle = postgres; "
    "SET extra_float_digits = 3; SET row_security = off"
)

# The catalog connections (the lead and its readers) already split the catalog queries between
# them: a parallel plan's workers would each build the same hash tables again (pg_type,
# pg_attrdef...) and compete with those connections for the same cores. A fifth more server
# CPU for a schema-only backup of 10,000 tables, for nothing.
CATALOG_SETTINGS = "SET max_parallel_workers_per_gather = 0"


class Lead:
    def __init__(self, conninfo: str):
        self.conninfo = conninfo
        self.conn = connect(conninfo, autocommit=True)
        self.conn.execute(f"{SESSION_SETTINGS}; {CATALOG_SETTINGS}")
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.snapshot = self.conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0]

    def open_reader(self) -> psycopg.Connection:
        """Another connection that sees exactly what the lead sees (for reading the catalog).

        It gives up on any lock it would wait for (LockNotAvailable): see catalog.pool.
        """
        conn = connect(self.conninfo, autocommit=True)
        join_snapshot(conn, self.snapshot)
        conn.execute(f"SET lock_timeout = '100ms'; {CATALOG_SETTINGS}")
        return conn

    @property
    def server_version(self) -> int:
        return self.conn.info.server_version

    def lock_tables(self, tables: list[tuple[str, str]], lock_wait_timeout: str | None) -> None:
        """ACCESS SHARE on each table: LOCK TABLE statements of LOCK_BATCH tables, pipelined.

        One statement per table costs the server a parse and plan each (a third of a schema-only
        backup of 10,000 tables); a server error still names the table it failed on.
        """
        if not tables:
            return
        if lock_wait_timeout:
            try:
                self.conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(lock_wait_timeout)))
            except psycopg.Error as exc:
                raise BackupError(f"--lock-wait-timeout {lock_wait_timeout!r}: {exc.diag.message_primary}") from None
        try:
            with self.conn.pipeline():
                for first in range(0, len(tables), LOCK_BATCH):
                    batch = tables[first:first + LOCK_BATCH]
                    # Quoted by our one helper: psycopg's composition costs more than the lock here.
                    names = ", ".join(qualified(schema, name) for schema, name in batch)
                    self.conn.execute(f"LOCK TABLE {names} IN ACCESS SHARE MODE")
        except psycopg.errors.LockNotAvailable:
            raise BackupError(_lock_message(self.conninfo, tables, lock_wait_timeout)) from None
        except psycopg.Error as exc:
            raise BackupError(f"could not lock the tables to back up: {exc.diag.message_primary}") from None
        if lock_wait_timeout:
            self.conn.execute("SET lock_timeout = 0")

    def relation_sizes(self, oids: list[int]) -> dict[int, tuple[int, int]]:
        """Each table's size on disk now, TOAST included, and its main fork's blocks.

        Only for scheduling and splitting: relpages is a planner estimate (0 until the first
        VACUUM or ANALYZE), which would leave a freshly loaded huge table unsplit and last.
        One set-based query; the tables are locked, so none can vanish meanwhile.
        """
        rows = self.conn.execute(
            """SELECT o, pg_catalog.pg_table_size(o),
                      pg_catalog.pg_relation_size(o, 'main') / pg_catalog.current_setting('block_size')::int8
               FROM pg_catalog.unnest(%s::pg_catalog.oid[]) AS o""", (oids,)).fetchall()
        return {oid: (size or 0, pages or 0) for oid, size, pages in rows}

    def close(self) -> None:
        """End the transaction; a connection already lost has nothing left to end."""
        try:
            if not self.conn.closed and not self.conn.broken:
                self.conn.execute("ROLLBACK")
        except psycopg.Error:
            pass
        finally:
            self.conn.close()


LOCK_BATCH = 500


def _lock_message(conninfo: str, tables: list[tuple[str, str]], timeout: str | None) -> str:
    """Name the table we timed out on: one of ours that another session holds in a conflicting lock.

    The pipelined LOCKs do not say which one failed, so ask pg_locks on a fresh connection.
    """
    try:
        with connect(conninfo, autocommit=True) as probe:
            row = probe.execute(
                """SELECT n.nspname, c.relname
                   FROM ROWS FROM (pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::text[])) AS t(nspname, relname)
                   JOIN pg_catalog.pg_namespace n ON n.nspname = t.nspname
                   JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.relname
                   JOIN pg_catalog.pg_locks l ON l.relation = c.oid
                        AND l.database = (SELECT oid FROM pg_catalog.pg_database
                                          WHERE datname = pg_catalog.current_database())
                   WHERE l.granted AND l.mode = 'AccessExclusiveLock'
                   ORDER BY 1, 2 LIMIT 1""",
                ([s for s, _ in tables], [t for _, t in tables])).fetchone()
    except Exception:  # noqa: BLE001 - best effort to name the table
        row = None
    where = f" on table {row[0]}.{row[1]}" if row else ""
    return (f"timed out after {timeout} waiting for a lock{where} (--lock-wait-timeout): "
            f"another session holds it in ACCESS EXCLUSIVE mode")


def join_snapshot(conn: psycopg.Connection, snapshot: str, encoding: str | None = None) -> None:
    """Make a worker connection see exactly what the lead transaction sees.

    Session settings go first: SET TRANSACTION SNAPSHOT must be the transaction's first statement.
    """
    settings = SESSION_SETTINGS
    if encoding:
        settings += sql.SQL("; SET client_encoding = {}").format(sql.Literal(encoding)).as_string(conn)
    conn.execute(settings)
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
