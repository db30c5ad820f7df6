"""Which objects and which tables' rows a backup holds: pg_dump's -n/-N/-t/-T rules.

Patterns follow psql's: unquoted letters fold to lower case, double quotes keep case and
make `*`, `?` and `.` literal, `*` matches any text and `?` one character, and a dot splits
schema from table. A pattern without a dot names an object in any schema (for -t) or a
schema (for -n).
"""

from __future__ import annotations

import re

from msgspec import Struct

from .config import Selection
from .errors import UsageError
from .plan import Plan


def _compile(pattern: str) -> list[str]:
    """A psql pattern -> regex for each dot-separated part (at most two kept: schema, name)."""
    parts, current, quoted, i = [], "", False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '"':
            if quoted and i + 1 < len(pattern) and pattern[i + 1] == '"':
                current += re.escape('"')
                i += 1
            else:
                quoted = not quoted
        elif quoted:
            current += re.escape(ch)
        elif ch == ".":
            parts.append(current)
            current = ""
        elif ch == "*":
            current += ".*"
        elif ch == "?":
            current += "."
        else:
            current += re.escape(ch.lower())
        i += 1
    if quoted:
        raise UsageError(f"unterminated quote in pattern {pattern!r}")
    parts.append(current)
    if len(parts) > 3:
        raise UsageError(f"improper qualified name (too many dotted names): {pattern}")
    return parts[-2:] if len(parts) > 1 else parts


class Matcher:
    def __init__(self, patterns: tuple[str, ...]):
        self.patterns = [(p, _compile(p)) for p in patterns]
        self.used: set[str] = set()

    def match_schema(self, schema: str) -> bool:
        hit = False
        for text, parts in self.patterns:
            if re.fullmatch(parts[-1], schema):
                self.used.add(text)
                hit = True
        return hit

    def match_table(self, schema: str, name: str) -> bool:
        hit = False
        for text, parts in self.patterns:
            if len(parts) == 2 and not re.fullmatch(parts[0], schema):
                continue
            if re.fullmatch(parts[-1], name):
                self.used.add(text)
                hit = True
        return hit

    def unused(self) -> list[str]:
        return [text for text, _ in self.patterns if text not in self.used]


class Chosen(Struct):
    """The plan cut down to what the user asked for."""

    excluded_tables: dict[int, str]  # oid -> why (schema and data left out)
    excluded_data: dict[int, str]  # oid -> why (definition kept, rows left out)
    excluded_schemas: set[str]
    warnings: list[str]


def choose(plan: Plan, tables, schemas: list[str], selection: Selection) -> Chosen:
    """Apply -n/-N/-t/-T/--exclude-table-data; unmatched patterns are errors under --strict-names."""
    include_schemas = Matcher(selection.schemas)
    exclude_schemas = Matcher(selection.exclude_schemas)
    include_tables = Matcher(selection.tables)
    exclude_tables = Matcher(selection.exclude_tables)
    exclude_data = Matcher(selection.exclude_table_data)
    dropped_schemas = set()
    for schema in schemas:
        if (selection.schemas and not include_schemas.match_schema(schema)) or exclude_schemas.match_schema(schema):
            dropped_schemas.add(schema)
    excluded_tables: dict[int, str] = {}
    excluded_data: dict[int, str] = {}
    for table in tables:
        if table.schema in dropped_schemas and not selection.tables:
            excluded_tables[table.oid] = "schema excluded"
        elif selection.tables and not include_tables.match_table(table.schema, table.name):
            excluded_tables[table.oid] = "not selected by -t"
        elif exclude_tables.match_table(table.schema, table.name):
            excluded_tables[table.oid] = "excluded by -T"
        elif exclude_data.match_table(table.schema, table.name):
            excluded_data[table.oid] = "excluded by --exclude-table-data"
    if selection.tables:
        # -t selects tables only: other objects are left out, as pg_dump does.
        dropped_schemas = set(schemas)
    warnings = []
    for flag, matcher in (("-n", include_schemas), ("-t", include_tables)):
        for pattern in matcher.unused():
            message = f"no matching {'schemas' if flag == '-n' else 'tables'} were found for pattern \"{pattern}\""
            if selection.strict_names:
                raise UsageError(message)
            warnings.append(message)
    return Chosen(excluded_tables, excluded_data, dropped_schemas, warnings)
