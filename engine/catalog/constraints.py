"""Table constraints and indexes."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import Parts, user_relation
from .model import Constraint, Index

CONSTRAINTS = f"""
SELECT co.oid, co.conrelid, co.conname, co.contype::text, pg_catalog.pg_get_constraintdef(co.oid),
       co.conislocal, co.convalidated, NULLIF(co.conindid, 0)::int8, NULLIF(co.conparentid, 0)::int8,
       NULLIF(co.confrelid, 0)::int8, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = co.oid AND dsc.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_constraint co
WHERE {user_relation("co.conrelid")} AND co.contype IN ('c', 'f', 'p', 'u', 'x', 'n')
  -- 18: a NOT NULL is part of its column unless it is NOT VALID
  AND (co.contype <> 'n' OR (NOT co.convalidated AND co.conislocal))
ORDER BY co.conrelid, co.conname
"""

# pg_get_indexdef()'s text, assembled in SQL for an index of plain columns in their default
# operator classes, collations and options: there pg_get_indexdef() was most of the indexes
# query's cost (10^4 indexes: 0.41 s of server CPU, 0.26 s assembled). Otherwise (expressions,
# a predicate, storage options, other operator classes, collations or sort orders) NULL, and the
# server's own function deparses it. The same quoting function, the same words in the same
# order: the text is pg_get_indexdef()'s (a test compares the two on every shape of index).
def _plain_index_sql(version: int) -> tuple[str, str]:
    nulls_not_distinct = "i.indnullsnotdistinct" if version >= 150000 else "false"
    text = f"""'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
    || pg_catalog.quote_ident(c.relname) || ' ON ' || CASE WHEN c.relkind = 'I' THEN 'ONLY ' ELSE '' END
    || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(ki.relname)
    || ' USING ' || pg_catalog.quote_ident(ki.amname) || ' (' || ki.keys || ')'
    || COALESCE(' INCLUDE (' || ki.included || ')', '')
    || CASE WHEN {nulls_not_distinct} THEN ' NULLS NOT DISTINCT' ELSE '' END"""
    # One row per index column: its name, and whether pg_get_indexdef() prints it bare. An
    # operator class is left out there only where GetDefaultOpClass() returns it for the
    # column's type: default, for exactly that type (a built-in one is never for a domain);
    # the opclass options an index column may have (attoptions) are printed with their class.
    # indoption bit 1 is DESC, bit 2 NULLS FIRST; only btree among the built-in methods orders.
    lateral = """LEFT JOIN LATERAL (
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname)
             || CASE k.opt WHEN 0 THEN '' WHEN 1 THEN ' DESC NULLS LAST' WHEN 2 THEN ' NULLS FIRST' ELSE ' DESC' END,
             ', ' ORDER BY k.pos) FILTER (WHERE k.pos <= i.indnkeyatts) AS keys,
         pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY k.pos)
             FILTER (WHERE k.pos > i.indnkeyatts) AS included,
         pg_catalog.min(tc.relname) AS relname, pg_catalog.min(am.amname) AS amname
  FROM ROWS FROM (pg_catalog.unnest(i.indkey::pg_catalog.int2[]), pg_catalog.unnest(i.indclass::pg_catalog.oid[]),
                  pg_catalog.unnest(i.indcollation::pg_catalog.oid[]), pg_catalog.unnest(i.indoption::pg_catalog.int2[]))
       WITH ORDINALITY AS k(attnum, opclass, coll, opt, pos)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.pos
  LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opclass
  JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
  JOIN pg_catalog.pg_am am ON am.oid = c.relam
  WHERE NOT (i.indisprimary OR i.indisexclusion) AND i.indexprs IS NULL AND i.indpred IS NULL AND c.reloptions IS NULL
  HAVING pg_catalog.bool_and(k.pos > i.indnkeyatts
             OR (oc.opcdefault AND oc.opcintype = a.atttypid AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace
                 AND ia.attoptions IS NULL AND k.coll IN (0, a.attcollation)
                 AND (k.opt = 0 OR (am.amname = 'btree' AND k.opt < 4))))
) ki ON true"""
    return text, lateral


def _indexes_sql(version: int) -> str:
    plain_text, plain_lateral = _plain_index_sql(version)
    return f"""
SELECT i.indexrelid, i.indrelid, n.nspname, c.relname,
       -- a constraint's index is written by its constraint: not worth deparsing (a primary
       -- key's or exclusion constraint's; a unique index may be a constraint's or not)
       CASE WHEN i.indisprimary OR i.indisexclusion THEN ''
            WHEN ki.keys IS NOT NULL THEN {plain_text}
            ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END,
       NULL::oid,  -- the owning constraint's: see read_indexes
       -- only an attached partition's index has a parent (and relispartition)
       CASE WHEN c.relispartition
            THEN (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid) END::int8,
       i.indisclustered, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = 0), i.indisreplident, c.reloptions,
       -- statistics targets: only an expression column can have one (ALTER INDEX refuses others)
       CASE WHEN i.indexprs IS NULL THEN '{{}}'::pg_catalog.text[]
            ELSE ARRAY(SELECT a.attnum || ' ' || a.attstattarget FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0 ORDER BY a.attnum) END,
       COALESCE(ts.spcname, '')  -- reltablespace 0 is the database's default
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
{plain_lateral}
WHERE {user_relation("i.indrelid")}
  -- as pg_dump: not an index a failed CREATE INDEX CONCURRENTLY left behind (invalid, or not
  -- even ready); a partitioned one ('I') is invalid only until every partition has its index
  AND (i.indisvalid OR c.relkind = 'I') AND i.indisready
ORDER BY n.nspname, c.relname
"""


def read_constraints(conn: psycopg.Connection, parts: Parts) -> list[Constraint]:
    return conn.cursor(row_factory=args_row(Constraint)).execute(CONSTRAINTS, parts.params()).fetchall()


def read_indexes(conn: psycopg.Connection, parts: Parts, constraints: list[Constraint]) -> list[Index]:
    """`constraints`: those of the same relations (read_constraints), which own some indexes.

    Matched here, not joined in SQL: pg_constraint has no index on conindid, and probing it by
    table for each index was a sixth of the query's server time.
    """
    owners = {(con.index_oid, con.table_oid): con.oid for con in constraints
              if con.index_oid is not None and con.contype in ("p", "u", "x")}
    rows = conn.execute(_indexes_sql(conn.info.server_version), parts.params()).fetchall()
    indexes = []
    for oid, table_oid, schema, name, definition, _, *rest in rows:
        owner = owners.get((oid, table_oid))
        indexes.append(Index(oid, table_oid, schema, name, "" if owner else definition, owner, *rest))
    return indexes
