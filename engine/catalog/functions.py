"""Functions and procedures (aggregates are rendered differently and read elsewhere)."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .model import Function

FUNCTIONS = f"""
SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_userbyid(p.proowner), p.prokind::text,
       pg_catalog.pg_get_function_identity_arguments(p.oid), pg_catalog.pg_get_functiondef(p.oid),
       p.proacl::text[], (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = p.oid AND dsc.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w') AND {USER_NAMESPACE} AND {not_extension_member('pg_proc', 'p.oid')}
  -- made by and dropped with another object (a range type's constructors): never dumped alone
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                  AND i.objid = p.oid AND i.deptype = 'i')
ORDER BY n.nspname, p.proname, 6
"""


def read_functions(conn: psycopg.Connection) -> list[Function]:
    return conn.cursor(row_factory=args_row(Function)).execute(FUNCTIONS).fetchall()
