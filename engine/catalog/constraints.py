"""Table constraints and indexes."""

from __future__ import annotations

import re
from collections.abc import Callable

import psycopg
from msgspec import Struct
from msgspec.structs import replace

from .filters import Parts, user_relation
from .model import Column, Constraint, Index

# A primary key's, a unique constraint's or a foreign key's text is written in Python
# (`_key_definition`), from the constraint's row, the columns and the index's keys; the rest, and
# any of these a check turns down, pg_get_constraintdef() writes. A foreign key's text was this
# query's cost: 10^4 of them took 0.15 s of server CPU (looking up the referenced table and its
# columns in a fresh server process's caches), and taking those names from SQL as much.
def _constraints_sql(version: int) -> str:
    # What only the server writes: 15's SET NULL/SET DEFAULT column lists, 18's temporal keys
    # (WITHOUT OVERLAPS, PERIOD) and NOT ENFORCED.
    plain = "co.contype IN ('f', 'p', 'u')"
    if version >= 150000:
        plain += " AND co.confdelsetcols IS NULL"
    if version >= 180000:
        plain += " AND NOT co.conperiod AND co.conenforced"
    nulls_not_distinct = "i.indnullsnotdistinct" if version >= 150000 else "false"
    return f"""
SELECT co.oid, co.conrelid, co.conname, co.contype::text,
       CASE WHEN NOT k.plain THEN pg_catalog.pg_get_constraintdef(co.oid) END,
       co.conislocal, co.convalidated, NULLIF(co.conindid, 0)::int8, NULLIF(co.conparentid, 0)::int8,
       NULLIF(co.confrelid, 0)::int8,
       NULL::text,  -- the comment: read_comments
       -- a key's makings (_key_definition), in one text: fewer values to decode
       CASE WHEN NOT k.plain THEN NULL
            WHEN co.contype = 'f'
            THEN pg_catalog.concat_ws(',', co.condeferrable, co.condeferred, co.convalidated, co.confmatchtype, co.confupdtype,
                                      co.confdeltype, pg_catalog.array_to_string(co.conkey, ' '),
                                      pg_catalog.array_to_string(co.confkey, ' '))
            -- its index's columns: the INCLUDE ones follow the keys
            ELSE (SELECT pg_catalog.concat_ws(',', co.condeferrable, co.condeferred, co.convalidated,
                                              {nulls_not_distinct},
                                              pg_catalog.array_to_string(co.conkey, ' '), i.indkey)
                  FROM pg_catalog.pg_index i WHERE i.indexrelid = co.conindid) END
FROM pg_catalog.pg_constraint co
CROSS JOIN LATERAL (SELECT {plain}) k(plain)
WHERE {user_relation("co.conrelid")} AND co.contype IN ('c', 'f', 'p', 'u', 'x', 'n')
  -- 18: a NOT NULL is part of its column unless it is NOT VALID
  AND (co.contype <> 'n' OR (NOT co.convalidated AND co.conislocal))
ORDER BY co.conrelid, co.conname
"""

DEPARSE_CONSTRAINTS = """
SELECT c::pg_catalog.int8, pg_catalog.pg_get_constraintdef(c) FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) c
"""

# An index of plain columns in their default operator classes, collations and orderings (most
# indexes) is written in Python, from its pg_index row (`_plain_definition`): pg_get_indexdef()
# was most of this query's cost, and assembling its text in SQL, joining each index column to
# its attribute and operator class, still more than half (10^4 plain indexes: 0.22 s of server
# CPU then, 0.12 s now, for 0.05 s more in Python). Anything else the server deparses:
# expressions, a predicate, storage or operator class options, or a check there failing.
def _indexes_sql(version: int) -> str:
    nulls_not_distinct = "i.indnullsnotdistinct" if version >= 150000 else "false"
    # Sorted apart from the joins (OFFSET 0 keeps them below the sort): ordering by the schema's
    # name made the planner join the schemas first, in a nested loop materializing every index,
    # and evaluate `p` twice (a fifth of this query, 10^4 tables: 0.017 s of server CPU).
    return f"""
SELECT * FROM (
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
       i.indisclustered, NULL::text,  -- the comment: read_comments
       i.indisreplident, c.reloptions,
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
                                           WHERE ia.attrelid = i.indexrelid AND ia.attoptions IS NOT NULL)
                    OFFSET 0) p(plain)
WHERE {user_relation("i.indrelid")}
  -- as pg_dump: not an index a failed CREATE INDEX CONCURRENTLY left behind (invalid, or not
  -- even ready); a partitioned one ('I') is invalid only until every partition has its index
  AND (i.indisvalid OR c.relkind = 'I') AND i.indisready
OFFSET 0) q
ORDER BY 3, 4  -- schema, name
"""

DEPARSE_INDEXES = """
SELECT i::pg_catalog.int8, pg_catalog.pg_get_indexdef(i) FROM pg_catalog.unnest(%(oids)s::pg_catalog.oid[]) i
"""

# What the server's deparsing needs to know of the database for what we write in its place: the
# default operator classes a column's type gets (by oid: their input type), for a plain index, and
# quote_identifier()'s rules, for every name.
DEPARSE_RULES = """
SELECT ARRAY(SELECT oc.oid::pg_catalog.int8 FROM pg_catalog.pg_opclass oc
             WHERE oc.opcdefault AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace ORDER BY 1),
       ARRAY(SELECT oc.opcintype::pg_catalog.int8 FROM pg_catalog.pg_opclass oc
             WHERE oc.opcdefault AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace ORDER BY oc.oid),
       ARRAY(SELECT k.word FROM pg_catalog.pg_get_keywords() k WHERE k.catcode <> 'U'),
       pg_catalog.current_setting('quote_all_identifiers')::bool
"""


class DeparseRules(Struct, frozen=True):
    """What `_plain_definition` and `_key_definition` follow of the server's rules, read once per backup."""

    default_opclasses: dict[int, int]  # operator class oid -> its input type: pg_catalog's defaults only
    keywords: frozenset[str]  # those quote_ident() quotes: all but the unreserved
    quote_all: bool  # quote_all_identifiers


def read_deparse_rules(conn: psycopg.Connection) -> DeparseRules:
    oids, types, keywords, quote_all = conn.execute(DEPARSE_RULES).fetchone()
    return DeparseRules(dict(zip(oids, types)), frozenset(keywords), quote_all)


_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*").fullmatch
# indoption bit 1 is DESC, bit 2 NULLS FIRST: the words pg_get_indexdef() prints for each.
_ORDERING = {"0": "", "1": " DESC NULLS LAST", "2": " NULLS FIRST", "3": " DESC"}


def _quote_ident(name: str, rules: DeparseRules) -> str:
    """quote_ident(): bare where the server would print it bare."""
    if not rules.quote_all and _PLAIN_NAME(name) and name not in rules.keywords:
        return name
    return '"' + name.replace('"', '""') + '"'


def _quoter(rules: DeparseRules) -> Callable[[str], str]:
    """_quote_ident() remembering its answers: a key's columns are mostly another's too."""
    quoted: dict[str, str] = {}

    def quote(name: str) -> str:
        text = quoted.get(name)
        if text is None:
            text = quoted[name] = _quote_ident(name, rules)
        return text
    return quote


def _plain_definition(schema: str, name: str, table: str, columns: list[Column], makings: str,
                      rules: DeparseRules, quote: Callable[[str], str]) -> str | None:
    """pg_get_indexdef()'s text for an index of plain columns; None where it would print more.

    An operator class is left out only where it is the default for the column's type exactly
    (GetDefaultOpClass(): a built-in one is never for a domain, an enum or an array), a collation
    where it is the column's, an ordering where it is the default; only btree orders among the
    built-in access methods, so another's ordering flags are left to the server too.
    """
    # The access method's name last: the only part that may hold a comma.
    unique, nulls_not_distinct, only, key_count, keys, classes, collations, options, method = makings.split(",", 8)
    defaults, key_count = rules.default_opclasses, int(key_count)
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
        key_texts.append(quote(column.name) + _ORDERING[option])
    included = [quote(column.name) for column in index_columns[key_count:]]
    return (f"CREATE {'UNIQUE ' if unique == 't' else ''}INDEX {quote(name)} ON "
            f"{'ONLY ' if only == 't' else ''}{quote(schema)}.{quote(table)} USING {quote(method)} "
            f"({', '.join(key_texts)})" + (f" INCLUDE ({', '.join(included)})" if included else "")
            + (" NULLS NOT DISTINCT" if nulls_not_distinct == "t" else ""))


def _column(columns: list[Column], attnum: int) -> Column | None:
    """A table's column by number: its place in the list unless columns were dropped before it."""
    if attnum <= len(columns) and columns[attnum - 1].attnum == attnum:
        return columns[attnum - 1]
    return next((column for column in columns if column.attnum == attnum), None)


_MATCH = {"s": "", "f": " MATCH FULL", "p": " MATCH PARTIAL"}
_ACTION = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}  # "a", NO ACTION: not printed


def _key_definition(contype: str, makings: str, columns: list[Column],
                    referenced: tuple[str, str, list[Column]] | None, quote: Callable[[str], str]) -> str | None:
    """pg_get_constraintdef()'s text for a primary key, unique constraint or foreign key (of
    `referenced`: schema, name, columns); None where a column is not found.

    The referenced table is always qualified: the catalog connections' search_path is
    pg_catalog alone, where no user table can be (generate_relation_name() qualifies a name
    not visible there).
    """
    deferrable, deferred, validated, *rest = makings.split(",")
    if contype == "f":
        match, on_update, on_delete, keys, referenced_keys = rest
        schema, table, referenced_columns = referenced
        names, referenced_names = _names(columns, keys, quote), _names(referenced_columns, referenced_keys, quote)
        if names is None or referenced_names is None or schema == "pg_catalog":
            return None
        text = f"FOREIGN KEY ({names}) REFERENCES {quote(schema)}.{quote(table)}({referenced_names}){_MATCH[match]}"
        if on_update != "a":
            text += f" ON UPDATE {_ACTION[on_update]}"
        if on_delete != "a":
            text += f" ON DELETE {_ACTION[on_delete]}"
    else:
        # The index's columns: the constraint's keys, then those it INCLUDEs.
        nulls_not_distinct, keys, index_keys = rest
        names = _names(columns, keys, quote)
        if names is None:
            return None
        text = (("PRIMARY KEY (" if contype == "p" else "UNIQUE NULLS NOT DISTINCT (" if nulls_not_distinct == "t"
                 else "UNIQUE (") + names + ")")
        if index_keys != keys:
            included = index_keys.startswith(keys + " ") and _names(columns, index_keys[len(keys) + 1:], quote)
            if not included:
                return None
            text += f" INCLUDE ({included})"
    if deferrable == "t":
        text += " DEFERRABLE INITIALLY DEFERRED" if deferred == "t" else " DEFERRABLE"
    return text + " NOT VALID" if validated == "f" else text


def _names(columns: list[Column], attnums: str, quote: Callable[[str], str]) -> str | None:
    """The quoted names of the columns numbered in `attnums` (space-separated), comma-separated;
    None if one is not there (a table whose columns were not read)."""
    names = []
    for attnum in attnums.split():
        column = _column(columns, int(attnum))
        if column is None:
            return None
        names.append(quote(column.name))
    return ", ".join(names)


def read_constraints(conn: psycopg.Connection, parts: Parts, tables: dict[int, tuple[str, str]],
                     columns: dict[int, list[Column]], rules: DeparseRules) -> tuple[list[Constraint], dict[int, str]]:
    """The constraints of `parts`' relations, given their names (schema, name) and columns.

    A foreign key to a table outside `parts` is returned with an empty text, and its makings
    by constraint oid: `write_foreign_keys` finishes it once every range is read.
    """
    constraints, left, later, quote = [], [], {}, _quoter(rules)
    for oid, table_oid, name, contype, definition, *rest, makings in conn.execute(
            _constraints_sql(conn.info.server_version), parts.params()).fetchall():
        if definition is None:
            ref_oid = rest[4]
            if contype == "f" and ref_oid not in tables:
                later[oid] = makings
                definition = ""
            else:
                referenced = _referenced(ref_oid, tables, columns) if contype == "f" else None
                definition = makings and _key_definition(contype, makings, columns.get(table_oid, []), referenced,
                                                         quote)
                if not definition:
                    left.append(len(constraints))
        constraints.append(Constraint(oid, table_oid, name, contype, definition, *rest))
    _deparse(conn, DEPARSE_CONSTRAINTS, constraints, left)
    return constraints, later


def write_foreign_keys(conn: psycopg.Connection, constraints: list[Constraint], makings: dict[int, str],
                       tables: dict[int, tuple[str, str]], columns: dict[int, list[Column]],
                       rules: DeparseRules) -> None:
    """The texts read_constraints left for later: foreign keys to a table of another range, or
    to one whose parts are not read (the server writes those)."""
    left, quote = [], _quoter(rules)
    for i, con in enumerate(constraints):
        if con.oid in makings:
            referenced = _referenced(con.ref_table_oid, tables, columns)
            definition = referenced and _key_definition("f", makings[con.oid], columns.get(con.table_oid, []),
                                                        referenced, quote)
            if definition:
                constraints[i] = replace(con, definition=definition)
            else:
                left.append(i)
    _deparse(conn, DEPARSE_CONSTRAINTS, constraints, left)


def _referenced(oid: int, tables: dict[int, tuple[str, str]],
                columns: dict[int, list[Column]]) -> tuple[str, str, list[Column]] | None:
    """A foreign key's referenced table as `_key_definition` takes it (schema, name, columns);
    None if its parts are not among those read."""
    return (*tables[oid], columns.get(oid, [])) if oid in tables else None


def _deparse(conn: psycopg.Connection, query: str, records: list, positions: list[int]) -> None:
    """The server's text (`query`: DEPARSE_*) for the records at `positions`, in place: those
    that looked plain but that Python turned down."""
    if positions:
        texts = dict(conn.execute(query, {"oids": [records[i].oid for i in positions]}).fetchall())
        for i in positions:
            records[i] = replace(records[i], definition=texts[records[i].oid])


def read_indexes(conn: psycopg.Connection, parts: Parts, constraints: list[Constraint],
                 tables: dict[int, tuple[str, str]], columns: dict[int, list[Column]], rules: DeparseRules) -> list[Index]:
    """The indexes of `parts`' relations, given those relations' constraints (read_constraints),
    which own some indexes, names (schema, name) and columns (read_columns).

    Owners are matched here, not joined in SQL: pg_constraint has no index on conindid, and
    probing it by table for each index was a sixth of the query's server time.
    """
    owners = {(con.index_oid, con.table_oid): con.oid for con in constraints
              if con.index_oid is not None and con.contype in ("p", "u", "x")}
    indexes, left, quote = [], [], _quoter(rules)
    for oid, table_oid, schema, name, definition, _, *rest, makings in conn.execute(
            _indexes_sql(conn.info.server_version), parts.params()).fetchall():
        owner = owners.get((oid, table_oid))
        if owner is not None:
            definition = ""
        elif definition is None:
            table = tables.get(table_oid)
            definition = table and _plain_definition(schema, name, table[1], columns.get(table_oid, []), makings,
                                                     rules, quote)
            if not definition:
                left.append(len(indexes))
        indexes.append(Index(oid, table_oid, schema, name, definition, owner, *rest))
    _deparse(conn, DEPARSE_INDEXES, indexes, left)
    return indexes
