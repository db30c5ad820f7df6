"""Casts, transforms and procedural languages: objects that glue types, functions and languages."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import not_extension_member
from .typedefs import _proc


class Cast(Struct, frozen=True):
    oid: int
    source: str
    target: str
    function: str | None  # regprocedure
    context: str  # e explicit, a assignment, i implicit
    method: str  # f function, i inout, b binary
    comment: str | None


class Transform(Struct, frozen=True):
    oid: int
    type: str
    language: str
    from_sql: str | None  # regprocedure
    to_sql: str | None
    comment: str | None


class Language(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    trusted: bool
    handler: str | None
    inline: str | None
    validator: str | None
    acl: list[str] | None
    comment: str | None


# FirstNormalObjectId: casts and languages below it come with initdb.
CASTS = f"""
SELECT c.oid, pg_catalog.format_type(c.castsource, NULL), pg_catalog.format_type(c.casttarget, NULL),
       NULLIF(c.castfunc, 0)::pg_catalog.regprocedure::text, c.castcontext::text, c.castmethod::text,
       pg_catalog.obj_description(c.oid, 'pg_cast')
FROM pg_catalog.pg_cast c
WHERE c.oid >= 16384 AND {not_extension_member('pg_cast', 'c.oid')}
  -- a multirange's casts are made by and dropped with its range type
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i WHERE i.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                  AND i.objid = c.oid AND i.deptype = 'i')
ORDER BY 2, 3
"""

TRANSFORMS = f"""
SELECT t.oid, pg_catalog.format_type(t.trftype, NULL), l.lanname,
       NULLIF(t.trffromsql, 0)::pg_catalog.regprocedure::text, NULLIF(t.trftosql, 0)::pg_catalog.regprocedure::text,
       pg_catalog.obj_description(t.oid, 'pg_transform')
FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang
WHERE {not_extension_member('pg_transform', 't.oid')}
ORDER BY 2, 3
"""

LANGUAGES = f"""
SELECT l.oid, l.lanname, pg_catalog.pg_get_userbyid(l.lanowner), l.lanpltrusted,
       {_proc('l.lanplcallfoid')}, {_proc('l.laninline')}, {_proc('l.lanvalidator')},
       l.lanacl::text[], pg_catalog.obj_description(l.oid, 'pg_language')
FROM pg_catalog.pg_language l
WHERE l.oid >= 16384 AND l.lanispl AND {not_extension_member('pg_language', 'l.oid')}
ORDER BY l.lanname
"""


def read_casts(conn: psycopg.Connection) -> list[Cast]:
    return conn.cursor(row_factory=args_row(Cast)).execute(CASTS).fetchall()


def read_transforms(conn: psycopg.Connection) -> list[Transform]:
    return conn.cursor(row_factory=args_row(Transform)).execute(TRANSFORMS).fetchall()


def read_languages(conn: psycopg.Connection) -> list[Language]:
    return conn.cursor(row_factory=args_row(Language)).execute(LANGUAGES).fetchall()
