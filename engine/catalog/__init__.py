"""Reading pg_catalog: a fixed number of set-based queries, returning typed records.

Version differences between PostgreSQL 12 and 18 live in these modules and nowhere else.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable

import psycopg
from msgspec import Struct
from msgspec.structs import replace

from .comments import Comments, read_comments
from .constraints import DeparseRules, read_constraints, read_deparse_rules, read_indexes, write_foreign_keys
from .depends import read_depends, read_extension_members
from .filters import Parts
from .foreign import ForeignTable, read_foreign_tables
from .functions import read_functions
from .initacls import read_changed_acls
from .kinds import Kinds, read_kinds
from .model import (
    Column, CompositeType, Constraint, Dependency, Domain, EnumType, Extension, Function, Index, Policy,
    Relation, Rule, Schema, Sequence, Table, Trigger,
)
from .pool import ReaderPool
from .replication import read_publication_tables
from .relations import read_columns, read_relation_names, read_relations, read_sequences
from .rules import read_rules
from .schemas import read_extensions, read_schemas
from .statistics import read_statistics
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
                 open_reader: Callable[[], psycopg.Connection] | None = None,
                 before_parts: Callable[[list[Relation], list[Schema], list[Sequence]], set[int]] | None = None,
                 lock_parts: Callable[[list[Relation]], None] | None = None) -> Catalog:
    """Everything dumpable in the connected database, as seen by the connection's snapshot.

    With `readers` and `open_reader` (a connection in the same snapshot), the queries run on
    that many more connections, heaviest first: the server works on several while Python
    turns the rows already read into records. A reader that cannot connect is skipped.

    `before_parts(relations, schemas, sequences)` runs on `conn` once those are read (the
    relations by name only) and before anything else. It returns the oids of the relations left
    out, whose parts are not read (some deparsing functions lock their table, and a table left
    out may well be locked by someone else); those Tables have no columns.

    `lock_parts(relations)` runs on `conn` for each oid range of the relations kept, before any
    of that range's parts are read: the caller locks there the tables it backs up, as pg_dump
    locks its tables before reading their parts. pg_get_indexdef() and the other deparsing
    functions read the current catalog, not the snapshot: a table altered meanwhile would be
    written half old, half new. A range's reads start once its own tables are locked, while the
    lead locks the next (locking 10^4 tables at once left the readers idle meanwhile).
    """
    with ReaderPool(conn, readers, open_reader, lead_busy=True) as pool:
        # What no table lock protects (pg_dump locks none of these either) and every backup
        # reads whole starts at once on the readers, heaviest first, while the lead reads the
        # relations and locks them.
        futures = {name: pool.submit(read) for name, read in (
            ("depends", read_depends), ("kinds", read_kinds), ("functions", read_functions),
            ("extensions", read_extensions), ("enums", read_enums), ("composites", read_composites),
            ("domains", read_domains),
            ("changed_acls", read_changed_acls), ("database", lambda c: c.execute(DATABASE).fetchone()),
        )}
        relations, schemas, sequences = read_relation_names(conn), read_schemas(conn), read_sequences(conn)
        rules = read_deparse_rules(conn)
        members = read_extension_members(conn)  # here: the lead may be the only connection
        left_out = set(before_parts(relations, schemas, sequences) if before_parts else ())
        left_out |= {int(m.removeprefix("pg_class:")) for m in members if m.startswith("pg_class:")}
        # The tables' parts, in oid ranges, a range's reads on one connection: each server
        # process caches the catalog rows of its own tables only. More ranges than
        # connections, for balance.
        connections = 1 + (readers if open_reader else 0)
        kept = sorted((r for r in relations if r.oid not in left_out), key=lambda r: r.oid)
        oids = [r.oid for r in kept]
        parts = []
        for r in _ranges(oids, sorted(left_out), 2 * connections):
            if lock_parts:
                lock_parts(kept[bisect_left(oids, r.lo):bisect_right(oids, r.hi)])
            parts.append(pool.submit(lambda conn, r=r: _read_parts(conn, r, rules)))
        pool.release_lead()  # without readers, every read so far waits for it
        locked = {name: pool.submit(read) for name, read in (
            ("publication_tables", read_publication_tables), ("statistics", read_statistics))}
        results = {name: future.result() for name, future in (futures | locked).items()}
        tables = _merge([future.result() for future in parts])
    write_foreign_keys(conn, tables.constraints, tables.foreign_keys_later,
                       {oid: (row[1], row[2]) for oid, row in tables.relations.items()}, tables.columns, rules)
    name, encoding = results.pop("database")
    kinds = results.pop("kinds")
    kinds.changed_acls = results.pop("changed_acls")
    kinds.foreign_tables = tables.foreign_tables
    kinds.publication_tables = results.pop("publication_tables")
    kinds.statistics = results.pop("statistics")
    comments = tables.comments
    return Catalog(
        server_version=conn.info.server_version,
        database=name,
        encoding=encoding,
        schemas=schemas,
        sequences=sequences,
        tables=[_table(tables.relations[r.oid], tables.columns.get(r.oid, []), comments.relations.get(r.oid))
                for r in relations],
        constraints=_with_comments(tables.constraints, comments.constraints),
        indexes=_with_comments(tables.indexes, comments.relations),
        triggers=tables.triggers,
        policies=tables.policies,
        rules=tables.rules,
        kinds=kinds,
        extension_members=members,
        **results,
    )


class _TableParts(Struct):
    """The parts of some tables. Each list is in the order of its query, by table oid first
    (the indexes by qualified name)."""

    relations: dict[int, tuple]  # rows of RELATIONS by oid
    columns: dict[int, list[Column]]
    constraints: list[Constraint]
    indexes: list[Index]
    triggers: list[Trigger]
    policies: list[Policy]
    rules: list[Rule]
    foreign_tables: list[ForeignTable]
    foreign_keys_later: dict[int, str]  # constraint oid -> makings: read_constraints
    comments: Comments  # on the relations and constraints whose oids the range covers


def _read_parts(conn: psycopg.Connection, parts: Parts, rules: DeparseRules) -> _TableParts:
    comments = read_comments(conn, parts)
    relations = {row[0]: row for row in read_relations(conn, parts)}
    columns = read_columns(conn, parts, comments.columns)
    comments.columns = {}  # in the columns now
    names = {oid: (row[1], row[2]) for oid, row in relations.items()}
    constraints, foreign_keys_later = read_constraints(conn, parts, names, columns, rules)
    return _TableParts(relations, columns, constraints, read_indexes(conn, parts, constraints, names, columns, rules),
                       read_triggers(conn, parts), read_policies(conn, parts), read_rules(conn, parts),
                       read_foreign_tables(conn, parts), foreign_keys_later, comments)


def _merge(ranges: list[_TableParts]) -> _TableParts:
    """The parts of consecutive oid ranges as one read gives them: concatenated, but the
    indexes merged by qualified name."""
    merged = _TableParts({}, {}, [], [], [], [], [], [], {}, Comments({}, {}, {}))
    for r in ranges:
        merged.relations.update(r.relations)
        merged.columns.update(r.columns)
        merged.foreign_keys_later.update(r.foreign_keys_later)
        merged.comments.relations.update(r.comments.relations)
        merged.comments.constraints.update(r.comments.constraints)
        for field in ("constraints", "triggers", "policies", "rules", "foreign_tables"):
            getattr(merged, field).extend(getattr(r, field))
    merged.indexes = list(heapq.merge(*(r.indexes for r in ranges), key=lambda index: (index.schema, index.name)))
    return merged


def _ranges(oids: list[int], skip: list[int], count: int) -> list[Parts]:
    """`count` oid ranges covering every oid, with as many of `oids` in each (fewer ranges if
    there are fewer oids)."""
    oids = sorted(oids)
    count = max(1, min(count, len(oids)))
    starts = [0] + [oids[len(oids) * i // count] for i in range(1, count)]
    ends = [start - 1 for start in starts[1:]] + [Parts([]).hi]
    return [Parts(skip, lo, hi) for lo, hi in zip(starts, ends)]


def _table(row: tuple, columns: list[Column], comment: str | None) -> Table:
    """A row of RELATIONS holds a Table's fields but its columns, which come after the 7th, and
    its comment, before the last."""
    return Table(*row[:7], columns, *row[7:-1], comment, row[-1])


def _with_comments(records: list, comments: dict[int, str]) -> list:
    """Indexes or constraints, each with its comment (by oid) if it has one."""
    get = comments.get
    return [record if (text := get(record.oid)) is None else replace(record, comment=text) for record in records]
