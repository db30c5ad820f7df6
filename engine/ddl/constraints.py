"""Constraints, indexes, triggers, policies and row-level security switches."""

from __future__ import annotations

import re

from ..catalog.model import Constraint, Index, Policy, Rule, Table, Trigger
from .quoting import ident, qualified
from .tables import table_name

TRIGGER_STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


_DEFERRABLE = re.compile(r"( DEFERRABLE(?: INITIALLY DEFERRED)?)?$")


def constraint_table(table: Table, con: Constraint) -> str:
    """The ALTER TABLE target, as pg_dump: a CHECK or NOT NULL reaches the children; an FK on a
    partitioned table is cloned onto its partitions; keys and exclusions are this table's only."""
    recursive = con.contype in "cn" or (con.contype == "f" and table.relkind == "p")
    return table_name(table) if recursive else f"ONLY {table_name(table)}"


def add_constraint(table: Table, con: Constraint, index: Index | None = None, target: str | None = None) -> str:
    """ALTER TABLE ... ADD CONSTRAINT; `target`: constraint_table()'s, if the caller has it already."""
    definition = con.definition
    if index is not None and index.reloptions and con.contype in "pu":
        # pg_get_constraintdef leaves out the index's storage parameters; they precede DEFERRABLE.
        definition = _DEFERRABLE.sub(lambda m: f" WITH ({', '.join(index.reloptions)})" + (m.group(1) or ""),
                                     definition, count=1)
    return f"ALTER TABLE {target or constraint_table(table, con)} ADD CONSTRAINT {ident(con.name)} {definition};\n"


def create_index(index: Index) -> str:
    return index.definition + ";\n" + index_statistics(index)


def index_statistics(index: Index) -> str:
    """ALTER INDEX ... ALTER COLUMN n SET STATISTICS: expression columns' targets."""
    out = []
    for item in index.stattargets:
        attnum, target = item.split()
        out.append(f"ALTER INDEX {qualified(index.schema, index.name)} ALTER COLUMN {int(attnum)} "
                   f"SET STATISTICS {int(target)};\n")
    return "".join(out)


def attach_index(parent: Index, child: Index) -> str:
    return f"ALTER INDEX {qualified(parent.schema, parent.name)} ATTACH PARTITION {qualified(child.schema, child.name)};\n"


def replica_identity_index(table: Table, index: Index) -> str:
    return f"ALTER TABLE ONLY {table_name(table)} REPLICA IDENTITY USING INDEX {ident(index.name)};\n"


RULE_STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def create_rule(table: Table, rule: Rule) -> str:
    sql = rule.definition.rstrip().rstrip(";") + ";\n"
    if rule.enabled in RULE_STATE:
        sql += f"ALTER TABLE {table_name(table)} {RULE_STATE[rule.enabled]} RULE {ident(rule.name)};\n"
    return sql


def cluster_on(table: Table, index: Index) -> str:
    return f"ALTER TABLE {table_name(table)} CLUSTER ON {ident(index.name)};\n"


def create_trigger(table: Table, trigger: Trigger) -> str:
    sql = "" if trigger.cloned else trigger.definition + ";\n"
    if trigger.cloned and trigger.enabled == "O":
        sql += f"ALTER TABLE {table_name(table)} ENABLE TRIGGER {ident(trigger.name)};\n"
    elif trigger.enabled in TRIGGER_STATE:
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
