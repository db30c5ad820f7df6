"""Reading pg_catalog: a fixed number of set-based queries, returning typed records.

Version differences between PostgreSQL 12 and 18 live in these modules and nowhere else.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg
from msgspec import Struct

from ..errors import EngineError
from .constraints import read_constraints, read_indexes
from .depends import read_depends, read_extension_members
from .functions import read_functions
from .kinds import Kinds, read_kinds
from .model import (
    CompositeType, Constraint, Dependency, Domain, EnumType, Extension, Function, Index, Policy,
    Rule, Schema, Sequence, Table, Trigger,
)
from .relations import read_columns, read_relations, read_sequences
from .rules import read_rules
from .schemas import read_extensions, read_schemas
from .triggers import read_policies, read_triggers
from .types import read_composites, read_domains, read_enums


class Catalog(Struct):
    server_version: int
    database: str
    encoding: str
    schemas: list[Schema]
    extensions: list[Extension]
    enums: list[EnumType]
    composites: list[CompositeType]
    domains: list[Domain]
    functions: list[Function]
    tables: list[Table]
    sequences: list[Sequence]
    constraints: list[Constraint]
    indexes: list[Index]
    triggers: list[Trigger]
    policies: list[Policy]
    depends: list[Dependency]
    extension_members: dict[str, str]
    kinds: Kinds  # every other object kind: catalog/kinds.py
    rules: list[Rule] = []


DATABASE = """
SELECT pg_catalog.current_database(), pg_catalog.pg_encoding_to_char(encoding)
FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
"""


def read_catalog(conn: psycopg.Connection, readers: int = 0,
                 open_reader: Callable[[], psycopg.Connection] | None = None) -> Catalog:
    """Everything dumpable in the connected database, as seen by the connection's snapshot.

    With `readers` and `open_reader` (a connection in the same snapshot), the queries run on
    that many more connections, heaviest first: the server works on several while
    Python turns the rows already read into records. A reader that cannot connect is skipped.
    """
    with _Pool(conn, readers, open_reader) as pool:
        # All at once: the per-table queries filter on USER_RELATIONS, not on RELATIONS' answer.
        futures = {name: pool.submit(read) for name, read in (
            ("columns", read_columns), ("indexes", read_indexes), ("depends", read_depends),
            ("constraints", read_constraints), ("relations", read_relations),
            ("database", lambda c: c.execute(DATABASE).fetchone()), ("kinds", read_kinds),
            ("functions", read_functions), ("triggers", read_triggers), ("policies", read_policies),
            ("rules", read_rules), ("schemas", read_schemas), ("extensions", read_extensions),
            ("enums", read_enums), ("composites", read_composites), ("domains", read_domains),
            ("sequences", read_sequences), ("extension_members", read_extension_members),
        )}
        results = {name: future.result() for name, future in futures.items()}
    name, encoding = results.pop("database")
    columns_of = results.pop("columns")
    return Catalog(
        server_version=conn.info.server_version,
        database=name,
        encoding=encoding,
        tables=[Table(*row[:7], columns_of.get(row[0], []), *row[7:]) for row in results.pop("relations")],
        **results,
    )


class _Pool:
    """Runs readers on whichever connection of the snapshot is free; more are opened on demand."""

    def __init__(self, conn: psycopg.Connection, readers: int,
                 open_reader: Callable[[], psycopg.Connection] | None):
        self.free: queue.SimpleQueue[psycopg.Connection | None] = queue.SimpleQueue()
        self.free.put(conn)
        readers = readers if open_reader else 0
        for _ in range(readers):
            self.free.put(None)  # a slot whose connection is opened by the first task that takes it
        self.open_reader = open_reader
        self.opened: list[psycopg.Connection] = []
        self.executor = ThreadPoolExecutor(1 + readers, thread_name_prefix="catalog")

    def submit(self, read: Callable, *args) -> Future:
        return self.executor.submit(self._run, read, args)

    def _run(self, read: Callable, args: tuple):
        while True:
            conn = self.free.get()
            if conn is not None:
                break
            try:
                conn = self.open_reader()
            except (psycopg.Error, EngineError):
                continue  # e.g. too many connections: the work goes to those already open
            self.opened.append(conn)
            break
        try:
            return read(conn, *args)
        finally:
            self.free.put(conn)

    def __enter__(self) -> "_Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for conn in self.opened:
            conn.close()
