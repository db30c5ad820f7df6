"""pg_depend edges between user objects, with referenced sub-objects folded into what owns them.

A dependent rule (a view's _RETURN rule holds its definition) or column default (pg_attrdef)
keeps its own identity, so that the plan can split it from its relation to break a loop, as
pg_dump does; referenced ones, and row types, are folded into the relation.
"""

from __future__ import annotations

import psycopg

from .filters import extension_member_row
from .model import Dependency

# FirstNormalObjectId: everything below is created by initdb and never dumped. Identities
# are built by the server (catalog names joined by hash): in Python, formatting 10^5 of them
# costs several times more than the whole query. So is folding (below): looked up only for the
# edges that need it, where reading every row type, array type and default to fold in Python
# read 10^4 rows of each on 10^4 tables.
DEPENDS = """
WITH names AS (
  SELECT c.oid, c.relname::text AS name FROM pg_catalog.pg_class c
  WHERE c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace AND c.relkind = 'r'
), edges AS (
  SELECT DISTINCT d.classid, d.objid, d.refclassid, d.refobjid
  FROM pg_catalog.pg_depend d
  WHERE d.deptype IN ('n', 'a') AND d.objid >= 16384 AND d.refobjid >= 16384
    -- Left out: a default's, a constraint's and an index's AUTO dependency on their own table
    -- (the only relation each depends on AUTO; a partition's on its parent is kept). Their
    -- entries depend on their table already, or are part of its CREATE TABLE: 10^5 edges that
    -- change nothing, on 10^4 tables.
    AND NOT (d.deptype = 'a' AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
             AND (d.classid IN ('pg_catalog.pg_attrdef'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass)
                  OR d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                     AND d.objid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i)))
    -- And a relation's on its schema: the plan puts every entry after its schema's (an
    -- extension's edge to its schema stays: its entry has none).
    AND NOT (d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
             AND d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)
)
SELECT
  -- a table's row type is the table
  CASE WHEN e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
       THEN (SELECT 'pg_class:' || c.oid FROM pg_catalog.pg_type t
             JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind <> 'c' WHERE t.oid = e.objid) END,
  -- what a referenced sub-object folds into: a rule's or a default's relation; a row type's
  -- relation; an array's element type (the relation, for an array of a row type)
  CASE e.refclassid
    WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass
    THEN (SELECT 'pg_class:' || r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid = e.refobjid)
    WHEN 'pg_catalog.pg_attrdef'::pg_catalog.regclass
    THEN (SELECT 'pg_class:' || a.adrelid FROM pg_catalog.pg_attrdef a WHERE a.oid = e.refobjid)
    WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
    THEN (SELECT COALESCE('pg_class:' || c.oid, 'pg_class:' || ec.oid, 'pg_type:' || el.oid)
          FROM pg_catalog.pg_type t
          LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind <> 'c'
          LEFT JOIN pg_catalog.pg_type el ON el.oid = t.typelem AND IS_ARRAY
          LEFT JOIN pg_catalog.pg_class ec ON ec.oid = el.typrelid AND ec.relkind <> 'c'
          WHERE t.oid = e.refobjid) END,
  (COALESCE(cn.name, e.classid::text) || ':' || e.objid) COLLATE "C",
  (COALESCE(rn.name, e.refclassid::text) || ':' || e.refobjid) COLLATE "C"
FROM edges e
LEFT JOIN names cn ON cn.oid = e.classid
LEFT JOIN names rn ON rn.oid = e.refclassid
ORDER BY 3, 4
"""


def _depends_sql(version: int) -> str:
    # typsubscript is 14+; before it an array type is one with typelem and typlen = -1.
    return DEPENDS.replace("IS_ARRAY", "t.typsubscript = 'pg_catalog.array_subscript_handler'::pg_catalog.regproc"
                           if version >= 140000 else "t.typlen = -1")


def read_depends(conn: psycopg.Connection) -> list[Dependency]:
    """Edges as 'catalog:oid' pairs, sub-objects folded into what owns them (their identity
    where the plan may split them off: see the module's docstring)."""
    edges = {}  # in the server's order, which is deterministic: sorting here would cost more
    for dependent_fold, referenced_fold, dependent, referenced in conn.execute(
            _depends_sql(conn.info.server_version)).fetchall():
        dependent, referenced = dependent_fold or dependent, referenced_fold or referenced
        if dependent != referenced:
            edges[dependent, referenced] = None
    return list(edges)


EXTENSION_MEMBERS = f"""
SELECT d.classid::regclass::text || ':' || d.objid, 'pg_extension:' || d.refobjid
FROM pg_catalog.pg_depend d WHERE {extension_member_row('d')}
"""


def read_extension_members(conn: psycopg.Connection) -> dict[str, str]:
    """Member object -> its extension: depending on a member means depending on CREATE EXTENSION."""
    return dict(conn.execute(EXTENSION_MEMBERS).fetchall())
