"""Constraints, indexes, triggers, policies and row-level security switches."""

from __future__ import annotations

from ..catalog.model import Constraint, Index, Policy, Table, Trigger
from .quoting import ident, qualified
from .tables import table_name

TRIGGER_STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def add_constraint(table: Table, con: Constraint) -> str:
    only = "ONLY " if con.contype != "f" or table.relkind != "p" else ""
    return f"ALTER TABLE {only}{table_name(table)} ADD CONSTRAINT {ident(con.name)} {con.definition};\n"


def create_index(index: Index) -> str:
    return index.definition + ";\n"


def attach_index(parent: Index, child: Index) -> str:
    return f"ALTER INDEX {qualified(parent.schema, parent.name)} ATTACH PARTITION {qualified(child.schema, child.name)};\n"


def cluster_on(table: Table, index: Index) -> str:
    return f"ALTER TABLE {table_name(table)} CLUSTER ON {ident(index.name)};\n"


def create_trigger(table: Table, trigger: Trigger) -> str:
    sql = trigger.definition + ";\n"
    if trigger.enabled in TRIGGER_STATE:
        sql += f"ALTER TABLE {table_name(table)} {TRIGGER_STATE[trigger.enabled]} TRIGGER {ident(trigger.name)};\n"
    return sql


def create_policy(table: Table, policy: Policy) -> str:
    sql = (f"CREATE POLICY {ident(policy.name)} ON {table_name(table)}"
           f" AS {'PERMISSIVE' if policy.permissive else 'RESTRICTIVE'} FOR {policy.command}"
           f" TO {', '.join(policy.roles)}")
    if policy.using is not None:
        sql += f" USING ({policy.using})"
    if policy.with_check is not None:
        sql += f" WITH CHECK ({policy.with_check})"
    return sql + ";\n"


def row_security(table: Table) -> str:
    sql = ""
    if table.rls_enabled:
        sql += f"ALTER TABLE {table_name(table)} ENABLE ROW LEVEL SECURITY;\n"
    if table.rls_forced:
        sql += f"ALTER TABLE {table_name(table)} FORCE ROW LEVEL SECURITY;\n"
    return sql
