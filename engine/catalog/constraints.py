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

INDEXES = f"""
SELECT i.indexrelid, i.indrelid, n.nspname, c.relname,
       -- a constraint's index is written by its constraint: not worth deparsing
       CASE WHEN co.oid IS NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid) ELSE '' END,
       co.oid,
       (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)::int8,
       i.indisclustered, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = 0), i.indisreplident, c.reloptions,
       ARRAY(SELECT a.attnum || ' ' || a.attstattarget FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0 ORDER BY a.attnum),
       COALESCE(ts.spcname, '')  -- reltablespace 0 is the database's default
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
-- pg_constraint has no index on conindid: join (hashed), never a subquery per index.
LEFT JOIN pg_catalog.pg_constraint co ON co.conindid = i.indexrelid AND co.conrelid = i.indrelid
     AND co.contype IN ('p', 'u', 'x')
WHERE {user_relation("i.indrelid")}
  -- as pg_dump: not an index a failed CREATE INDEX CONCURRENTLY left behind (invalid, or not
  -- even ready); a partitioned one ('I') is invalid only until every partition has its index
  AND (i.indisvalid OR c.relkind = 'I') AND i.indisready
ORDER BY n.nspname, c.relname
"""


def read_constraints(conn: psycopg.Connection, parts: Parts) -> list[Constraint]:
    return conn.cursor(row_factory=args_row(Constraint)).execute(CONSTRAINTS, parts.params()).fetchall()


def read_indexes(conn: psycopg.Connection, parts: Parts) -> list[Index]:
    return conn.cursor(row_factory=args_row(Index)).execute(INDEXES, parts.params()).fetchall()
