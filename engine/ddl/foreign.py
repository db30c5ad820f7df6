"""CREATE FOREIGN DATA WRAPPER / SERVER / USER MAPPING / FOREIGN TABLE."""

from __future__ import annotations

from ..catalog.foreign import ForeignDataWrapper, ForeignServer, ForeignTable, UserMapping
from ..catalog.model import Constraint, Table
from .quoting import ident, literal
from .tables import column_definition, column_settings, inherited_not_null, printed_columns, table_name


def options_clause(options: list[str] | None, inline: bool = False) -> str:
    """' OPTIONS (name 'value', ...)' from the catalog's 'name=value' items (split at the first '=')."""
    if not options:
        return ""
    items = []
    for option in options:
        name, _, value = option.partition("=")
        items.append(f"{ident(name)} {literal(value)}")
    if inline:
        return " OPTIONS (" + ", ".join(items) + ")"
    return " OPTIONS (\n    " + ",\n    ".join(items) + "\n)"


def create_wrapper(fdw: ForeignDataWrapper) -> str:
    sql = f"CREATE FOREIGN DATA WRAPPER {ident(fdw.name)}"
    sql += f" HANDLER {fdw.handler}" if fdw.handler else " NO HANDLER"
    sql += f" VALIDATOR {fdw.validator}" if fdw.validator else " NO VALIDATOR"
    return sql + options_clause(fdw.options) + ";\n"


def create_server(srv: ForeignServer) -> str:
    sql = f"CREATE SERVER {ident(srv.name)}"
    if srv.type is not None:
        sql += f" TYPE {literal(srv.type)}"
    if srv.version is not None:
        sql += f" VERSION {literal(srv.version)}"
    return sql + f" FOREIGN DATA WRAPPER {ident(srv.wrapper)}" + options_clause(srv.options) + ";\n"


def user_mapping_target(um: UserMapping) -> str:
    return f"FOR {'PUBLIC' if um.role is None else ident(um.role)} SERVER {ident(um.server)}"


def create_user_mapping(um: UserMapping) -> str:
    return f"CREATE USER MAPPING {user_mapping_target(um)}" + options_clause(um.options) + ";\n"


def create_foreign_table(table: Table, ft: ForeignTable, checks: list[Constraint], parents: list[Table],
                         separate_defaults: set[int] = frozenset()) -> str:
    """As create_table, plus each column's OPTIONS (which CREATE puts right after the type), the server
    and the table's options."""
    inherits = [p for p in parents if not table.partition_bound]
    columns = printed_columns(table, parents)
    lines = []
    for col in columns:
        plain = column_definition(table, col, None, col.attnum not in separate_defaults, parents)
        head = f"    {ident(col.name)} {col.type}"
        lines.append(head + options_clause(ft.column_options.get(col.name), inline=True) + plain[len(head):])
    lines += [f"    CONSTRAINT {ident(c.name)} {c.definition}" for c in checks]
    sql = f"CREATE FOREIGN TABLE {table_name(table)} (\n" + ",\n".join(lines) + "\n)"
    if inherits:
        sql += " INHERITS (" + ", ".join(table_name(p) for p in inherits) + ")"
    sql += f"\nSERVER {ident(ft.server)}" + options_clause(ft.options) + ";\n"
    return sql + inherited_not_null(table, parents, columns) + column_settings(table)
