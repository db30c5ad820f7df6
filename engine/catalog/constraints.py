"""Table constraints and indexes."""

from __future__ import annotations

import re

import psycopg
from msgspec import Struct
from msgspec.structs import replace
from psycopg.rows import args_row

from .filters import Parts, user_relation
from .model import Column, Constraint, Index

CONSTRAINTS = f"""
SELECT co.oid, co.conrelid, co.conname, co.contype::text, pg_catalog.pg_get_constraintdef(co.oid),
       co.conislocal, co.convalidated, NULLIF(co.conindid, 0)::int8, NULLIF(co.conparentid, 0)::int8,
       NULLIF(co.confrelid, 0)::int8, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = co.oid AND dsc.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_constraint co
WHERE {user_relation("co.conrelid")} AND co.contype IN ('c', 'f', 'p', 'u', 'x', 'n')
  -- 18: a NOT NULL is part of its column unless it is NOT VALID
  AND (co.contype <> 'n' OR (NOT co.convalidated AND co.conislocal))
ORDER BY co.conrelid, co.conname
"""

# An index of plain columns in their default operator classes, collations and orderings (most
# indexes) is written in Python, from its pg_index row (`_plain_definition`): pg_get_indexdef()
# was most of this query's cost, and assembling its text in SQL, joining each index column to
# its attribute and operator class, still more than half (10^4 plain indexes: 0.22 s of server
# CPU then, 0.12 s now, for 0.05 s more in Python). Anything else the server deparses:
# expressions, a predicate, storage or operator class options, or a check there failing.
def _indexes_sql(version: int) -> str:
    nulls_not_distinct = "i.indnullsnotdistinct" if version >= 150000 else "false"
    return f"""
SELECT i.indexrelid, i.indrelid, n.nspname, c.relname,
       -- a constraint's index is written by its constraint: not worth deparsing (a primary
       -- key's or exclusion constraint's; a unique index may be a constraint's or not)
       CASE WHEN i.indisprimary OR i.indisexclusion THEN ''
            WHEN p.plain THEN NULL
            ELSE pg_catalog.pg_get_indexdef(i.indexrelid) END,
       NULL::oid,  -- the owning constraint's: see read_indexes
       -- only an attached partition's index has a parent (and relispartition)
       CASE WHEN c.relispartition
            THEN (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid) END::int8,
       i.indisclustered, (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = i.indexrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = 0), i.indisreplident, c.reloptions,
       -- statistics targets: only an expression column can have one (ALTER INDEX refuses others)
       CASE WHEN i.indexprs IS NULL THEN '{{}}'::pg_catalog.text[]
            ELSE ARRAY(SELECT a.attnum || ' ' || a.attstattarget FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0 ORDER BY a.attnum) END,
       COALESCE(ts.spcname, ''),  -- reltablespace 0 is the database's default
       -- a plain index's makings (_plain_definition), in one text: fewer values to decode
       CASE WHEN p.plain THEN pg_catalog.concat_ws(',', i.indisunique, {nulls_not_distinct}, c.relkind = 'I', i.indnkeyatts,
                                                    i.indkey, i.indclass, i.indcollation, i.indoption, am.amname) END
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
CROSS JOIN LATERAL (SELECT NOT (i.indisprimary OR i.indisexclusion) AND i.indexprs IS NULL AND i.indpred IS NULL
                           AND c.reloptions IS NULL
                           -- an operator class's options (13: opclass parameters) sit on the index's columns
                           AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute ia
                                           WHERE ia.attrelid = i.indexrelid AND ia.attoptions IS NOT NULL)) p(plain)
WHERE {user_relation("i.indrelid")}
  -- as pg_dump: not an index a failed CREATE INDEX CONCURRENTLY left behind (invalid, or not
  -- even ready); a partitioned one ('I') is invalid only until every partition has its index
  AND (i.indisvalid OR c.relkind = 'I') AND i.indisready
ORDER BY n.nspname, c.relname
"""

DEPARSE_INDEXES = """
SELECT i::pg_catalog.int8, pg_catalog.pg_get_indexdef(i) FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) i
"""

# What pg_get_indexdef() needs to know of the database to write a plain index: the default
# operator classes a column's type gets (by oid: their input type), and quote_identifier()'s rules.
INDEX_RULES = """
SELECT ARRAY(SELECT oc.oid::pg_catalog.int8 FROM pg_catalog.pg_opclass oc
             WHERE oc.opcdefault AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace ORDER BY 1),
       ARRAY(SELECT oc.opcintype::pg_catalog.int8 FROM pg_catalog.pg_opclass oc
             WHERE oc.opcdefault AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace ORDER BY oc.oid),
       ARRAY(SELECT k.word FROM pg_catalog.pg_get_keywords() k WHERE k.catcode <> 'U'),
       pg_catalog.current_setting('quote_all_identifiers')::bool
"""


class IndexRules(Struct, frozen=True):
    """What `_plain_definition` follows of pg_get_indexdef()'s rules, read once per backup."""

    default_opclasses: dict[int, int]  # operator class oid -> its input type: pg_catalog's defaults only
    keywords: frozenset[str]  # those quote_ident() quotes: all but the unreserved
    quote_all: bool  # quote_all_identifiers


def read_index_rules(conn: psycopg.Connection) -> IndexRules:
    oids, types, keywords, quote_all = conn.execute(INDEX_RULES).fetchone()
    return IndexRules(dict(zip(oids, types)), frozenset(keywords), quote_all)


_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*").fullmatch
# indoption bit 1 is DESC, bit 2 NULLS FIRST: the words pg_get_indexdef() prints for each.
_ORDERING = {"0": "", "1": " DESC NULLS LAST", "2": " NULLS FIRST", "3": " DESC"}


def _quote_ident(name: str, rules: IndexRules) -> str:
    """quote_ident(): bare where the server would print it bare."""
    if not rules.quote_all and _PLAIN_NAME(name) and name not in rules.keywords:
        return name
    return '"' + name.replace('"', '""') + '"'


def _plain_definition(schema: str, name: str, table: str, columns: list[Column], makings: str,
                      rules: IndexRules) -> str | None:
    """pg_get_indexdef()'s text for an index of plain columns; None where it would print more.

    An operator class is left out only where it is the default for the column's type exactly
    (GetDefaultOpClass(): a built-in one is never for a domain, an enum or an array), a collation
    where it is the column's, an ordering where it is the default; only btree orders among the
    built-in access methods, so another's ordering flags are left to the server too.
    """
    # The access method's name last: the only part that may hold a comma.
    unique, nulls_not_distinct, only, key_count, keys, classes, collations, options, method = makings.split(",", 8)
    quote, defaults, key_count = _quote_ident, rules.default_opclasses, int(key_count)
    key_texts = []
    index_columns = [_column(columns, int(attnum)) for attnum in keys.split()]
    if None in index_columns:
        return None
    # indclass, indcollation and indoption hold the key columns only, not the INCLUDE ones.
    for column, opclass, collation, option in zip(index_columns, classes.split(), collations.split(), options.split()):
        if (defaults.get(int(opclass)) != column.type_oid
                or (collation != "0" and int(collation) != column.collation_oid)
                or (option != "0" and (method != "btree" or option not in _ORDERING))):
            return None
        key_texts.append(quote(column.name, rules) + _ORDERING[option])
    included = [quote(column.name, rules) for column in index_columns[key_count:]]
    return (f"CREATE {'UNIQUE ' if unique == 't' else ''}INDEX {quote(name, rules)} ON "
            f"{'ONLY ' if only == 't' else ''}{quote(schema, rules)}.{quote(table, rules)} USING {quote(method, rules)} "
            f"({', '.join(key_texts)})" + (f" INCLUDE ({', '.join(included)})" if included else "")
            + (" NULLS NOT DISTINCT" if nulls_not_distinct == "t" else ""))


def _column(columns: list[Column], attnum: int) -> Column | None:
    """A table's column by number: its place in the list unless columns were dropped before it."""
    if attnum <= len(columns) and columns[attnum - 1].attnum == attnum:
        return columns[attnum - 1]
    return next((column for column in columns if column.attnum == attnum), None)


def read_constraints(conn: psycopg.Connection, parts: Parts) -> list[Constraint]:
    return conn.cursor(row_factory=args_row(Constraint)).execute(CONSTRAINTS, parts.params()).fetchall()


def read_indexes(conn: psycopg.Connection, parts: Parts, constraints: list[Constraint],
                 table_names: dict[int, str], columns: dict[int, list[Column]], rules: IndexRules) -> list[Index]:
    """The indexes of `parts`' relations, given those relations' constraints (read_constraints),
    which own some indexes, names and columns (read_columns).

    Owners are matched here, not joined in SQL: pg_constraint has no index on conindid, and
    probing it by table for each index was a sixth of the query's server time.
    """
    owners = {(con.index_oid, con.table_oid): con.oid for con in constraints
              if con.index_oid is not None and con.contype in ("p", "u", "x")}
    indexes, left = [], []
    for oid, table_oid, schema, name, definition, _, *rest, makings in conn.execute(
            _indexes_sql(conn.info.server_version), parts.params()).fetchall():
        owner = owners.get((oid, table_oid))
        if owner is not None:
            definition = ""
        elif definition is None:
            table = table_names.get(table_oid)
            definition = table and _plain_definition(schema, name, table, columns.get(table_oid, []), makings, rules)
            if not definition:
                left.append(len(indexes))
        indexes.append(Index(oid, table_oid, schema, name, definition, owner, *rest))
    if left:  # plain-looking, but not plain enough: the server writes them
        texts = dict(conn.execute(DEPARSE_INDEXES, {"oids": [indexes[i].oid for i in left]}).fetchall())
        for i in left:
            indexes[i] = replace(indexes[i], definition=texts[indexes[i].oid])
    return indexes
