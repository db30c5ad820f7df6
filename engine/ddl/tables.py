"""CREATE statements for tables, views, materialized views and sequences."""

from __future__ import annotations

from ..catalog.model import Column, Constraint, Sequence, Table
from .quoting import ident, literal, qualified

STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
COMPRESSION = {"p": "pglz", "l": "lz4"}
REPLICA_IDENTITY = {"n": "NOTHING", "f": "FULL"}


def table_name(table: Table) -> str:
    return qualified(table.schema, table.name)


def identity_clause(column: Column, sequence: Sequence | None) -> str:
    kind = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
    if sequence is None:
        return f" GENERATED {kind} AS IDENTITY"
    options = (
        f"SEQUENCE NAME {qualified(sequence.schema, sequence.name)} START WITH {sequence.start}"
        f" INCREMENT BY {sequence.increment} MINVALUE {sequence.minimum} MAXVALUE {sequence.maximum}"
        f" CACHE {sequence.cache}{' CYCLE' if sequence.cycle else ''}"
    )
    return f" GENERATED {kind} AS IDENTITY ({options})"


def column_definition(table: Table, column: Column, identity: Sequence | None) -> str:
    sql = f"    {ident(column.name)} {column.type}"
    if column.collation:
        sql += f" COLLATE {column.collation}"
    if column.generated:
        mode = "STORED" if column.generated == "s" else "VIRTUAL"
        sql += f" GENERATED ALWAYS AS ({column.default}) {mode}"
    elif column.default is not None:
        sql += f" DEFAULT {column.default}"
    if column.identity:
        sql += identity_clause(column, identity)
    if column.notnull and column.notnull_name and column.notnull_name != f"{table.name}_{column.name}_not_null":
        sql += f" CONSTRAINT {ident(column.notnull_name)} NOT NULL"
    elif column.notnull:
        sql += " NOT NULL"
    return sql


def create_table(table: Table, checks: list[Constraint], identities: dict[str, Sequence],
                 parents: list[Table]) -> str:
    """CREATE TABLE with its local columns and inline CHECKs; partitions attach separately."""
    inherits = [p for p in parents if not table.partition_bound]
    columns = [c for c in table.columns if c.is_local or not inherits]
    lines = [column_definition(table, c, identities.get(c.name)) for c in columns]
    lines += [f"    CONSTRAINT {ident(c.name)} {c.definition}" for c in checks]
    unlogged = "UNLOGGED " if table.persistence == "u" else ""
    if table.of_type:
        # Typed tables take their columns from the type.
        sql = f"CREATE {unlogged}TABLE {table_name(table)} OF {table.of_type}"
    else:
        sql = f"CREATE {unlogged}TABLE {table_name(table)} (\n" + ",\n".join(lines) + "\n)"
    if inherits:
        sql += " INHERITS (" + ", ".join(table_name(p) for p in inherits) + ")"
    if table.partition_key:
        sql += f" PARTITION BY {table.partition_key}"
    if table.access_method and table.access_method != "heap" and table.relkind != "p":
        sql += f" USING {ident(table.access_method)}"
    if table.reloptions:
        sql += " WITH (" + ", ".join(table.reloptions) + ")"
    sql += ";\n"
    sql += column_settings(table)
    if table.replica_identity in REPLICA_IDENTITY:
        sql += f"ALTER TABLE ONLY {table_name(table)} REPLICA IDENTITY {REPLICA_IDENTITY[table.replica_identity]};\n"
    return sql


def column_settings(table: Table) -> str:
    """Per-column ALTERs that CREATE TABLE cannot say: storage, compression, statistics, options."""
    out = []
    target = f"ALTER TABLE ONLY {table_name(table)} ALTER COLUMN"
    for col in table.columns:
        name = ident(col.name)
        if col.storage:
            out.append(f"{target} {name} SET STORAGE {STORAGE[col.storage]};\n")
        if col.compression in COMPRESSION:
            out.append(f"{target} {name} SET COMPRESSION {COMPRESSION[col.compression]};\n")
        if col.stattarget is not None:
            out.append(f"{target} {name} SET STATISTICS {col.stattarget};\n")
        if col.options:
            out.append(f"{target} {name} SET (" + ", ".join(col.options) + ");\n")
    return "".join(out)


def attach_partition(parent: Table, child: Table) -> str:
    return f"ALTER TABLE ONLY {table_name(parent)} ATTACH PARTITION {table_name(child)} {child.partition_bound};\n"


def create_view(view: Table) -> str:
    options = f" WITH ({', '.join(view.reloptions)})" if view.reloptions else ""
    body = view.view_definition.rstrip().rstrip(";")
    if view.relkind == "m":
        using = f" USING {ident(view.access_method)}" if view.access_method and view.access_method != "heap" else ""
        return f"CREATE MATERIALIZED VIEW {table_name(view)}{using}{options} AS\n{body}\n  WITH NO DATA;\n"
    return f"CREATE VIEW {table_name(view)}{options} AS\n{body};\n"


def refresh_matview(view: Table) -> str:
    return f"REFRESH MATERIALIZED VIEW {table_name(view)};\n"


def create_sequence(seq: Sequence) -> str:
    unlogged = "UNLOGGED " if seq.persistence == "u" else ""
    return (
        f"CREATE {unlogged}SEQUENCE {qualified(seq.schema, seq.name)}\n"
        f"    AS {seq.data_type}\n    START WITH {seq.start}\n    INCREMENT BY {seq.increment}\n"
        f"    MINVALUE {seq.minimum}\n    MAXVALUE {seq.maximum}\n    CACHE {seq.cache}"
        f"{chr(10) + '    CYCLE' if seq.cycle else ''};\n"
    )


def sequence_owned_by(seq: Sequence, table: Table) -> str:
    return (f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} OWNED BY "
            f"{table_name(table)}.{ident(seq.owned_by_column)};\n")


def sequence_set(seq: Sequence) -> str:
    value = seq.last_value if seq.last_value is not None else seq.start
    regclass = literal(qualified(seq.schema, seq.name))
    return f"SELECT pg_catalog.setval({regclass}, {value}, {'true' if seq.is_called else 'false'});\n"


def copy_columns(table: Table) -> list[str]:
    """The columns COPY reads and writes: generated columns are computed, never copied."""
    return [c.name for c in table.columns if not c.generated]


def copy_from_stdin(table: Table) -> str:
    cols = ", ".join(ident(c) for c in copy_columns(table))
    return f"COPY {table_name(table)} ({cols}) FROM stdin;\n"
