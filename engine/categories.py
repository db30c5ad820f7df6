"""Data categories applied to a catalog: which category each table is in, and what leaving one out removes.

Excluding a category with exclusion "schema" (Auth, Storage) removes its schemas and tables
entirely, as pg_dump -N/-T would; one with exclusion "data" (Transient, Org data) keeps the
DDL and leaves the rows out, as --exclude-table-data would. The outcome is merged into the
same `Chosen` record the pg_dump-style selection produces, so the rest of the backup has one
notion of "left out". A table with a foreign key to a table whose rows are left out is
reported: restoring it would fail on the constraint, or leave it dangling.
"""

from __future__ import annotations

import msgspec
from msgspec import Struct

from .catalog.model import Constraint, Relation, Table
from .errors import UsageError
from .profile import Profile
from .selection import Chosen, Matcher

# The seed's options (backup-db-v2.sh), each naming the category it leaves out.
SEED_OPTIONS = {"no_auth": "auth", "no_storage": "storage", "no_transient": "transient", "no_org_data": "org_data"}


class Categorized(Struct):
    category_of: dict[int, str]  # table oid -> category name
    excluded: dict[str, str]  # category name -> the option that left it out
    chosen: Chosen  # the selection with the categories' exclusions merged in
    warnings: list[str]  # patterns that matched nothing
    dangling: list[str]  # foreign keys to tables whose rows are left out


def excluded_categories(profile: Profile, names: list[tuple[str, str]], prod: bool) -> dict[str, str]:
    """Category name -> why, from (category, option) pairs and --prod; unknown names are errors."""
    excluded: dict[str, str] = {}
    for name, option in names:
        category = profile.get(name)
        if category is None:
            raise UsageError(f"{option}: profile {profile.path} has no category {name!r}")
        if category.exclusion == "never":
            raise UsageError(f"{option}: category {name!r} cannot be excluded (profile {profile.path})")
        excluded.setdefault(name, option)
    if prod:
        for category in profile.category:
            if not category.prod and category.exclusion != "never":
                excluded.setdefault(category.name, "--prod")
    return excluded


def classify(profile: Profile, tables: list[Relation], schemas: list[str]) -> tuple[dict[int, str], list[str]]:
    """Each table's category: a table pattern first, then a schema pattern, then the default.

    A partition not named by any table pattern goes with its parent (its rows are the parent's).
    """
    table_matchers = [(c.name, Matcher(tuple(c.tables))) for c in profile.category]
    schema_matchers = [(c.name, Matcher(tuple(c.schemas))) for c in profile.category]
    # Per schema: its category by schema pattern, and the categories whose table patterns can
    # match there (most schemas have none: 10^4 tables, a fifth of what locking them takes).
    schema_category: dict[str, str | None] = {}
    table_categories: dict[str, list[tuple[str, Matcher]]] = {}
    for schema in {t.schema for t in tables}.union(schemas):
        hits = [name for name, matcher in schema_matchers if matcher.match_schema(schema)]
        schema_category[schema] = hits[0] if hits else None
        table_categories[schema] = [(name, matcher) for name, matcher in table_matchers if matcher.in_schema(schema)]
    by_table: dict[int, str] = {}
    for table in tables:
        for name, matcher in table_categories[table.schema]:
            if matcher.match_table(table.schema, table.name) and table.oid not in by_table:
                by_table[table.oid] = name
    by_oid = {t.oid: t for t in tables}

    def category(table: Relation, depth: int = 0) -> str:
        if table.oid in by_table:
            return by_table[table.oid]
        parent = by_oid.get(table.parents[0]) if table.partition and table.parents else None
        if parent is not None and depth < 100:
            return category(parent, depth + 1)
        return schema_category[table.schema] or profile.default_category

    warnings = []
    for (name, tmatch), (_, smatch) in zip(table_matchers, schema_matchers):
        for pattern in smatch.unused():
            warnings.append(f"profile category {name}: no schema matches \"{pattern}\"")
        for pattern in tmatch.unused():
            warnings.append(f"profile category {name}: no table matches \"{pattern}\"")
    return {t.oid: category(t) for t in tables}, warnings


def apply(profile: Profile, tables: list[Relation], schemas: list[str], chosen: Chosen,
          excluded: dict[str, str]) -> Categorized:
    """Merge the excluded categories into `chosen` (the caller adds the FK report, once entries are known)."""
    category_of, warnings = classify(profile, tables, schemas)
    excluded_tables = dict(chosen.excluded_tables)
    excluded_data = dict(chosen.excluded_data)
    excluded_schemas = set(chosen.excluded_schemas)
    for name, option in excluded.items():
        category = profile.get(name)
        why = f"category {name} excluded ({option})"
        if category.exclusion == "schema":
            matcher = Matcher(tuple(category.schemas))
            dropped = {s for s in schemas if matcher.match_schema(s)}
            excluded_schemas |= dropped
            for table in tables:
                if table.oid not in excluded_tables and (table.schema in dropped or category_of[table.oid] == name):
                    excluded_tables[table.oid] = why
                    excluded_data.pop(table.oid, None)
        else:
            for table in tables:
                if category_of[table.oid] == name and table.oid not in excluded_tables:
                    excluded_data.setdefault(table.oid, why)
    merged = msgspec.structs.replace(chosen, excluded_tables=excluded_tables, excluded_data=excluded_data,
                                     excluded_schemas=excluded_schemas)
    return Categorized(category_of, dict(excluded), merged, warnings, [])


def dangling_foreign_keys(tables: list[Table], constraints: list[Constraint], chosen: Chosen,
                          kept: set[str]) -> list[str]:
    """Included rows whose foreign key points at a table whose rows are not in the backup.

    `kept` holds the keys of the entries the script will hold: whether the constraint itself
    is still in it (restoring it would then fail on the missing rows) or was left out with the
    table it references (the restored table then lacks it).
    """
    by_oid = {t.oid: t for t in tables}

    def rows_left_out(oid: int) -> str | None:
        return chosen.excluded_tables.get(oid) or chosen.excluded_data.get(oid)

    found = []
    for con in constraints:
        if con.contype != "f" or con.ref_table_oid is None or con.parent_oid is not None:
            continue
        child, parent = by_oid.get(con.table_oid), by_oid.get(con.ref_table_oid)
        if child is None or parent is None or rows_left_out(child.oid) or child.oid == parent.oid:
            continue
        why = rows_left_out(parent.oid)
        if why:
            fate = ("restoring it fails unless the target has those rows" if f"pg_constraint:{con.oid}" in kept
                    else "the constraint is left out of the backup too")
            found.append(f"{child.schema}.{child.name} has foreign key {con.name} to "
                         f"{parent.schema}.{parent.name}, whose rows are left out ({why}): {fate}")
    return sorted(found)
