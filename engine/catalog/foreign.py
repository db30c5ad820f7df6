"""Foreign data wrappers, foreign servers, user mappings and the foreign-table part of relations.

Options are kept as the catalog stores them ('name=value'); rendering splits and quotes them.
User mapping options can hold passwords: like pg_dump, they are dumped (read through the
pg_user_mappings view, which shows them only to whoever may see them) and never logged.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import Parts, not_extension_member, user_relation
from .typedefs import _proc


class ForeignDataWrapper(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    handler: str | None
    validator: str | None
    options: list[str] | None
    acl: list[str] | None
    comment: str | None


class ForeignServer(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    wrapper: str
    wrapper_oid: int
    type: str | None
    version: str | None
    options: list[str] | None
    acl: list[str] | None
    comment: str | None


class UserMapping(Struct, frozen=True):
    oid: int
    role: str | None  # None: PUBLIC
    server: str
    server_oid: int
    options: list[str] | None


class ForeignTable(Struct, frozen=True):
    """What a foreign table adds to its pg_class row: the server and the options."""

    oid: int
    server: str
    server_oid: int
    options: list[str] | None
    column_options: dict[str, list[str]]  # column name -> its options


WRAPPERS = f"""
SELECT w.oid, w.fdwname, pg_catalog.pg_get_userbyid(w.fdwowner), {_proc('w.fdwhandler')},
       {_proc('w.fdwvalidator')}, w.fdwoptions, w.fdwacl::text[],
       pg_catalog.obj_description(w.oid, 'pg_foreign_data_wrapper')
FROM pg_catalog.pg_foreign_data_wrapper w
WHERE {not_extension_member('pg_foreign_data_wrapper', 'w.oid')}
ORDER BY w.fdwname
"""

SERVERS = f"""
SELECT s.oid, s.srvname, pg_catalog.pg_get_userbyid(s.srvowner), w.fdwname, w.oid::int8, s.srvtype,
       s.srvversion, s.srvoptions, s.srvacl::text[], pg_catalog.obj_description(s.oid, 'pg_foreign_server')
FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE {not_extension_member('pg_foreign_server', 's.oid')}
ORDER BY s.srvname
"""

USER_MAPPINGS = f"""
SELECT m.umid, CASE WHEN m.umuser <> 0 THEN m.usename END, m.srvname, m.srvid::int8, m.umoptions
FROM pg_catalog.pg_user_mappings m
WHERE {not_extension_member('pg_foreign_server', 'm.srvid')}
ORDER BY m.srvname, m.usename
"""

FOREIGN_TABLES = f"""
SELECT f.ftrelid, s.srvname, s.oid::int8, f.ftoptions,
       COALESCE((SELECT pg_catalog.json_object_agg(a.attname, a.attfdwoptions)
                 FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = f.ftrelid AND a.attnum > 0 AND NOT a.attisdropped
                   AND a.attfdwoptions IS NOT NULL), '{{}}')
FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver
WHERE {user_relation("f.ftrelid")}
"""


def read_wrappers(conn: psycopg.Connection) -> list[ForeignDataWrapper]:
    return conn.cursor(row_factory=args_row(ForeignDataWrapper)).execute(WRAPPERS).fetchall()


def read_servers(conn: psycopg.Connection) -> list[ForeignServer]:
    return conn.cursor(row_factory=args_row(ForeignServer)).execute(SERVERS).fetchall()


def read_user_mappings(conn: psycopg.Connection) -> list[UserMapping]:
    return conn.cursor(row_factory=args_row(UserMapping)).execute(USER_MAPPINGS).fetchall()


def read_foreign_tables(conn: psycopg.Connection, parts: Parts) -> list[ForeignTable]:
    return conn.cursor(row_factory=args_row(ForeignTable)).execute(FOREIGN_TABLES, parts.params()).fetchall()
