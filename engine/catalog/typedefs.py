"""Range (and, from 14, multirange), base and shell types.

Function names come out of regproc/regprocedure casts, which qualify and quote them by the
server's rules relative to the reading session's search_path (pg_catalog only, see snapshot.py).
"""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member

_TYPE_FILTER = f"{USER_NAMESPACE} AND {not_extension_member('pg_type', 't.oid')}"


def _proc(column: str) -> str:
    """A function reference as the server spells it (qualified if not in pg_catalog); NULL for none."""
    return f"NULLIF({column}::oid, 0)::pg_catalog.regproc::text"


class RangeType(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    subtype: str
    multirange: str | None  # qualified name of its multirange type (14+)
    multirange_oid: int | None
    opclass: str | None  # only when not the subtype's default btree opclass
    collation: str | None  # only when not the subtype's default
    canonical: str | None
    subtype_diff: str | None
    acl: list[str] | None
    comment: str | None
    support: list[int]  # oids of its functions (canonical, subtype_diff)


class BaseType(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    input: str
    output: str
    receive: str | None
    send: str | None
    typmod_in: str | None
    typmod_out: str | None
    analyze: str | None
    subscript: str | None  # 14+
    length: int
    by_value: bool
    alignment: str
    storage: str
    category: str
    preferred: bool
    default: str | None
    element: str | None
    delimiter: str
    collatable: bool
    acl: list[str] | None
    comment: str | None
    support: list[int]  # oids of its I/O, typmod, analyze and subscript functions


class ShellType(Struct, frozen=True):
    """A type name created by `CREATE TYPE x;` and never defined."""

    oid: int
    schema: str
    name: str
    owner: str


def _ranges_sql(version: int) -> str:
    multirange = (
        "pg_catalog.format_type(r.rngmultitypid, NULL), r.rngmultitypid::int8"
        if version >= 140000 else "NULL::text, NULL::int8"
    )
    return f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner),
       pg_catalog.format_type(r.rngsubtype, NULL), {multirange},
       CASE WHEN NOT oc.opcdefault
            THEN pg_catalog.quote_ident(ocn.nspname) || '.' || pg_catalog.quote_ident(oc.opcname) END,
       CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       {_proc('r.rngcanonical')}, {_proc('r.rngsubdiff')},
       t.typacl::text[], pg_catalog.obj_description(t.oid, 'pg_type'),
       ARRAY(SELECT f::int8 FROM unnest(ARRAY[r.rngcanonical::oid, r.rngsubdiff::oid]) f WHERE f <> 0)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
JOIN pg_catalog.pg_opclass oc ON oc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace ocn ON ocn.oid = oc.opcnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE t.typtype = 'r' AND {_TYPE_FILTER}
ORDER BY n.nspname, t.typname
"""


def _base_sql(version: int) -> str:
    subscript = _proc("t.typsubscript") if version >= 140000 else "NULL::text"
    subscript_oid = "t.typsubscript::oid" if version >= 140000 else "0::oid"
    return f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner),
       t.typinput::pg_catalog.regproc::text, t.typoutput::pg_catalog.regproc::text,
       {_proc('t.typreceive')}, {_proc('t.typsend')}, {_proc('t.typmodin')}, {_proc('t.typmodout')},
       {_proc('t.typanalyze')}, {subscript},
       t.typlen::int, t.typbyval, t.typalign::text, t.typstorage::text, t.typcategory::text, t.typispreferred,
       t.typdefault, CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END,
       t.typdelim::text, t.typcollation <> 0,
       t.typacl::text[], pg_catalog.obj_description(t.oid, 'pg_type'),
       ARRAY(SELECT f::int8 FROM unnest(ARRAY[t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid,
                                              t.typmodin::oid, t.typmodout::oid, t.typanalyze::oid, {subscript_oid}]) f
             WHERE f <> 0)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'b' AND t.typisdefined AND {_TYPE_FILTER}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type a WHERE a.typarray = t.oid)
ORDER BY n.nspname, t.typname
"""


SHELLS = f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'p' AND NOT t.typisdefined AND {_TYPE_FILTER}
ORDER BY n.nspname, t.typname
"""


def read_ranges(conn: psycopg.Connection) -> list[RangeType]:
    sql = _ranges_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(RangeType)).execute(sql).fetchall()


def read_base_types(conn: psycopg.Connection) -> list[BaseType]:
    sql = _base_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(BaseType)).execute(sql).fetchall()


def read_shell_types(conn: psycopg.Connection) -> list[ShellType]:
    return conn.cursor(row_factory=args_row(ShellType)).execute(SHELLS).fetchall()
