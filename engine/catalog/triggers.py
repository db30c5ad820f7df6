"""Triggers and row-level security policies."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import Parts, user_relation
from .model import Policy, Trigger


def _triggers_sql(version: int) -> str:
    # A trigger cloned onto a partition is recreated by its parent's CREATE TRIGGER; only an
    # enabled state of its own is dumped. From 13 it carries tgparentid; in 12 it is internal
    # and depends on its parent trigger with deptype 'P'.
    if version >= 130000:
        parent = "NULLIF(tg.tgparentid, 0)"
        # Only a user's trigger or a clone can be dumped: the others (a foreign key's four, on
        # 10^4 tables) are left out before anything is joined to them. Fenced (OFFSET 0): the
        # planner would rather probe pg_trigger once per relation, three times the cost.
        triggers = ("(SELECT * FROM pg_catalog.pg_trigger"
                    " WHERE tgrelid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid"
                    " AND (NOT tgisinternal OR tgparentid <> 0) OFFSET 0)")
    else:
        parent = ("(SELECT d.refobjid FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_trigger'::regclass"
                  " AND d.objid = tg.oid AND d.deptype = 'P'"
                  " AND d.refclassid = 'pg_catalog.pg_trigger'::regclass LIMIT 1)")
        triggers = "pg_catalog.pg_trigger"  # in 12 a clone is internal too
    return f"""
SELECT tg.oid, tg.tgrelid, tg.tgname, pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled::text,
       NULLIF(tg.tgconstraint, 0)::int8, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = tg.oid AND dsc.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND dsc.objsubid = 0), p.cloned
FROM {triggers} tg
CROSS JOIN LATERAL (SELECT {parent} IS NOT NULL) p(cloned)
WHERE {user_relation("tg.tgrelid")}
  AND CASE WHEN p.cloned THEN tg.tgenabled <> (SELECT pt.tgenabled FROM pg_catalog.pg_trigger pt
                                              WHERE pt.oid = {parent})
           ELSE NOT tg.tgisinternal END
ORDER BY tg.tgrelid, tg.tgname
"""


POLICIES = f"""
SELECT p.oid, p.polrelid, p.polname, p.polpermissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                     WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r)) END
             FROM pg_catalog.unnest(p.polroles) AS r ORDER BY 1),
       pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
       (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = p.oid AND dsc.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_policy p
WHERE {user_relation("p.polrelid")}
ORDER BY p.polrelid, p.polname
"""


def read_triggers(conn: psycopg.Connection, parts: Parts) -> list[Trigger]:
    sql = _triggers_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(Trigger)).execute(sql, parts.params()).fetchall()


def read_policies(conn: psycopg.Connection, parts: Parts) -> list[Policy]:
    return conn.cursor(row_factory=args_row(Policy)).execute(POLICIES, parts.params()).fetchall()
