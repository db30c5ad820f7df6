"""Tables, views, materialized views, foreign tables and their columns; sequences."""

from __future__ import annotations

import psycopg
from msgspec.structs import replace
from psycopg.rows import args_row

from .filters import DUMPED_RELATION, USER_NAMESPACE, Parts, not_extension_member, user_relation
from .model import Column, Relation, Sequence

# RELATION_NAMES and RELATIONS select the same relations: every name read before the lock has
# its fields read after it.
_DUMPED = f"{DUMPED_RELATION} AND {not_extension_member('pg_class', 'c.oid')}"

# Each relation's parents, in order, gathered from pg_inherits in one pass (joined by hash):
# a subquery per relation ran 10^4 times on 10^4 tables (10 ms of RELATION_NAMES' 24).
def _parents(where: str = "") -> str:
    return ("LEFT JOIN (SELECT i.inhrelid, pg_catalog.array_agg(i.inhparent::pg_catalog.int8 ORDER BY i.inhseqno)"
            f" AS parents FROM pg_catalog.pg_inherits i{where} GROUP BY i.inhrelid) inh ON inh.inhrelid = c.oid")


RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.reltype::int8, pg_catalog.pg_get_userbyid(c.relowner), c.relpersistence,
       COALESCE(inh.parents, '{{}}'),
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, 0) END,
       NULLIF(COALESCE(c.reloptions, '{{}}') || ARRAY(SELECT 'toast.' || o FROM pg_catalog.unnest(tc.reloptions) o),
              '{{}}'),
       CASE WHEN c.relkind IN ('r', 'p', 'm') THEN am.amname END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
       c.relreplident::text, c.relrowsecurity, c.relforcerowsecurity,
       CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,
       c.relpages::int8, c.relpages::int8 * pg_catalog.current_setting('block_size')::int8,
       c.relacl::text[],
       -- reltablespace 0 is the database's default ('')
       CASE WHEN c.relkind IN ('r', 'p', 'm') THEN COALESCE(ts.spcname, '') END
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
{_parents(" WHERE i.inhrelid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid")}
WHERE {_DUMPED} AND c.oid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid
"""

# What choosing and locking takes, read before the lock: a third of RELATIONS' cost, on the
# path every other read waits for.
RELATION_NAMES = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind::text,
       COALESCE(inh.parents, '{{}}'),
       c.relispartition
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
{_parents()}
WHERE {_DUMPED}
ORDER BY n.nspname, c.relname
"""


def _columns_sql(version: int) -> str:
    # attcompression arrived in 14; attstattarget became nullable (NULL = default) in 17;
    # NOT NULL constraints became named pg_constraint rows in 18.
    # Where most columns have neither, the default is looked up only for a column that has one
    # (atthasdef: the probe skipped) and the collation's name only where it is not the type's:
    # joined for every column, those two were a quarter of this query (10^4 tables: 0.05 s).
    # A default holds no column reference (a generation expression does): deparsed without its
    # relation, which pg_get_expr() would open and lock (current minor releases of every
    # version), building its relcache entry: half of this query on 10^4 tables. A partition
    # bound holds none either (RELATIONS).
    compression = "NULLIF(a.attcompression, '')::text" if version >= 140000 else "NULL::text"
    stattarget = "a.attstattarget::int" if version >= 170000 else "NULLIF(a.attstattarget, -1)::int"
    # 18's NOT NULL constraints come from NOT_NULLS (read_columns): here a column's without one.
    not_null = "NULL::bool, NULL::bool, NULL::bool" if version >= 180000 else "true, false, true"
    return f"""
SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       NULL::name,
       pg_catalog.pg_get_expr(d.adbin, CASE WHEN a.attgenerated <> '' THEN d.adrelid ELSE 0 END), a.attidentity::text, a.attgenerated::text,
       CASE WHEN a.attcollation <> t.typcollation
            THEN (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                  WHERE co.oid = a.attcollation) END,
       a.attislocal,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
       {compression}, {stattarget}, a.attoptions, a.attacl::text[],
       NULL::text, d.oid::int8, a.attinhcount::int, {not_null}, a.atttypid::int8, a.attcollation::int8
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN LATERAL (SELECT d.oid, d.adbin, d.adrelid FROM pg_catalog.pg_attrdef d
                   WHERE a.atthasdef AND d.adrelid = a.attrelid AND d.adnum = a.attnum OFFSET 0) d ON true
WHERE {user_relation("a.attrelid")} AND a.attnum > 0 AND NOT a.attisdropped
"""

# PostgreSQL 18: the NOT NULL constraints (one a column at most) of the range's relations, as
# the columns' own query once joined them: probing pg_constraint for each column was two fifths
# of that query (10^4 tables: 0.15 s of server CPU), where this reads the range once.
NOT_NULLS = """
SELECT conrelid, conkey[1], conname, convalidated, connoinherit, conislocal FROM pg_catalog.pg_constraint
WHERE conrelid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid AND contype = 'n'
"""

def _sequences_sql(version: int) -> str:
    # Before 15 every sequence is logged, an unlogged table's identity sequence too: no persistence.
    persistence = "c.relpersistence::text" if version >= 150000 else "NULL::text"
    return f"""
SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner),
       pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,
       s.seqcycle, d.refobjid::int8, a.attname, COALESCE(d.deptype = 'i', false),
       pg_catalog.pg_sequence_last_value(c.oid), pg_catalog.pg_sequence_last_value(c.oid) IS NOT NULL,
       {persistence},
       c.relacl::text[], (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = c.oid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname
"""


def read_relation_names(conn: psycopg.Connection) -> list[Relation]:
    return conn.cursor(row_factory=args_row(Relation)).execute(RELATION_NAMES).fetchall()


def read_relations(conn: psycopg.Connection, parts: Parts) -> list[tuple]:
    """Rows of RELATIONS, a Table's fields but its columns (`read_columns`) and comment
    (`read_comments`), for every relation in `parts`' oid range: those left out (`skip`) too,
    which the plan names."""
    return conn.execute(RELATIONS, parts.params()).fetchall()


def read_columns(conn: psycopg.Connection, parts: Parts,
                 comments: dict[tuple[int, int], str]) -> dict[int, list[Column]]:
    """Every column of the relations `parts` names, by relation oid, in attnum order, with its
    comment from `comments` (read_comments: by relation oid and attnum)."""
    version = conn.info.server_version
    rows = conn.execute(_columns_sql(version), parts.params()).fetchall()
    rows.sort()  # (attrelid, attnum, ...): unique, and already in order as a heap scan returns them
    not_nulls = {(row[0], row[1]): row for row in conn.execute(NOT_NULLS, parts.params()).fetchall()} \
        if version >= 180000 else {}
    columns: dict[int, list[Column]] = {}
    for relid, *fields in rows:
        not_null = not_nulls.get((relid, fields[0])) if not_nulls else None
        if not_null is not None:
            _, _, fields[4], fields[18], fields[19], fields[20] = not_null  # notnull_name, notnull_*
        column = Column(*fields)
        if comments and (relid, column.attnum) in comments:
            column = replace(column, comment=comments[relid, column.attnum])
        columns.setdefault(relid, []).append(column)
    return columns


def read_sequences(conn: psycopg.Connection) -> list[Sequence]:
    return conn.cursor(row_factory=args_row(Sequence)).execute(_sequences_sql(conn.info.server_version)).fetchall()
