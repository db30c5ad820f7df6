"""Checks of a restored database against what the backup recorded."""

from __future__ import annotations

from psycopg import sql

from .config import connect


def count_rows(conninfo: str, tables: list[str]) -> dict[str, int]:
    """Exact row counts of `schema.table` names (as row_counts.json spells them), one query."""
    if not tables:
        return {}
    parts = []
    for name in tables:
        schema, _, table = name.partition(".")
        parts.append(sql.SQL("SELECT {}::text, count(*) FROM ONLY {}").format(
            sql.Literal(name), sql.Identifier(schema, table)))
    with connect(conninfo, autocommit=True) as conn:
        return dict(conn.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall())


def compare_row_counts(conninfo: str, expected: dict[str, int]) -> list[str]:
    """One line per table whose row count differs from the backup's."""
    actual = count_rows(conninfo, list(expected))
    return [f"{name}: backup {rows}, restored {actual.get(name)}"
            for name, rows in sorted(expected.items()) if actual.get(name) != rows]
