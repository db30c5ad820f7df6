"""--clean: drop, in one transaction, what the backup holds before restoring it.

Each TOC item records the DROP the backup's own --clean writes for it (TocItem.drop, rendered by
engine/ddl/common.py drop_statement), so every kind drops by one rule. Always IF EXISTS: dropping
a table drops its owned sequences, and a restore stops at its first error, so a strict DROP would
fail on what an earlier one already removed. Never CASCADE into what the backup does not hold:
what the target has beyond the backup is never dropped (the DROP fails, and nothing is dropped).
"""

from __future__ import annotations

from typing import Callable

import psycopg
from msgspec import Struct
from psycopg import sql

from ..ddl.common import drop_statement
from ..errors import RestoreError
from ..script import TocItem
from .session import server_message

# The target's subscriptions in this database that have a replication slot: name -> slot.
SUBSCRIPTIONS = """
SELECT s.subname, s.subslotname::text FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  AND s.subslotname IS NOT NULL
"""
# What DROP TYPE ... CASCADE would drop first beyond the type, its own internal parts (array,
# multirange, range constructors) and the functions it is made of (its I/O functions, a range's
# canonical function) that the backup recreates, given as (schema, `name(identity args)`) as TOC
# items name them; each as pg_describe_object says it. Empty: the CASCADE reaches only what the
# backup recreates (anything further would be reached through one of these).
CASCADE_BEYOND_TYPE = """
WITH RECURSIVE typ AS (
    SELECT t.oid FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = %(schema)s AND t.typname = %(name)s
), own(classid, objid) AS (
    SELECT 'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid, oid FROM typ
    UNION
    SELECT d.refclassid, d.refobjid FROM pg_catalog.pg_depend d JOIN typ ON d.objid = typ.oid
    JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.deptype = 'n'
      AND d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND (n.nspname, p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')')
          IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(%(function_schemas)s::text[]),
                                       pg_catalog.unnest(%(function_names)s::text[])))
    UNION
    SELECT d.classid, d.objid FROM own o
    JOIN pg_catalog.pg_depend d ON d.refclassid = o.classid AND d.refobjid = o.objid AND d.deptype = 'i'
)
SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
FROM own o JOIN pg_catalog.pg_depend d ON d.refclassid = o.classid AND d.refobjid = o.objid
WHERE d.deptype IN ('n', 'a') AND (d.classid, d.objid) NOT IN (SELECT classid, objid FROM own)
ORDER BY 1
"""
# DROP ... IF EXISTS of these still fails when the access method they name is missing
# (objectaddress.c: "no missing_ok support here", PostgreSQL 12 to 18): then they cannot exist either.
UNDEFINED_MEANS_ABSENT = ("OPERATOR CLASS", "OPERATOR FAMILY")
# A TOC written before items recorded their DROP: routines as the target spells them.
FUNCTIONS = """
SELECT n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
       p.oid::pg_catalog.regprocedure::text
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%s)
"""
# ... and the kinds whose TOC name is the object's own name.
LEGACY_DROP_KEYWORD = {
    "TABLE": "TABLE", "VIEW": "VIEW", "MATERIALIZED VIEW": "MATERIALIZED VIEW", "SEQUENCE": "SEQUENCE",
    "TYPE": "TYPE", "DOMAIN": "DOMAIN", "FOREIGN TABLE": "FOREIGN TABLE", "COLLATION": "COLLATION",
    "SCHEMA": "SCHEMA", "EXTENSION": "EXTENSION",
}



class Drop(Struct, frozen=True):
    """One statement of --clean.

    `cascade_type` (schema, name): a DROP TYPE ... CASCADE, checked first, whose own functions
    the backup recreates are `own_functions` (schema, TOC name); `undefined_means_absent`: run in a
    savepoint, and an undefined_object error means nothing to drop.
    """

    statement: sql.Composable
    cascade_type: tuple[str, str] | None = None
    own_functions: tuple[tuple[str, str], ...] = ()
    undefined_means_absent: bool = False


def clean(conn: psycopg.Connection, items: list[TocItem], skipped: set[str], log: Callable[[str], None],
          warn: Callable[[str], None]) -> None:
    """Drop what the backup holds (but the `skipped` keys), all or nothing; RestoreError names the DROP that failed."""
    subscriptions = dict(conn.execute(SUBSCRIPTIONS).fetchall())
    if any(item.drop for item in items):
        drops = drop_statements(items, skipped, subscriptions)
    else:
        schemas = sorted({i.schema for i in items if i.kind in ("FUNCTION", "PROCEDURE", "AGGREGATE") and i.schema})
        drops = legacy_drops(items, skipped, dict(conn.execute(FUNCTIONS, (schemas,)).fetchall()))
    log(f"--clean: dropping what the backup holds ({len(drops)} statements)")
    drop = None
    try:
        with conn.transaction():
            for drop in drops:
                if drop.cascade_type is not None:
                    _check_cascade(conn, drop)
                if drop.undefined_means_absent:
                    _execute_if_defined(conn, drop.statement)
                else:
                    conn.execute(drop.statement)
    except psycopg.Error as exc:
        text = drop.statement.as_string(conn) if drop is not None else ""
        raise RestoreError(f"--clean: {text} failed: {server_message(exc)}; nothing was dropped") from None
    for name in sorted(subscriptions.keys() & {i.name for i in items if i.kind == "SUBSCRIPTION" and i.drop}):
        warn(f"--clean: subscription {name} was detached from its replication slot {subscriptions[name]}, "
             f"left on the publisher")


def _check_cascade(conn: psycopg.Connection, drop: Drop) -> None:
    schema, name = drop.cascade_type
    params = {"schema": schema, "name": name, "function_schemas": [f[0] for f in drop.own_functions],
              "function_names": [f[1] for f in drop.own_functions]}
    beyond = [d for (d,) in conn.execute(CASCADE_BEYOND_TYPE, params)]
    if beyond:
        raise RestoreError(f"--clean: {drop.statement.as_string(conn)} would also drop what the backup does not "
                           f"hold: {', '.join(beyond)}; nothing was dropped")


def _execute_if_defined(conn: psycopg.Connection, statement: sql.Composable) -> None:
    try:
        with conn.transaction():  # a savepoint
            conn.execute(statement)
    except psycopg.errors.UndefinedObject:
        pass


def drop_statements(items: list[TocItem], skipped: set[str], subscriptions: dict[str, str]) -> list[Drop]:
    """Each item's recorded DROP, in reverse order (FK constraints first, so tables drop in any order).

    The one DROP the backup records with CASCADE (a type in a loop with its own I/O functions,
    as pg_dump drops it) carries `cascade_type` and the functions it needs, for `_check_cascade`.
    `items` is the whole TOC; `subscriptions` maps the target's subscriptions that have a
    replication slot to it.
    """
    drops: list[Drop] = []
    fks = 0
    for item in reversed(items):
        if item.drop is None or item.key in skipped:  # data: large objects, unlinked
            continue
        kind, target, table = item.drop
        statement = sql.SQL(drop_statement(kind, target, table, True).rstrip().rstrip(";"))
        if kind == "FK CONSTRAINT":
            drops.insert(fks, Drop(statement))
            fks += 1
        elif kind == "SUBSCRIPTION" and item.name in subscriptions:
            drops += [Drop(s) for s in _detach_subscription(item.name)] + [Drop(statement)]
        elif kind == "TYPE" and target.endswith(" CASCADE") and item.schema is not None:
            # Targets are quoted names: only the backup's CASCADE ends a target with " CASCADE".
            own = tuple((items[d].schema or "", items[d].name) for d in item.deps
                        if items[d].kind == "FUNCTION" and items[d].key not in skipped)
            drops.append(Drop(statement, (item.schema, item.name), own))
        else:
            drops.append(Drop(statement, undefined_means_absent=kind in UNDEFINED_MEANS_ABSENT))
    return drops


def _detach_subscription(name: str) -> list[sql.Composable]:
    """A subscription with a slot cannot be dropped in a transaction (DROP would drop the slot on the
    publisher): it is first detached from it. The slot stays on the publisher: the restored
    subscription names its slot as the backup recorded it, often this very one."""
    sub = sql.Identifier(name)
    return [sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sub),
            sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sub)]


def legacy_drops(items: list[TocItem], skipped: set[str], functions: dict[str, str]) -> list[Drop]:
    """--clean for a TOC written before items recorded their DROP: FK constraints, routines and the
    kinds whose TOC name is their own name (others stay, and their CREATE then fails).

    `functions` maps a FUNCTION/PROCEDURE/AGGREGATE entry's name (`name(args)`) in its schema to the
    target's regprocedure text, as the target's catalog spells it.
    """
    exists = sql.SQL(" IF EXISTS")
    drops: list[Drop] = []
    for item in reversed(items):
        if item.key in skipped or item.section == "data":
            continue
        if item.kind == "FK CONSTRAINT":
            table = next((items[d] for d in item.deps if items[d].kind == "TABLE"), None)
            if table is None or not item.name.startswith(table.name + " "):
                continue
            conname = item.name[len(table.name) + 1:]
            drops.insert(0, Drop(sql.SQL("ALTER TABLE{} {} DROP CONSTRAINT{} {}").format(
                exists, sql.Identifier(table.schema, table.name), exists, sql.Identifier(conname))))
        elif item.kind in ("FUNCTION", "PROCEDURE", "AGGREGATE"):
            signature = functions.get(f"{item.schema}.{item.name}")
            if signature:
                # ROUTINE (PostgreSQL 11): regprocedure spells an aggregate over `*` as `name()`,
                # which DROP AGGREGATE rejects.
                drops.append(Drop(sql.SQL("DROP ROUTINE{} {}").format(exists, sql.SQL(signature))))
        elif item.kind in LEGACY_DROP_KEYWORD:
            if item.kind == "SCHEMA" and item.name == "public":
                continue
            name = sql.Identifier(item.name) if item.schema is None else sql.Identifier(item.schema, item.name)
            keyword = sql.SQL(LEGACY_DROP_KEYWORD[item.kind])
            drops.append(Drop(sql.SQL("DROP {}{} {}").format(keyword, exists, name)))
    return drops
