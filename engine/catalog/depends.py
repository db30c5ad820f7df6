"""pg_depend edges between user objects, with referenced sub-objects folded into what owns them.

A dependent rule (a view's _RETURN rule holds its definition) or column default (pg_attrdef)
keeps its own identity, so that the plan can split it from its relation to break a loop, as
pg_dump does; referenced ones, and row types, are folded into the relation.
"""

from __future__ import annotations

import psycopg

from .model import Dependency

# FirstNormalObjectId: everything below is created by initdb and never dumped.
DEPENDS = """
WITH folded AS (
  SELECT d.deptype,
         COALESCE(rt.ref, d.classid::regclass::text || ':' || d.objid) AS dependent,
         COALESCE(rrw.ref, rad.ref, rrt.ref, ra.ref, d.refclassid::regclass::text || ':' || d.refobjid) AS referenced
  FROM pg_catalog.pg_depend d
  LEFT JOIN LATERAL (SELECT 'pg_class:' || t.typrelid FROM pg_catalog.pg_type t
                     JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
                     WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid AND c.relkind <> 'c') rt(ref) ON true
  LEFT JOIN LATERAL (SELECT 'pg_class:' || r.ev_class FROM pg_catalog.pg_rewrite r
                     WHERE d.refclassid = 'pg_rewrite'::regclass AND r.oid = d.refobjid) rrw(ref) ON true
  LEFT JOIN LATERAL (SELECT 'pg_class:' || a.adrelid FROM pg_catalog.pg_attrdef a
                     WHERE d.refclassid = 'pg_attrdef'::regclass AND a.oid = d.refobjid) rad(ref) ON true
  LEFT JOIN LATERAL (SELECT 'pg_class:' || t.typrelid FROM pg_catalog.pg_type t
                     JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
                     WHERE d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid AND c.relkind <> 'c') rrt(ref) ON true
  LEFT JOIN LATERAL (SELECT 'pg_type:' || t.typelem FROM pg_catalog.pg_type t
                     WHERE d.refclassid = 'pg_type'::regclass AND t.oid = d.refobjid
                       AND t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc) ra(ref) ON true
  WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
)
SELECT DISTINCT dependent, referenced FROM folded WHERE dependent <> referenced
"""


def _depends_sql(version: int) -> str:
    if version >= 140000:
        return DEPENDS
    # typsubscript is 14+; before it an array type is one with typelem and typlen = -1.
    return DEPENDS.replace("AND t.typsubscript = 'array_subscript_handler'::regproc", "AND t.typlen = -1")


def read_depends(conn: psycopg.Connection) -> list[Dependency]:
    rows = conn.execute(_depends_sql(conn.info.server_version)).fetchall()
    return [Dependency(dependent, referenced) for dependent, referenced in rows]


EXTENSION_MEMBERS = """
SELECT d.classid::regclass::text || ':' || d.objid, 'pg_extension:' || d.refobjid
FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
"""


def read_extension_members(conn: psycopg.Connection) -> dict[str, str]:
    """Member object -> its extension: depending on a member means depending on CREATE EXTENSION."""
    return dict(conn.execute(EXTENSION_MEMBERS).fetchall())
