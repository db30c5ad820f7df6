"""CREATE statements for tables, views, materialized views and sequences."""

from __future__ import annotations

from ..catalog.model import Column, Constraint, Sequence, Table
from .quoting import ident, literal, qualified

STORAGE = {"p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"}
COMPRESSION = {"p": "pglz", "l": "lz4"}
REPLICA_IDENTITY = {"n": "NOTHING", "f": "FULL"}


def table_name(table: Table) -> str:
    return qualified(table.schema, table.name)


def identity_clause(column: Column, sequence: Sequence | None, table_persistence: str = "p") -> str:
    kind = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
    if sequence is None:
        return f" GENERATED {kind} AS IDENTITY"
    # 15+: the sequence takes its table's persistence unless told otherwise (ALTER SEQUENCE SET
    # [UN]LOGGED since), so only a difference is written, as pg_dump does.
    persistence = ""
    if sequence.persistence is not None and sequence.persistence != table_persistence:
        persistence = " UNLOGGED" if sequence.persistence == "u" else " LOGGED"
    options = (
        f"SEQUENCE NAME {qualified(sequence.schema, sequence.name)}{persistence} START WITH {sequence.start}"
        f" INCREMENT BY {sequence.increment} MINVALUE {sequence.minimum} MAXVALUE {sequence.maximum}"
        f" CACHE {sequence.cache}{' CYCLE' if sequence.cycle else ''}"
    )
    return f" GENERATED {kind} AS IDENTITY ({options})"


def inherits_generation(table: Table, column: Column, parents: list[Table]) -> bool:
    """A child's generated column whose expression is its parent's: CREATE TABLE ... INHERITS must
    not repeat it (before 16 that is an error, "child column specifies generation expression"; it
    is inherited either way), as pg_dump leaves it out. A partition keeps its own."""
    if not column.generated or not column.inhcount or table.partition_bound:
        return False
    return any(c.name == column.name and c.generated == column.generated and c.default == column.default
               for p in parents for c in p.columns)


def column_definition(table: Table, column: Column, identity: Sequence | None, inline_default: bool = True,
                      parents: list[Table] = ()) -> str:
    sql = f"    {ident(column.name)}"
    if table.of_type:
        sql += " WITH OPTIONS"  # a typed table's columns come from its type
    else:
        sql += f" {column.type}"
        if column.collation:
            sql += f" COLLATE {column.collation}"
    if column.generated:
        if not inherits_generation(table, column, parents):
            mode = "STORED" if column.generated == "s" else "VIRTUAL"
            sql += f" GENERATED ALWAYS AS ({column.default}) {mode}"
    elif column.default is not None and inline_default:
        sql += f" DEFAULT {column.default}"
    if column.identity and not table.partition_bound:
        sql += identity_clause(column, identity, table.persistence)  # a partition's identity is its parent's (17+)
    sql += not_null_clause(table, column)
    return sql


def _not_null_name(table: Table, column: Column) -> str:
    """' CONSTRAINT name' for an 18 NOT NULL whose name is not the default one, else ''."""
    if column.notnull_name and column.notnull_name != f"{table.name}_{column.name}_not_null":
        return f" CONSTRAINT {ident(column.notnull_name)}"
    return ""


def not_null_clause(table: Table, column: Column) -> str:
    """NOT NULL as CREATE TABLE says it; on 18 with its name unless it is the default one."""
    if not column.notnull or not column.notnull_validated:
        return ""  # NOT VALID (18) ones are added after the data, like a NOT VALID CHECK
    return _not_null_name(table, column) + " NOT NULL" + (" NO INHERIT" if column.notnull_noinherit else "")


def printed_columns(table: Table, parents: list[Table]) -> list[Column]:
    """The columns CREATE TABLE lists: local ones (all of a partition's); a typed table's with options."""
    if table.of_type:
        return [c for c in table.columns if c.default is not None or c.notnull or c.identity or c.generated]
    if table.partition_bound or not parents:
        return list(table.columns)
    return [c for c in table.columns if c.is_local]


def create_table(table: Table, checks: list[Constraint], identities: dict[str, Sequence],
                 parents: list[Table], separate_defaults: set[int] = frozenset()) -> str:
    """CREATE TABLE with its printed columns and inline CHECKs; partitions attach separately."""
    inherits = [p for p in parents if not table.partition_bound]
    columns = printed_columns(table, parents)
    lines = [column_definition(table, c, identities.get(c.name), c.attnum not in separate_defaults, parents)
             for c in columns]
    lines += [f"    CONSTRAINT {ident(c.name)} {c.definition}" for c in checks]
    unlogged = "UNLOGGED " if table.persistence == "u" else ""
    if table.of_type:
        sql = f"CREATE {unlogged}TABLE {table_name(table)} OF {table.of_type}"
        if lines:
            sql += " (\n" + ",\n".join(lines) + "\n)"
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
    if table.relkind == "p" and table.access_method:
        # 17+: a partitioned table's own access method, for its future partitions.
        sql += f"ALTER TABLE {table_name(table)} SET ACCESS METHOD {ident(table.access_method)};\n"
    sql += inherited_not_null(table, parents, columns)
    sql += column_settings(table)
    if table.replica_identity in REPLICA_IDENTITY:
        sql += f"ALTER TABLE ONLY {table_name(table)} REPLICA IDENTITY {REPLICA_IDENTITY[table.replica_identity]};\n"
    return sql


def inherited_not_null(table: Table, parents: list[Table], printed: list[Column]) -> str:
    """SET NOT NULL for columns not listed (inherited) that are NOT NULL here but not in a parent."""
    if len(printed) == len(table.columns):
        return ""  # every column listed (no parents, or a partition)
    names = {c.name for c in printed}
    parent_notnull = {c.name for p in parents for c in p.columns if c.notnull}
    out = []
    for col in table.columns:
        if col.name in names or not col.notnull or not col.notnull_validated:
            continue
        # Before 18 a NOT NULL is a column flag: inherited if a parent has it. On 18 it is a
        # constraint that knows whether it was also declared locally.
        if not (col.notnull_local if col.notnull_name is not None else col.name not in parent_notnull):
            continue
        named = _not_null_name(table, col)
        if not named and not col.notnull_noinherit:
            out.append(f"ALTER TABLE ONLY {table_name(table)} ALTER COLUMN {ident(col.name)} SET NOT NULL;\n")
        else:  # 18: a name or NO INHERIT of its own (as a parent's made NO INHERIT leaves its children)
            out.append(f"ALTER TABLE ONLY {table_name(table)} ADD{named} NOT NULL {ident(col.name)}"
                       f"{' NO INHERIT' if col.notnull_noinherit else ''};\n")
    return "".join(out)


def set_default(table: Table, column: Column) -> str:
    """A default written on its own: views' defaults, inherited columns', or one split from a loop."""
    action = "DROP DEFAULT" if column.default is None else f"SET DEFAULT {column.default}"
    return f"ALTER TABLE ONLY {table_name(table)} ALTER COLUMN {ident(column.name)} {action};\n"


def column_settings(table: Table) -> str:
    """Per-column ALTERs that CREATE TABLE cannot say: storage, compression, statistics, options."""
    out = []
    for col in table.columns:
        if not (col.storage or col.compression in COMPRESSION or col.stattarget is not None or col.options):
            continue
        target = f"ALTER TABLE ONLY {table_name(table)} ALTER COLUMN"
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


def create_view(view: Table, replace: bool = False) -> str:
    options = f" WITH ({', '.join(view.reloptions)})" if view.reloptions else ""
    body = view.view_definition.rstrip().rstrip(";")
    if view.relkind == "m":
        using = f" USING {ident(view.access_method)}" if view.access_method and view.access_method != "heap" else ""
        return (f"CREATE MATERIALIZED VIEW {table_name(view)}{using}{options} AS\n{body}\n  WITH NO DATA;\n"
                + column_settings(view))
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    return f"{verb} {table_name(view)}{options} AS\n{body};\n"


def create_dummy_view(view: Table, replace: bool = False) -> str:
    """A stand-in with the view's columns, types and collations; its real query comes later."""
    columns = ",\n    ".join(
        f"NULL::{c.type}" + (f" COLLATE {c.collation}" if c.collation else "") + f" AS {ident(c.name)}"
        for c in view.columns
    )
    options = [o for o in view.reloptions or [] if not o.startswith("check_option=")]
    with_options = f" WITH ({', '.join(options)})" if options else ""
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
    return f"{verb} {table_name(view)}{with_options} AS\n SELECT {columns};\n"


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


def copy_from_stdin_of(name: str, columns: list[str]) -> str:
    """`COPY name (columns) FROM stdin;`; without a column list for a table without columns
    (`()` is a syntax error; such tables still have rows), as pg_dump writes it."""
    cols = f" ({', '.join(ident(c) for c in columns)})" if columns else ""
    return f"COPY {name}{cols} FROM stdin;\n"


def copy_from_stdin(table: Table) -> str:
    return copy_from_stdin_of(table_name(table), copy_columns(table))
