"""Triggers and row-level security policies."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .model import Policy, Trigger


def _triggers_sql(version: int) -> str:
    # Triggers cloned onto partitions are recreated by their parent's CREATE TRIGGER:
    # from 13 they carry tgparentid, in 12 they are marked internal.
    cloned = "AND tg.tgparentid = 0" if version >= 130000 else ""
    return f"""
SELECT tg.oid, tg.tgrelid, tg.tgname, pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled::text,
       NULLIF(tg.tgconstraint, 0)::int8, pg_catalog.obj_description(tg.oid, 'pg_trigger')
FROM pg_catalog.pg_trigger tg
WHERE tg.tgrelid = ANY(%s) AND NOT tg.tgisinternal {cloned}
ORDER BY tg.tgrelid, tg.tgname
"""


POLICIES = """
SELECT p.oid, p.polrelid, p.polname, p.polpermissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END
             FROM pg_catalog.unnest(p.polroles) AS r ORDER BY 1),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
       pg_catalog.obj_description(p.oid, 'pg_policy')
FROM pg_catalog.pg_policy p
WHERE p.polrelid = ANY(%s)
ORDER BY p.polrelid, p.polname
"""


def read_triggers(conn: psycopg.Connection, relids: list[int]) -> list[Trigger]:
    sql = _triggers_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(Trigger)).execute(sql, (relids,)).fetchall()


def read_policies(conn: psycopg.Connection, relids: list[int]) -> list[Policy]:
    return conn.cursor(row_factory=args_row(Policy)).execute(POLICIES, (relids,)).fetchall()
