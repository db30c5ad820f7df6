"""Schemas and extensions."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .model import Extension, Schema

SCHEMAS = f"""
SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), n.nspacl::text[],
       (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = n.oid AND dsc.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_namespace n
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_namespace', 'n.oid')}
ORDER BY n.nspname
"""

EXTENSIONS = """
SELECT x.oid, x.extname, n.nspname, x.extversion, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = x.oid AND dsc.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
WHERE x.extname <> 'plpgsql'
ORDER BY x.extname
"""


def read_schemas(conn: psycopg.Connection) -> list[Schema]:
    return conn.cursor(row_factory=args_row(Schema)).execute(SCHEMAS).fetchall()


def read_extensions(conn: psycopg.Connection) -> list[Extension]:
    return conn.cursor(row_factory=args_row(Extension)).execute(EXTENSIONS).fetchall()
