"""Rewrite rules: CREATE RULE, and the _RETURN rule that holds a view's definition."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import Parts, user_relation
from .model import Rule

RULES = f"""
SELECT r.oid, r.ev_class, r.rulename, pg_catalog.pg_get_ruledef(r.oid), r.ev_enabled::text,
       (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = r.oid AND dsc.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_rewrite r
WHERE {user_relation("r.ev_class")}
ORDER BY r.ev_class, r.rulename
"""


def read_rules(conn: psycopg.Connection, parts: Parts) -> list[Rule]:
    return conn.cursor(row_factory=args_row(Rule)).execute(RULES, parts.params()).fetchall()
