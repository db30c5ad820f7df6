"""Which objects and which tables' rows a backup holds: pg_dump's -n/-N/-t/-T rules.

Patterns follow psql's: unquoted letters fold to lower case, double quotes keep case and
make `*`, `?` and `.` literal, `*` matches any text and `?` one character, and a dot splits
schema from table. A pattern without a dot names an object in any schema (for -t) or a
schema (for -n).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import Struct

from .config import Selection
from .errors import UsageError
from .plan import Entry


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
        # (text, schema part's matcher or None, last part's matcher), compiled once: a backup
        # asks about every table of the database, for every category.
        self.patterns = [(p, re.compile(parts[0]).fullmatch if len(parts) == 2 else None,
                          re.compile(parts[-1]).fullmatch) for p, parts in ((p, _compile(p)) for p in patterns)]
        self.used: set[str] = set()
        self._schemas: dict[str, bool] = {}  # the same few schemas are asked about again and again
        self._tables: dict[str, list[tuple[str, Callable]]] = {}  # schema -> the patterns that can match in it

    def match_schema(self, schema: str) -> bool:
        hit = self._schemas.get(schema)
        if hit is None:
            hit = False
            for text, _, last in self.patterns:
                if last(schema):
                    self.used.add(text)
                    hit = True
            self._schemas[schema] = hit
        return hit

    def in_schema(self, schema: str) -> list[tuple[str, Callable]]:
        """The patterns that can match a table of `schema`: (text, the name's matcher)."""
        patterns = self._tables.get(schema)
        if patterns is None:
            patterns = self._tables[schema] = [(text, last) for text, first, last in self.patterns
                                               if first is None or first(schema)]
        return patterns

    def match_table(self, schema: str, name: str) -> bool:
        hit = False
        for text, last in self.in_schema(schema):
            if last(name):
                self.used.add(text)
                hit = True
        return hit

    def unused(self) -> list[str]:
        return [text for text, _, _ in self.patterns if text not in self.used]


class Chosen(Struct):
    """The plan cut down to what the user asked for."""

    excluded_tables: dict[int, str]  # relation oid -> why (schema and data left out)
    excluded_data: dict[int, str]  # oid -> why (definition kept, rows left out)
    excluded_schemas: set[str]
    warnings: list[str]


def choose(tables, schemas: list[str], selection: Selection, sequences=()) -> Chosen:
    """Apply -n/-N/-t/-T/--exclude-table-data as pg_dump does.

    -t selects relations of every kind (sequences included) and nothing else; -n/-N then have
    no effect. A sequence owned by a selected table comes with it. A -n or -t that matches
    nothing at all is an error, as in pg_dump; with --strict-names every pattern must match.
    """
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
    owned = {s.oid: s.owned_by_table for s in sequences if s.owned_by_table is not None}
    relations = list(tables) + [s for s in sequences if not s.identity]
    for rel in relations:
        if selection.tables and not include_tables.match_table(rel.schema, rel.name):
            excluded_tables[rel.oid] = "not selected by -t"
        elif not selection.tables and rel.schema in dropped_schemas:
            excluded_tables[rel.oid] = "schema excluded"
        elif exclude_tables.match_table(rel.schema, rel.name):
            excluded_tables[rel.oid] = "excluded by -T"
        elif exclude_data.match_table(rel.schema, rel.name):
            excluded_data[rel.oid] = "excluded by --exclude-table-data"
    for seq_oid, table_oid in owned.items():
        if seq_oid in excluded_tables and table_oid not in excluded_tables and table_oid is not None:
            if excluded_tables[seq_oid] != "excluded by -T":
                del excluded_tables[seq_oid]  # an owned sequence follows its table
    if selection.tables:
        # -t selects relations only: other objects are left out, as pg_dump does.
        dropped_schemas = set(schemas)
    warnings = []
    for flag, matcher, what in (("-n", include_schemas, "schemas"), ("-t", include_tables, "tables")):
        unused = matcher.unused()
        if matcher.patterns and len(unused) == len(matcher.patterns):
            raise UsageError(f"no matching {what} were found" + (
                f" for pattern \"{unused[0]}\"" if len(unused) == 1 else ""))
        for pattern in unused:
            message = f"no matching {what} were found for pattern \"{pattern}\""
            if selection.strict_names:
                raise UsageError(message)
            warnings.append(message)
    return Chosen(excluded_tables, excluded_data, dropped_schemas, warnings)


def keep_entries(entries: list[Entry], chosen: Chosen, sections: tuple[str, ...], no_privileges: bool = False,
                 everything: bool = True) -> list[Entry]:
    """The entries a backup writes: selected objects, minus what depends on a relation left out.

    A view, index, trigger, constraint... over an excluded relation would fail to restore, so it
    goes too; a table never goes for that reason (only the patterns decide tables). `everything`
    is false under -n or -t, which leave extensions out, as pg_dump does.
    """
    if (everything and not (chosen.excluded_tables or chosen.excluded_data or chosen.excluded_schemas)
            and not no_privileges):
        wanted = set(sections)  # a schema-only plan has no data entries to leave out
        if all(entry.section in wanted for entry in entries):
            return list(entries)  # a whole backup: nothing else to test 10^5 entries against
    gone: set[str] = set()  # left out with an excluded relation, transitively
    kept: list[Entry] = []
    for entry in entries:  # in dependency order: an entry's dependencies are decided before it
        if entry.table_oid is not None and entry.table_oid in chosen.excluded_tables:
            gone.add(entry.key)
            continue
        if gone and entry.kind != "TABLE" and not gone.isdisjoint(entry.deps):
            gone.add(entry.key)
            continue
        if not _selected(entry, chosen, everything):
            continue
        if entry.section not in sections and entry.kind not in ("PSQL", "SET"):
            continue
        if no_privileges and entry.kind in ("ACL", "DEFAULT ACL"):
            continue
        kept.append(entry)
    return kept


# A publication's tables and schemas: parts of an object outside schemas, so left out under
# -n/-t with it, as pg_dump does; otherwise kept only with their table or schema (pg_dump
# writes them even then, and its restore fails on the missing table or schema).
_PUBLICATION_MEMBERS = ("pg_publication_rel:", "pg_publication_namespace:")


def _selected(entry: Entry, chosen: Chosen, everything: bool) -> bool:
    if entry.key.startswith("pg_extension:"):  # the extension, and its configuration tables' data
        return everything
    if entry.key.startswith(_PUBLICATION_MEMBERS) and not everything:
        return False
    if entry.table_oid is not None:
        if entry.table_oid in chosen.excluded_tables:
            return False
        return not (entry.kind == "TABLE DATA" and entry.table_oid in chosen.excluded_data)
    # A schema's own entries (its owner, comment, ACL too) carry its name, not a schema.
    schema = entry.name if entry.key.startswith("pg_namespace:") else entry.schema
    if schema is None:
        # Objects outside schemas (casts, languages, wrappers, servers, publications, event
        # triggers, large objects, database-wide default privileges) go with -n/-t, as in pg_dump.
        return everything
    return schema not in chosen.excluded_schemas
