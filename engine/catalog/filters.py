"""SQL fragments shared by the catalog queries: which namespaces and objects are the user's."""

from msgspec import Struct

# Schemas pg_dump never dumps: the system's own, TOAST and temporary ones.
USER_NAMESPACE = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
)


def extension_member_row(alias: str) -> str:
    """pg_depend row `alias` makes its object a member of an extension.

    A member's 'e' row always references its extension: saying so lets the server find the
    members through the index on what pg_depend references (the few rows naming an extension),
    where deptype, which no index holds, made it read every row (of all pg_depend, or of a
    catalog's objects: 10^4 tables, 6 * 10^4 rows, 10 ms on the path every other read waits for).
    """
    return f"{alias}.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND {alias}.deptype = 'e'"


def not_extension_member(catalog: str, oid_expr: str) -> str:
    """Objects created by an extension belong to its CREATE EXTENSION, never dumped alone."""
    return (
        f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE {extension_member_row('e')}"
        f" AND e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND e.objid = {oid_expr})"
    )


# The relation kinds a backup dumps, in the user's schemas (pg_class c, pg_namespace n).
DUMPED_RELATION = f"c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_NAMESPACE}"

# The relations whose parts (columns, constraints, indexes...) a backup reads: those RELATIONS
# selects, less those in `skip` (an oid array: the ones the backup leaves out, and extensions'
# member relations, which RELATIONS leaves out; usually few, where the kept ones may be 10^4),
# with oids in [lo, hi]; filtered server-side, every connection in the same snapshot. Extension
# membership comes in with `skip`, read once: a pg_depend scan in each query cost more.
USER_RELATIONS = (
    "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE {DUMPED_RELATION}"
    " AND c.oid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid AND NOT (c.oid = ANY(%(skip)s::pg_catalog.oid[])))"
)


def user_relation(column: str) -> str:
    """`column` (a relation's oid) is one of USER_RELATIONS; the range repeated outside lets the
    server scan only that range of the catalog's index on it."""
    return f"{column} IN {USER_RELATIONS} AND {column} BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid"


class Parts(Struct, frozen=True):
    """Whose parts one query reads: the relations with oids in [lo, hi] but those in `skip`.

    The tables' parts are read in oid ranges, a range's queries on one connection: each server
    process then looks up (and caches) the catalog rows of its own tables only, where reading
    each kind on its own connection made every process look up every table.
    """

    skip: list[int]
    lo: int = 0
    hi: int = 4294967295  # the largest oid

    def params(self) -> dict:
        return {"skip": self.skip, "lo": self.lo, "hi": self.hi}


# Comments are read with a scalar subquery on pg_description (an index probe), never with
# obj_description()/col_description(): those are SQL functions whose per-row call costs several
# times more, which on 100,000 objects is seconds.
