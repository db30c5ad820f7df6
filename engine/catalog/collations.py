"""Collations and encoding conversions."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member


class Collation(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    provider: str  # c libc, i icu, b builtin (17+), d default
    deterministic: bool
    collate: str | None  # NULL for ICU and builtin from 15
    ctype: str | None
    locale: str | None  # ICU/builtin locale: colliculocale (15-16), colllocale (17+)
    rules: str | None  # ICU tailoring rules (16+)
    comment: str | None


class Conversion(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    source_encoding: str
    target_encoding: str
    function: str
    is_default: bool
    comment: str | None


def _collations_sql(version: int) -> str:
    # Before 15 an ICU collation kept its locale in collcollate; 15-16 in colliculocale;
    # 17 renamed that to colllocale (and added the builtin provider); rules arrived in 16.
    if version >= 170000:
        locale = "c.colllocale"
    elif version >= 150000:
        locale = "c.colliculocale"
    else:
        locale = "CASE WHEN c.collprovider = 'i' THEN c.collcollate END"
    rules = "c.collicurules" if version >= 160000 else "NULL::text"
    return f"""
SELECT c.oid, n.nspname, c.collname, pg_catalog.pg_get_userbyid(c.collowner), c.collprovider::text,
       c.collisdeterministic, c.collcollate, c.collctype, {locale}, {rules},
       pg_catalog.obj_description(c.oid, 'pg_collation')
FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_collation', 'c.oid')}
ORDER BY n.nspname, c.collname
"""


CONVERSIONS = f"""
SELECT c.oid, n.nspname, c.conname, pg_catalog.pg_get_userbyid(c.conowner),
       pg_catalog.pg_encoding_to_char(c.conforencoding), pg_catalog.pg_encoding_to_char(c.contoencoding),
       c.conproc::pg_catalog.regproc::text, c.condefault, pg_catalog.obj_description(c.oid, 'pg_conversion')
FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_conversion', 'c.oid')}
ORDER BY n.nspname, c.conname
"""


def read_collations(conn: psycopg.Connection) -> list[Collation]:
    sql = _collations_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(Collation)).execute(sql).fetchall()


def read_conversions(conn: psycopg.Connection) -> list[Conversion]:
    return conn.cursor(row_factory=args_row(Conversion)).execute(CONVERSIONS).fetchall()
