"""pg_depend edges between user objects, with referenced sub-objects folded into what owns them.

A dependent rule (a view's _RETURN rule holds its definition) or column default (pg_attrdef)
keeps its own identity, so that the plan can split it from its relation to break a loop, as
pg_dump does; referenced ones, and row types, are folded into the relation.
"""

from __future__ import annotations

import psycopg

from .model import Dependency

# FirstNormalObjectId: everything below is created by initdb and never dumped. Identities
# are built by the server (catalog names joined by hash): in Python, formatting 10^5 of them
# costs several times more than the whole query.
DEPENDS = """
WITH names AS (
  SELECT c.oid, c.relname::text AS name FROM pg_catalog.pg_class c
  WHERE c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace AND c.relkind = 'r'
)
SELECT DISTINCT (COALESCE(cn.name, d.classid::text) || ':' || d.objid) COLLATE "C",
       (COALESCE(rn.name, d.refclassid::text) || ':' || d.refobjid) COLLATE "C"
FROM pg_catalog.pg_depend d
LEFT JOIN names cn ON cn.oid = d.classid
LEFT JOIN names rn ON rn.oid = d.refclassid
WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
  -- Left out: a default's, a constraint's and an index's AUTO dependency on their own table
  -- (the only relation each depends on AUTO; a partition's on its parent is kept). Their
  -- entries depend on their table already, or are part of its CREATE TABLE: 10^5 edges that
  -- change nothing, on 10^4 tables.
  AND NOT (d.deptype = 'a' AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND (d.classid IN ('pg_catalog.pg_attrdef'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass)
                OR d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                   AND d.objid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i)))
ORDER BY 1, 2
"""

# What a referenced sub-object folds into, as 'catalog:oid' of the owner.
FOLDS = """
SELECT 'pg_rewrite:' || r.oid, 'pg_class:' || r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid >= 16384
UNION ALL
SELECT 'pg_attrdef:' || a.oid, 'pg_class:' || a.adrelid FROM pg_catalog.pg_attrdef a
UNION ALL
SELECT 'pg_type:' || t.oid, 'pg_class:' || t.typrelid FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid WHERE t.oid >= 16384 AND c.relkind <> 'c'
UNION ALL
SELECT 'pg_type:' || t.oid, 'pg_type:' || t.typelem FROM pg_catalog.pg_type t
WHERE t.oid >= 16384 AND t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc
"""


def _folds_sql(version: int) -> str:
    if version >= 140000:
        return FOLDS
    # typsubscript is 14+; before it an array type is one with typelem and typlen = -1.
    return FOLDS.replace("AND t.typsubscript = 'array_subscript_handler'::regproc", "AND t.typlen = -1")


def read_depends(conn: psycopg.Connection) -> list[Dependency]:
    """Edges as 'catalog:oid' pairs; a table's row type is the table on both sides."""
    folds = dict(conn.execute(_folds_sql(conn.info.server_version)).fetchall())
    row_types = {k: v for k, v in folds.items() if k.startswith("pg_type:") and v.startswith("pg_class:")}
    get_row_type, get_fold = row_types.get, folds.get
    edges = {}  # in the server's order, which is deterministic: sorting here would cost more
    for dependent, referenced in conn.execute(DEPENDS).fetchall():
        dependent = get_row_type(dependent, dependent)
        referenced = get_fold(referenced, referenced)
        referenced = get_fold(referenced, referenced)  # an array of a table's row type: the table
        if dependent != referenced:
            edges[dependent, referenced] = None
    return list(edges)


EXTENSION_MEMBERS = """
SELECT d.classid::regclass::text || ':' || d.objid, 'pg_extension:' || d.refobjid
FROM pg_catalog.pg_depend d WHERE d.deptype = 'e'
"""


def read_extension_members(conn: psycopg.Connection) -> dict[str, str]:
    """Member object -> its extension: depending on a member means depending on CREATE EXTENSION."""
    return dict(conn.execute(EXTENSION_MEMBERS).fetchall())
