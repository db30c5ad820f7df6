"""SQL fragments shared by the catalog queries: which namespaces and objects are the user's."""

# Schemas pg_dump never dumps: the system's own, TOAST and temporary ones.
USER_NAMESPACE = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"
)


def not_extension_member(catalog: str, oid_expr: str) -> str:
    """Objects created by an extension belong to its CREATE EXTENSION, never dumped alone."""
    return (
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e"
        f" WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass"
        f" AND e.objid = {oid_expr} AND e.deptype = 'e')"
    )


# The relations whose parts (columns, constraints, indexes...) a backup reads: those RELATIONS
# selects, less those in the parameter `skip` (an oid array: the ones the backup leaves out, and
# extensions' member relations, which RELATIONS leaves out; usually few, where the kept ones may
# be 10^4); filtered server-side, every connection in the same snapshot. Extension membership
# comes in with `skip`, read once: a pg_depend scan in each of the seven queries cost more.
USER_RELATIONS = (
    "(SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
    f" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_NAMESPACE}"
    " AND NOT (c.oid = ANY(%(skip)s::pg_catalog.oid[])))"
)

# Comments are read with a scalar subquery on pg_description (an index probe), never with
# obj_description()/col_description(): those are SQL functions whose per-row call costs several
# times more, which on 100,000 objects is seconds.
