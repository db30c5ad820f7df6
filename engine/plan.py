"""The dependency graph of everything a backup holds, and its deterministic order.

As in pg_dump: every object becomes one or more entries tagged with a section (pre-data,
data, post-data); edges come from pg_depend (folded onto the entries we emit) plus the
rules below; the order is a topological sort with a stable tie-break. Table data follows
the foreign-key graph, parents first, so that a CSV or data-only load is FK-safe.
"""

from __future__ import annotations

import heapq
from itertools import chain
from msgspec import Struct

from .catalog import Catalog
from .catalog.model import Column, Constraint, Index, Sequence, Table
from .ddl import common, constraints as ddl_con, foreign as ddl_foreign, objects as ddl_obj, tables as ddl_tab
from .ddl.quoting import ident, qualified
from .entries import register_kinds, repair_kinds
from .entries.extconfig import extension_data
from .errors import CatalogError
from .script import FOLLOWER_KINDS, RESTORE_PASSES

SECTIONS = ("pre-data", "data", "post-data")

# Tie-break among entries whose dependencies allow any order, as pg_dump_sort.c's priorities.
KIND_RANK = {
    "SCHEMA": 1, "EXTENSION": 2, "TYPE": 3, "DOMAIN": 4, "FUNCTION": 5, "PROCEDURE": 5,
    "SEQUENCE": 6, "TABLE": 7, "VIEW": 8, "MATERIALIZED VIEW": 8, "TABLE ATTACH": 9,
    "SEQUENCE OWNED BY": 10, "TABLE DATA": 11, "SEQUENCE SET": 12, "CONSTRAINT": 13,
    "INDEX": 14, "INDEX ATTACH": 15, "CLUSTER": 16, "TRIGGER": 17, "FK CONSTRAINT": 18,
    "POLICY": 19, "ROW SECURITY": 20, "MATERIALIZED VIEW DATA": 21,
    "COMMENT": 31, "ACL": 32,
    # The other kinds (entries/), placed as pg_dump_sort.c places them.
    "PROCEDURAL LANGUAGE": 2, "COLLATION": 2, "TRANSFORM": 2, "SHELL TYPE": 3, "CAST": 4.5, "AGGREGATE": 5.1,
    "OPERATOR": 5.2, "OPERATOR FAMILY": 5.3, "OPERATOR CLASS": 5.3, "CONVERSION": 5.4,
    "TEXT SEARCH PARSER": 5.5, "TEXT SEARCH TEMPLATE": 5.5, "TEXT SEARCH DICTIONARY": 5.6,
    "TEXT SEARCH CONFIGURATION": 5.7, "FOREIGN DATA WRAPPER": 5.8, "SERVER": 5.9, "USER MAPPING": 5.95,
    "FOREIGN TABLE": 7, "LARGE OBJECT": 10.5, "LARGE OBJECT DATA": 12.5, "STATISTICS": 14.5,
    "PUBLICATION": 19.5, "PUBLICATION TABLE": 19.6, "PUBLICATION TABLES IN SCHEMA": 19.6, "SUBSCRIPTION": 19.7,
    "SECURITY LABEL": 33,
    # Last: default privileges must not touch the objects the restore creates, and an event
    # trigger must not fire on the restore's own DDL.
    "DEFAULT ACL": 40, "EVENT TRIGGER": 41,
}


class Entry(Struct, gc=False):  # no cycles: never tracked by the garbage collector
    """One unit of the script: a statement group with its section and dependencies."""

    key: str
    kind: str
    section: str
    schema: str | None
    name: str
    sql: str
    owner: str | None = None
    deps: list[str] = []
    table_oid: int | None = None  # the relation this entry belongs to, if any (sequences included)
    drop: tuple[str, str, str | None] | None = None  # (kind, target, on table) for --clean
    # default_tablespace while the entry runs, as pg_dump's TOC entries: the name, '' for the
    # database's default, None for an entry that creates nothing stored (runs under any).
    tablespace: str | None = None
    # ALTER ... OWNER TO, written at the end of the entry's own text, as pg_dump writes an
    # object's owner within its TOC entry (an entry of its own for each, 10^4 on 10^4 tables,
    # was a seventh of the plan and of the script's items); --no-owner leaves it out.
    alter_owner: str = ""


class DataTable(Struct, frozen=True):
    """A table whose rows are copied, with its place in the FK order."""

    oid: int
    schema: str
    name: str
    columns: list[str]
    fk_rank: int
    size_bytes: int
    pages: int
    condition: str = ""  # an extension configuration table's filter ('WHERE ...'), copied as recorded


class Plan(Struct):
    entries: list[Entry]
    data_tables: list[DataTable]  # in FK order, parents first
    fk_cycles: list[list[str]]  # each a list of qualified table names


class _Builder:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.entries: dict[str, Entry] = {}
        self.defining: dict[str, str] = {}  # catalog identity -> key of the entry creating it
        self.tables = {t.oid: t for t in catalog.tables}
        self.depends: list[tuple[str, str]] = []  # pg_depend (dependent, referenced) identities
        # What a loop-breaking rule may split from its relation, keyed by catalog identity.
        self.view_rules: dict[str, str] = {}  # view entry key -> identity of its _RETURN rule
        self.attrdefs: dict[str, tuple[Table, Column]] = {}  # pg_attrdef identity -> its column
        self.inline_checks: dict[str, Constraint] = {}  # CHECKs written inside CREATE TABLE
        self.separate: set[str] = set()  # identities of defaults and checks written on their own

    def add(self, entry: Entry, identity: str | None = None) -> Entry:
        if self.entries.setdefault(entry.key, entry) is not entry:
            raise CatalogError(f"duplicate plan entry {entry.key}")
        if identity:
            self.defining[identity] = entry.key
        return entry

    def add_extras(self, base: Entry, kind: str, target: str, owner: str | None, acl, comment,
                   grant_kind: str | None = None) -> None:
        """An object's owner (in its own entry), and the COMMENT and ACL entries that follow it.

        `grant_kind` is GRANT's word where it differs from ALTER's and COMMENT's (an aggregate's
        privileges are granted ON FUNCTION, a server's ON FOREIGN SERVER).
        """
        if owner:
            base.alter_owner = common.owner_to(kind, target, owner)
        if comment is not None:
            self.add(Entry(base.key + "/comment", "COMMENT", base.section, base.schema, base.name,
                           common.comment_on(kind, target, comment), owner, [base.key], base.table_oid))
        if acl is not None:
            self.add(Entry(base.key + "/acl", "ACL", base.section, base.schema, base.name,
                           common.grants(grant_kind or kind, target, owner or "", acl), owner, [base.key],
                           base.table_oid))


def build_plan(catalog: Catalog, include_data: bool = True) -> Plan:
    """Entries for every object in the catalog, ordered; the FK order of the table data."""
    b = _Builder(catalog)
    _schemas_and_types(b)
    _functions(b)
    _relations(b)
    _sequences(b)
    _constraints_and_indexes(b)
    _triggers_and_policies(b)
    register_kinds(b, include_data)
    _dependency_edges(b)
    repair_kinds(b)
    data_tables, cycles = [], []  # without data, there is no data order to decide
    if include_data:
        data_tables, cycles = _fk_order(catalog)
        _data_entries(b, data_tables)
        data_tables += extension_data(b, len(data_tables))
    ordered = _order(b, {t.oid: t.fk_rank for t in data_tables})
    return Plan(ordered, data_tables, cycles)


def _schemas_and_types(b: _Builder) -> None:
    for schema in b.catalog.schemas:
        target = ident(schema.name)
        # The public schema exists in every new database; only its properties are dumped.
        sql = "" if schema.name == "public" else ddl_obj.create_schema(schema)
        entry = b.add(Entry(f"pg_namespace:{schema.oid}", "SCHEMA", "pre-data", None, schema.name, sql,
                            schema.owner, drop=("SCHEMA", target, None) if sql else None),
                      f"pg_namespace:{schema.oid}")
        b.add_extras(entry, "SCHEMA", target, schema.owner, schema.acl, schema.comment)
    for ext in b.catalog.extensions:
        entry = b.add(Entry(f"pg_extension:{ext.oid}", "EXTENSION", "pre-data", None, ext.name,
                            ddl_obj.create_extension(ext), drop=("EXTENSION", ident(ext.name), None)),
                      f"pg_extension:{ext.oid}")
        b.add_extras(entry, "EXTENSION", ident(ext.name), None, None, ext.comment)
    for kind, items, render in (
        ("TYPE", b.catalog.enums, ddl_obj.create_enum),
        ("TYPE", b.catalog.composites, ddl_obj.create_composite),
        ("DOMAIN", b.catalog.domains, ddl_obj.create_domain),
    ):
        for item in items:
            entry = b.add(Entry(f"pg_type:{item.oid}", kind, "pre-data", item.schema, item.name, render(item),
                                item.owner, drop=(kind, qualified(item.schema, item.name), None)),
                          f"pg_type:{item.oid}")
            b.add_extras(entry, kind, qualified(item.schema, item.name), item.owner, item.acl, item.comment)


def _functions(b: _Builder) -> None:
    for func in b.catalog.functions:
        kind = ddl_obj.function_kind(func)
        entry = b.add(Entry(f"pg_proc:{func.oid}", kind, "pre-data", func.schema,
                            f"{func.name}({func.identity_args})", ddl_obj.create_function(func), func.owner,
                            drop=(kind, ddl_obj.function_signature(func), None)),
                      f"pg_proc:{func.oid}")
        b.add_extras(entry, kind, ddl_obj.function_signature(func), func.owner, func.acl, func.comment)


def _relations(b: _Builder) -> None:
    for con in b.catalog.constraints:
        if _inline_check(b, con):
            b.inline_checks[f"pg_constraint:{con.oid}"] = con
            b.defining[f"pg_constraint:{con.oid}"] = f"pg_class:{con.table_oid}"
    rules = {r.table_oid: r for r in b.catalog.rules if r.name == "_RETURN"}
    for table in b.catalog.tables:
        target = ddl_tab.table_name(table)
        key = f"pg_class:{table.oid}"
        if table.relkind in ("v", "m"):
            kind = "VIEW" if table.relkind == "v" else "MATERIALIZED VIEW"
            sql = ddl_tab.create_view(table)
            if table.oid in rules:
                b.defining[f"pg_rewrite:{rules[table.oid].oid}"] = key
                if table.relkind == "v":
                    b.view_rules[key] = f"pg_rewrite:{rules[table.oid].oid}"
        else:
            kind = "FOREIGN TABLE" if table.relkind == "f" else "TABLE"
            sql = ""  # rendered once the plan knows which defaults and checks are separate
        entry = b.add(Entry(key, kind, "pre-data", table.schema, table.name, sql, table.owner, [], table.oid,
                            ("TABLE" if kind == "TABLE" else kind, target, None), table.tablespace), key)
        b.defining[f"pg_type:{table.rowtype}"] = entry.key
        b.add_extras(entry, kind, target, table.owner, table.acl, table.comment, grant_kind="TABLE")
        _column_defaults(b, table, entry)
        for col in table.columns:
            if col.comment is not None:
                b.add(Entry(f"{entry.key}/comment/{col.attnum}", "COMMENT", "pre-data", table.schema,
                            f"{table.name}.{col.name}",
                            common.comment_on("COLUMN", f"{target}.{ident(col.name)}", col.comment),
                            table.owner, [entry.key], table.oid))
            if col.acl is not None:
                b.add(Entry(f"{entry.key}/acl/{col.attnum}", "ACL", "pre-data", table.schema,
                            f"{table.name}.{col.name}",
                            common.grants("TABLE", target, table.owner, col.acl, column=col.name),
                            table.owner, [entry.key], table.oid))
        if table.partition_bound and table.parents and table.parents[0] in b.tables:
            parent = b.tables[table.parents[0]]
            b.add(Entry(entry.key + "/attach", "TABLE ATTACH", "pre-data", table.schema, table.name,
                        ddl_tab.attach_partition(parent, table), table.owner,
                        [entry.key, f"pg_class:{parent.oid}"], table.oid))
        if table.relkind == "m":
            b.add(Entry(entry.key + "/refresh", "MATERIALIZED VIEW DATA", "post-data", table.schema, table.name,
                        ddl_tab.refresh_matview(table), table.owner, [entry.key], table.oid))
        if table.rls_enabled or table.rls_forced:
            b.add(Entry(entry.key + "/rls", "ROW SECURITY", "post-data", table.schema, table.name,
                        ddl_con.row_security(table), table.owner, [entry.key], table.oid))
    _rules(b)


def _inline_check(b: _Builder, con: Constraint) -> bool:
    """A CHECK that CREATE TABLE can hold: valid, declared on this table (pg_dump's rule)."""
    table = b.tables.get(con.table_oid)
    return (con.contype == "c" and con.validated and con.is_local and table is not None
            and table.relkind not in ("v", "m"))


def _column_defaults(b: _Builder, table: Table, entry: Entry) -> None:
    """Register each column default; those CREATE cannot hold become DEFAULT entries now.

    A view's defaults, and an inherited column's default that differs from its parent's, are
    always separate; any other may be split later by a loop-breaking rule.
    """
    parents = [b.tables[p] for p in table.parents if p in b.tables]
    # Without parents, a column without a default has nothing to register.
    columns = table.columns if parents else [c for c in table.columns if c.default_oid or c.default is not None]
    if not columns:
        return
    printed = {c.attnum for c in ddl_tab.printed_columns(table, parents)} if table.relkind not in ("v", "m") else set()
    inherited_defaults = {c.name: c.default for p in parents for c in p.columns if c.default is not None}
    for col in columns:
        identity = f"pg_attrdef:{col.default_oid}" if col.default_oid else None
        if col.generated:
            if identity:
                b.defining[identity] = entry.key  # a generation expression cannot be split off
            continue
        if col.attnum in printed:
            if identity:
                b.defining[identity] = entry.key
                b.attrdefs[identity] = (table, col)
            continue
        if table.partition_bound:
            continue
        if col.default == inherited_defaults.get(col.name) and table.relkind not in ("v", "m"):
            if identity:
                b.defining[identity] = entry.key
            continue
        if col.default is None and col.name not in inherited_defaults:
            continue
        b.attrdefs[identity or f"{entry.key}/nodefault/{col.attnum}"] = (table, col)
        _separate_default(b, identity or f"{entry.key}/nodefault/{col.attnum}")


def _separate_default(b: _Builder, identity: str) -> None:
    table, col = b.attrdefs[identity]
    key = f"pg_class:{table.oid}/default/{col.attnum}"
    b.separate.add(identity)
    b.add(Entry(key, "DEFAULT", "pre-data", table.schema, f"{table.name} {col.name}",
                ddl_tab.set_default(table, col), table.owner, [f"pg_class:{table.oid}"], table.oid,
                ("DEFAULT", ident(col.name), f"ONLY {ddl_tab.table_name(table)}") if col.default else None), identity)


def _separate_check(b: _Builder, identity: str) -> None:
    con = b.inline_checks[identity]
    table = b.tables[con.table_oid]
    target = ddl_con.constraint_table(table, con)
    b.separate.add(identity)
    b.add(Entry(identity, "CONSTRAINT", "post-data", table.schema, f"{table.name} {con.name}",
                ddl_con.add_constraint(table, con, target=target), table.owner, [f"pg_class:{table.oid}"], table.oid,
                ("CONSTRAINT", ident(con.name), target)), identity)


def _split_view(b: _Builder, key: str, section: str) -> None:
    """pg_dump's rule for a view in a loop: a dummy view first, CREATE OR REPLACE VIEW later."""
    view = b.tables[b.entries[key].table_oid]
    identity = b.view_rules.pop(key)
    b.entries[key].sql = ddl_tab.create_dummy_view(view)
    dummy = ddl_tab.create_dummy_view(view, replace=True)
    b.add(Entry(key + "/rule", "RULE", section, view.schema, f"{view.name} _RETURN",
                ddl_tab.create_view(view, replace=True), view.owner, [key], view.oid,
                ("VIEW QUERY", dummy, ddl_tab.table_name(view))), identity)
    for entry in b.entries.values():
        if entry.kind == "MATERIALIZED VIEW DATA":
            entry.deps.append(key + "/rule")


def _render_tables(b: _Builder) -> None:
    """CREATE TABLE text, now that the loop-breaking rules have said what stays inline."""
    identities: dict[int, dict[str, Sequence]] = {}  # table oid -> column name -> its identity sequence
    for seq in b.catalog.sequences:
        if seq.identity:
            identities.setdefault(seq.owned_by_table, {})[seq.owned_by_column] = seq
    foreign = {f.oid: f for f in b.catalog.kinds.foreign_tables}
    checks: dict[int, list[Constraint]] = {}
    for identity, con in b.inline_checks.items():
        if identity not in b.separate:
            checks.setdefault(con.table_oid, []).append(con)
    separate: dict[int, set[int]] = {}
    for identity, (table, col) in b.attrdefs.items():
        if identity in b.separate:
            separate.setdefault(table.oid, set()).add(col.attnum)
    for table in b.catalog.tables:
        if table.relkind in ("v", "m"):
            continue
        parents = [b.tables[p] for p in table.parents if p in b.tables]
        ids = identities.get(table.oid, {})
        table_checks, table_separate = checks.get(table.oid, []), separate.get(table.oid, set())
        if table.relkind == "f":
            sql = ddl_foreign.create_foreign_table(table, foreign[table.oid], table_checks, parents, table_separate)
        else:
            sql = ddl_tab.create_table(table, table_checks, ids, parents, table_separate)
        b.entries[f"pg_class:{table.oid}"].sql = sql


def _rules(b: _Builder) -> None:
    for rule in b.catalog.rules:
        if rule.name == "_RETURN" or rule.table_oid not in b.tables:
            continue
        table = b.tables[rule.table_oid]
        key = f"pg_rewrite:{rule.oid}"
        b.add(Entry(key, "RULE", "post-data", table.schema, f"{table.name} {rule.name}",
                    ddl_con.create_rule(table, rule), table.owner, [f"pg_class:{table.oid}"], table.oid,
                    ("RULE", ident(rule.name), ddl_tab.table_name(table))), key)
        _comment_on_table_object(b, key, "RULE", rule.name, table, rule.comment)


def _sequences(b: _Builder) -> None:
    for seq in b.catalog.sequences:
        key = f"pg_class:{seq.oid}"
        if seq.identity:
            # Created by its column's GENERATED ... AS IDENTITY; its value is set with the data.
            b.defining[key] = f"pg_class:{seq.owned_by_table}"
            continue
        entry = b.add(Entry(key, "SEQUENCE", "pre-data", seq.schema, seq.name, ddl_tab.create_sequence(seq),
                            seq.owner, [], seq.oid, ("SEQUENCE", qualified(seq.schema, seq.name), None)), key)
        b.add_extras(entry, "SEQUENCE", qualified(seq.schema, seq.name), seq.owner, seq.acl, seq.comment)
        if seq.owned_by_table in b.tables:
            b.add(Entry(key + "/owned_by", "SEQUENCE OWNED BY", "pre-data", seq.schema, seq.name,
                        ddl_tab.sequence_owned_by(seq, b.tables[seq.owned_by_table]), seq.owner,
                        [key, f"pg_class:{seq.owned_by_table}"], seq.oid))


def _index_attaches(index_oid: int | None, children: dict[int, list[int]]) -> list[str]:
    """The INDEX ATTACH entries that make a partitioned index valid, down every level of partitions.

    A foreign key referencing a partitioned table needs its key's index valid, so it waits for
    these (pg_dump's addConstrChildIdxDeps); its pg_depend edges name only the parent index.
    """
    keys, stack = [], [index_oid] if index_oid is not None else []
    while stack:
        for child in children.get(stack.pop(), []):
            keys.append(f"pg_class:{child}/attach")
            stack.append(child)
    return keys


def _constraints_and_indexes(b: _Builder) -> None:
    index_by_oid = {i.oid: i for i in b.catalog.indexes}
    children: dict[int, list[int]] = {}
    for index in b.catalog.indexes:
        if index.parent_oid is not None:
            children.setdefault(index.parent_oid, []).append(index.oid)
    for con in b.catalog.constraints:
        table = b.tables[con.table_oid]
        key = f"pg_constraint:{con.oid}"
        if key in b.inline_checks:
            _constraint_comment(b, table, con)
            continue  # inline in CREATE TABLE, unless a loop-breaking rule splits it off
        if con.contype == "n" and (con.validated or not con.is_local):
            continue  # PostgreSQL 18: NOT NULL is part of the column definition
        if con.parent_oid is not None and con.contype == "f":
            continue  # created on every partition by the parent's constraint
        if not con.is_local and con.contype in "cn":
            continue  # inherited from a parent
        kind = "FK CONSTRAINT" if con.contype == "f" else "CONSTRAINT"
        index = index_by_oid.get(con.index_oid) if con.contype in "pux" else None
        deps = [f"pg_class:{table.oid}"]
        if con.contype == "f" and children:
            deps += _index_attaches(con.index_oid, children)
        target = ddl_con.constraint_table(table, con)
        b.add(Entry(key, kind, "post-data", table.schema, f"{table.name} {con.name}",
                    ddl_con.add_constraint(table, con, index, target), table.owner, deps, table.oid,
                    # One inherited from a partitioned parent goes with the parent's (as pg_dump).
                    None if con.parent_oid else (kind, ident(con.name), target),
                    index.tablespace if index is not None else None), key)
        if index is not None:
            b.defining[f"pg_class:{con.index_oid}"] = key
        if con.comment is not None:
            _constraint_comment(b, table, con)
    for index in b.catalog.indexes:
        table = b.tables[index.table_oid]
        key = f"pg_class:{index.oid}"
        if index.constraint_oid is None:
            entry = b.add(Entry(key, "INDEX", "post-data", index.schema, index.name, ddl_con.create_index(index),
                                None, [f"pg_class:{table.oid}"], table.oid,
                                None if index.parent_oid else ("INDEX", qualified(index.schema, index.name), None),
                                index.tablespace),
                          key)
            if index.comment is not None:
                b.add_extras(entry, "INDEX", qualified(index.schema, index.name), None, None, index.comment)
        elif index.comment is not None and f"pg_constraint:{index.constraint_oid}" in b.entries:
            # A constraint's index has a comment of its own, apart from the constraint's (as pg_dump).
            b.add(Entry(key + "/comment", "COMMENT", "post-data", index.schema, index.name,
                        common.comment_on("INDEX", qualified(index.schema, index.name), index.comment),
                        table.owner, [f"pg_constraint:{index.constraint_oid}"], table.oid))
        if index.parent_oid in index_by_oid:
            parent = index_by_oid[index.parent_oid]
            b.add(Entry(key + "/attach", "INDEX ATTACH", "post-data", index.schema, index.name,
                        ddl_con.attach_index(parent, index), None,
                        [_index_creator(b, index), _index_creator(b, parent)], table.oid))
        if index.replident:
            b.add(Entry(key + "/replident", "REPLICA IDENTITY", "post-data", index.schema, index.name,
                        ddl_con.replica_identity_index(table, index), None, [_index_creator(b, index)],
                        table.oid))
        if index.clustered:
            b.add(Entry(key + "/cluster", "CLUSTER", "post-data", index.schema, index.name,
                        ddl_con.cluster_on(table, index), None, [_index_creator(b, index)], table.oid))


def _constraint_comment(b: _Builder, table: Table, con: Constraint) -> None:
    _comment_on_table_object(b, f"pg_constraint:{con.oid}", "CONSTRAINT", con.name, table, con.comment)


def _comment_on_table_object(b: _Builder, key: str, kind: str, name: str, table: Table,
                             comment: str | None) -> None:
    """COMMENT ON {kind} name ON table: for objects whose names live within their table."""
    if comment is None:
        return
    target = f"{ident(name)} ON {ddl_tab.table_name(table)}"
    b.add(Entry(key + "/comment", "COMMENT", "post-data", table.schema, f"{table.name} {name}",
                common.comment_on(kind, target, comment), table.owner, [key], table.oid))


def _index_creator(b: _Builder, index: Index) -> str:
    return f"pg_constraint:{index.constraint_oid}" if index.constraint_oid else f"pg_class:{index.oid}"


def _triggers_and_policies(b: _Builder) -> None:
    by_name = {(t.table_oid, t.name): f"pg_trigger:{t.oid}" for t in b.catalog.triggers if not t.cloned}
    for trig in b.catalog.triggers:
        table = b.tables[trig.table_oid]
        key = f"pg_trigger:{trig.oid}"
        deps = [f"pg_class:{table.oid}"]
        if trig.cloned:  # its state is set once the ancestor's CREATE TRIGGER has cloned it
            ancestor = table
            while ancestor.parents and ancestor.parents[0] in b.tables:
                ancestor = b.tables[ancestor.parents[0]]
                deps.append(f"pg_class:{table.oid}/attach")
                if (ancestor.oid, trig.name) in by_name:
                    deps.append(by_name[(ancestor.oid, trig.name)])
                    break
        drop = None if trig.cloned else ("TRIGGER", ident(trig.name), ddl_tab.table_name(table))
        b.add(Entry(key, "TRIGGER", "post-data", table.schema, f"{table.name} {trig.name}",
                    ddl_con.create_trigger(table, trig), table.owner, deps, table.oid, drop), key)
        _comment_on_table_object(b, key, "TRIGGER", trig.name, table, trig.comment)
    for pol in b.catalog.policies:
        table = b.tables[pol.table_oid]
        key = f"pg_policy:{pol.oid}"
        b.add(Entry(key, "POLICY", "post-data", table.schema, f"{table.name} {pol.name}",
                    ddl_con.create_policy(table, pol), table.owner, [f"pg_class:{table.oid}"], table.oid,
                    ("POLICY", ident(pol.name), ddl_tab.table_name(table))), key)
        _comment_on_table_object(b, key, "POLICY", pol.name, table, pol.comment)


def _dependency_edges(b: _Builder) -> None:
    """pg_depend edges (kept as identities, resolved when ordering), plus schema and refresh edges.

    A serial column's sequence is OWNED BY its table ('a' edge sequence -> table) while the
    table's default needs the sequence: we create the sequence first and say OWNED BY after.
    """
    owned = {(f"pg_class:{s.oid}", f"pg_class:{s.owned_by_table}") for s in b.catalog.sequences}
    b.depends = [edge for edge in b.catalog.depends if edge not in owned]
    # An entry comes after its schema's; through another entry of that schema it needs (an
    # index its table, a comment its object) it already does: 10^5 edges fewer to sort and record.
    schema_keys = {s.name: f"pg_namespace:{s.oid}" for s in b.catalog.schemas}
    entries = b.entries
    for entry in entries.values():
        schema_key = schema_keys.get(entry.schema)
        if schema_key is None or entry.key == schema_key:
            continue
        for dep in entry.deps:
            other = entries.get(dep)
            if other is not None and other.schema == entry.schema:
                break
        else:
            entry.deps.append(schema_key)


def _refresh_edges(b: _Builder, graph: "_Graph") -> None:
    """A materialized view is refreshed after those it reads from, directly or through views
    (as pg_dump's buildMatViewRefreshDependencies; edges already resolved)."""
    refreshes = [e for e in b.entries.values() if e.kind == "MATERIALIZED VIEW DATA"]
    if not refreshes:
        return
    number, keys = graph.number, graph.keys
    through = {number[e.key] for e in b.entries.values() if e.kind == "VIEW" or e.key.endswith("/rule")}
    for entry in refreshes:
        stack, seen = [number[entry.key.removesuffix("/refresh")]], set()
        while stack:
            for dep in graph.pred[stack.pop()]:
                if dep in seen:
                    continue
                seen.add(dep)
                refresh = number.get(keys[dep] + "/refresh")
                if refresh is not None:
                    graph.add_edge(refresh, number[entry.key])
                elif dep in through:
                    stack.append(dep)


def _fk_order(catalog: Catalog) -> tuple[list[DataTable], list[list[str]]]:
    """Tables with rows, parents before children; cycles kept together and reported."""
    import networkx as nx  # noqa: PLC0415 - a tenth of a second to import: only backups with data need it

    copied = [t for t in catalog.tables if t.relkind == "r"]
    names = {t.oid: qualified(t.schema, t.name) for t in copied}
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    by_oid = {t.oid: t for t in catalog.tables}
    partitions: dict[int, list[int]] = {}
    for t in catalog.tables:
        if t.partition_bound and t.parents:
            partitions.setdefault(t.parents[0], []).append(t.oid)
    for con in catalog.constraints:
        if con.contype != "f" or con.ref_table_oid is None:
            continue
        for child in _leaves(con.table_oid, partitions, by_oid):
            for parent in _leaves(con.ref_table_oid, partitions, by_oid):
                if child != parent:
                    graph.add_edge(parent, child)
    condensed = nx.condensation(graph)
    members = condensed.graph["mapping"]
    groups: dict[int, list[int]] = {}
    for oid, group in members.items():
        groups.setdefault(group, []).append(oid)
    order_key = {g: min((by_oid[o].schema, by_oid[o].name) for o in oids) for g, oids in groups.items()}
    ordered: list[int] = []
    cycles = []
    for group in nx.lexicographical_topological_sort(condensed, key=lambda g: order_key[g]):
        oids = sorted(groups[group], key=lambda o: (by_oid[o].schema, by_oid[o].name))
        if len(oids) > 1:
            cycles.append([names[o] for o in oids])
        ordered.extend(oids)
    tables = [
        DataTable(oid, by_oid[oid].schema, by_oid[oid].name, ddl_tab.copy_columns(by_oid[oid]), rank,
                  by_oid[oid].size_bytes, by_oid[oid].pages)
        for rank, oid in enumerate(ordered)
    ]
    return tables, cycles


def _leaves(oid: int, partitions: dict[int, list[int]], by_oid: dict[int, Table]) -> list[int]:
    """A partitioned table's rows live in its leaf partitions."""
    table = by_oid.get(oid)
    if table is None:
        return []
    if table.relkind != "p":
        return [oid]
    return [leaf for child in partitions.get(oid, []) for leaf in _leaves(child, partitions, by_oid)]


def _data_entries(b: _Builder, data_tables: list[DataTable]) -> None:
    for table in data_tables:
        source = b.tables[table.oid]
        b.add(Entry(f"pg_class:{table.oid}/data", "TABLE DATA", "data", table.schema, table.name,
                    ddl_tab.copy_from_stdin(source), source.owner, [f"pg_class:{table.oid}"], table.oid))
    for seq in b.catalog.sequences:
        key = f"pg_class:{seq.oid}"
        creator = b.defining.get(key)
        if creator:
            b.add(Entry(key + "/set", "SEQUENCE SET", "data", seq.schema, seq.name, ddl_tab.sequence_set(seq),
                        seq.owner, [creator], seq.owned_by_table if seq.identity else seq.oid))


def drop_entries(entries: list[Entry], if_exists: bool) -> list[Entry]:
    """--clean: a DROP for every entry that creates something, in reverse dependency order."""
    drops = []
    for entry in reversed(entries):
        if entry.drop is not None:
            kind, target, table = entry.drop
            drops.append(Entry(entry.key + "/drop", entry.kind, entry.section, entry.schema, entry.name,
                               common.drop_statement(kind, target, table, if_exists), entry.owner, [],
                               entry.table_oid))
    return drops


class _Graph:
    """Edges dependency -> dependent between entries by number (their place in `entries`), each
    with the catalog identity (`via`) that made it, if any.

    Lists of ints: at 10^5 entries, a dict per node (or networkx's DiGraph) costs more to build
    and to free than the sort itself.
    """

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.keys = keys = [entry.key for entry in entries]
        self.number = {key: i for i, key in enumerate(keys)}
        self.succ: list[list[int]] = [[] for _ in keys]
        self.pred: list[list[int]] = [[] for _ in keys]
        self.via: dict[int, str] = {}  # edge code (see _code) -> identity
        self.codes: set[int] = set()

    def _code(self, source: int, target: int) -> int:
        return source * len(self.keys) + target

    def add_edge(self, source: int, target: int, via: str | None = None) -> None:
        """The first edge between two entries wins, with its `via`; a self-edge is no edge."""
        code = source * len(self.keys) + target
        if source != target and code not in self.codes:
            self.codes.add(code)
            self.succ[source].append(target)
            self.pred[target].append(source)
            if via is not None:
                self.via[code] = via

    def via_of(self, source: str, target: str) -> str | None:
        return self.via.get(self._code(self.number[source], self.number[target]))

    def find_cycle(self) -> list[tuple[str, str]]:
        """One cycle, as (dependency, dependent) key pairs."""
        import networkx as nx  # noqa: PLC0415 - only a loop to repair needs it

        digraph = nx.DiGraph()
        digraph.add_edges_from((source, target) for source, targets in enumerate(self.succ) for target in targets)
        return [(self.keys[a], self.keys[b]) for a, b in nx.find_cycle(digraph)]


# Entries that may follow their object rather than be ordered on their own: a comment, a
# security label, and a privilege (restored in a later pass: see _order).
_FOLLOWING = (*FOLLOWER_KINDS, "ACL")


def _followers(b: _Builder) -> dict[str, list[Entry]]:
    """Entries of _FOLLOWING that need only their object and that nothing needs, by object.

    They stay out of the graph (at 10^5 entries, nearly half of them): each goes right after
    its object, wherever the order puts it, or where its restore pass begins (_order).
    """
    entries = b.entries
    needed = set(b.defining.values())  # pg_depend edges may resolve to these
    # A follower's dependencies too: one that another follows stays in the graph.
    needed.update(chain.from_iterable(entry.deps for entry in entries.values()))
    following: dict[str, list[Entry]] = {}
    for entry in entries.values():
        if entry.kind in _FOLLOWING and entry.key not in needed:
            deps = entry.deps
            if len(deps) == 1 and deps[0] in entries:
                following.setdefault(deps[0], []).append(entry)
    return following


def _graph(b: _Builder, following: dict[str, list[Entry]]) -> _Graph:
    followers = {entry.key for entries in following.values() for entry in entries}
    graph = _Graph([entry for key, entry in b.entries.items() if key not in followers])
    number, add = graph.number, graph.add_edge
    get = number.get
    for i, entry in enumerate(graph.entries):
        for dep in entry.deps:
            j = get(dep)
            if j is not None:
                add(j, i)
    # A catalog identity's entry is the one creating it; an extension member's, its extension's.
    defining, members = b.defining, b.catalog.extension_members
    for dependent, referenced in b.depends:
        key = defining.get(members.get(dependent, dependent) if members else dependent)
        if key is None:
            continue
        target = defining.get(members.get(referenced, referenced) if members else referenced)
        if target is not None:
            add(number[target], number[key], dependent)  # via: the catalog identity that made the edge
    _refresh_edges(b, graph)
    return graph


def _fix_sections(b: _Builder, graph: _Graph) -> bool:
    """An entry needing one of a later section: split a view (its query moves later, as pg_dump
    does), else pull the needed entry forward. True if the graph changed."""
    rank = {s: i for i, s in enumerate(SECTIONS)}
    entries = graph.entries
    section_rank = [rank[entry.section] for entry in entries]
    changed = True
    while changed:
        changed = False
        for dep, dependents in enumerate(graph.succ):
            if section_rank[dep] == 0:
                continue  # pre-data is never later than anything
            for node in dependents:
                if section_rank[dep] <= section_rank[node]:
                    continue
                key = graph.keys[node]
                if key in b.view_rules:
                    _split_view(b, key, entries[dep].section)
                    return True
                entries[dep].section = entries[node].section
                section_rank[dep] = section_rank[node]
                changed = True
    return False


def _repair_loop(b: _Builder, graph: _Graph, cycle: list[tuple[str, str]]) -> bool:
    """pg_dump_sort.c's loop repairs: split a view, then a column default, then a CHECK."""
    for dep, key in cycle:
        if key in b.view_rules:
            _split_view(b, key, b.entries[key].section)
            return True
    for dep, key in cycle:
        via = graph.via_of(dep, key)
        if via in b.attrdefs and via not in b.separate:
            _separate_default(b, via)
            return True
        if via in b.inline_checks and via not in b.separate:
            _separate_check(b, via)
            return True
    return False


def _topological(graph: _Graph, order_of: list[int]) -> list[int] | None:
    """Kahn's algorithm taking the first node in `order_of` among the ready ones; None on a cycle.

    The heap holds places in `order_of`, plain ints. networkx's
    lexicographical_topological_sort does the same, several times slower on 10^5 nodes.
    """
    place = [0] * len(order_of)
    for i, node in enumerate(order_of):
        place[node] = i
    succ = graph.succ
    indegree = [len(preds) for preds in graph.pred]
    ready = [place[node] for node, degree in enumerate(indegree) if degree == 0]
    heapq.heapify(ready)
    order = []
    pop, push = heapq.heappop, heapq.heappush
    while ready:
        node = order_of[pop(ready)]
        order.append(node)
        for child in succ[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                push(ready, place[child])
    return order if len(order) == len(order_of) else None


_PASS_OF = {kind: number for number, kinds in enumerate(RESTORE_PASSES, 1) for kind in kinds}


def _passes(entries: list[Entry], order: list[int], succ: list[list[int]]) -> list[list[int]]:
    """`order` split by restore pass, each pass in its own order; an entry that one of an
    earlier pass needs moves to that pass (the restore's phases follow the same rule)."""
    passes = [_PASS_OF.get(entry.kind, 0) for entry in entries]
    later = [node for node in order if passes[node]]
    if not later:
        return [order] + [[] for _ in RESTORE_PASSES]
    moved = True
    while moved:
        moved = False
        for node in later:
            if succ[node]:  # most (a table's GRANTs) have no dependents at all
                earliest = min(passes[child] for child in succ[node])
                if earliest < passes[node]:
                    passes[node], moved = earliest, True
    return [[node for node in order if not passes[node]]] + [
        [node for node in later if passes[node] == number] for number in range(1, len(RESTORE_PASSES) + 1)]


def _order(b: _Builder, fk_rank: dict[int, int]) -> list[Entry]:
    """Topological order, sections first, with a deterministic tie-break; loops repaired first."""
    # Section and kind in one number (kind ranks are below 100): one comparison fewer each.
    rank = {s: 100 * i for i, s in enumerate(SECTIONS)}
    kind_rank = KIND_RANK.get

    def sort_keys(entries: list[Entry]) -> list[tuple]:
        return [(rank[e.section] + kind_rank(e.kind, 50),
                 fk_rank.get(e.table_oid, 0) if e.kind == "TABLE DATA" else 0, e.schema or "", e.name, e.key)
                for e in entries]

    while True:
        following = _followers(b)
        graph = _graph(b, following)
        if _fix_sections(b, graph):
            continue
        entries = graph.entries  # by number
        order = _topological(graph, sorted(range(len(entries)), key=sort_keys(entries).__getitem__))
        if order is not None:
            break
        cycle = graph.find_cycle()
        if not _repair_loop(b, graph, cycle):
            names = " -> ".join(f"{b.entries[a].kind} {b.entries[a].name}" for a, _ in cycle)
            raise CatalogError(f"circular dependency between objects that no rule can break: {names}") from None
    _render_tables(b)
    keys = graph.keys
    for node, preds in enumerate(graph.pred):  # the TOC records every dependency, for a parallel restore
        entries[node].deps = [keys[p] for p in preds]  # in insertion order: deterministic
    # A follower of a later pass than its object's (a privilege) waits for the start of that
    # pass, in its object's order, as pg_dump's restore writes them.
    ordered: list[Entry] = []
    waiting: list[list[Entry]] = [[] for _ in range(len(RESTORE_PASSES) + 1)]
    for number, nodes in enumerate(_passes(entries, order, graph.succ)):
        ordered += waiting[number]
        for node in nodes:
            entry = entries[node]
            ordered.append(entry)
            for follower in following.get(entry.key, ()):
                follower.section = entry.section
                later = _PASS_OF.get(follower.kind, 0)
                (waiting[later] if later > number else ordered).append(follower)
    if len(ordered) != len(b.entries):  # every entry is a graph node or follows one
        raise CatalogError(f"the plan lost {len(b.entries) - len(ordered)} of its entries (a bug)")
    return ordered
