"""User-defined types: enums, composites and domains."""

from __future__ import annotations

import psycopg
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .model import CompositeAttribute, CompositeType, Domain, DomainConstraint, EnumType

_TYPE_FILTER = f"{USER_NAMESPACE} AND {not_extension_member('pg_type', 't.oid')}"

ENUMS = f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner),
       ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
       t.typacl::text[], (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = t.oid AND dsc.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_TYPE_FILTER}
"""

COMPOSITE_ATTRIBUTES = """
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       CASE WHEN a.attcollation <> at.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = a.attrelid AND dsc.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dsc.objsubid = a.attnum)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

COMPOSITE_TYPES = f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner), t.typrelid,
       t.typacl::text[], (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = t.oid AND dsc.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c' AND c.relkind = 'c' AND {_TYPE_FILTER}
"""

DOMAINS = f"""
SELECT t.oid, n.nspname, t.typname, pg_catalog.pg_get_userbyid(t.typowner),
       pg_catalog.format_type(t.typbasetype, t.typtypmod),
       CASE WHEN t.typcollation <> bt.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END,
       t.typdefault, t.typnotnull, t.typacl::text[], (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = t.oid AND dsc.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE t.typtype = 'd' AND {_TYPE_FILTER}
"""

# From 17 a domain's NOT NULL is a named pg_constraint row (contype 'n') too.
DOMAIN_CONSTRAINTS = """
SELECT co.contypid, co.oid, co.conname, pg_catalog.pg_get_constraintdef(co.oid), co.convalidated,
       pg_catalog.obj_description(co.oid, 'pg_constraint')
FROM pg_catalog.pg_constraint co
WHERE co.contypid = ANY(%s) AND co.contype IN ('c', 'n')
ORDER BY co.contypid, co.contype = 'c', co.conname
"""


def read_enums(conn: psycopg.Connection) -> list[EnumType]:
    return conn.cursor(row_factory=args_row(EnumType)).execute(ENUMS).fetchall()


def read_composites(conn: psycopg.Connection) -> list[CompositeType]:
    rows = conn.execute(COMPOSITE_TYPES).fetchall()
    attributes: dict[int, list[CompositeAttribute]] = {}
    for relid, *fields in conn.execute(COMPOSITE_ATTRIBUTES, ([r[4] for r in rows],)):
        attributes.setdefault(relid, []).append(CompositeAttribute(*fields))
    return [
        CompositeType(oid, schema, name, owner, attributes.get(relid, []), acl, comment)
        for oid, schema, name, owner, relid, acl, comment in rows
    ]


def read_domains(conn: psycopg.Connection) -> list[Domain]:
    rows = conn.execute(DOMAINS).fetchall()
    checks: dict[int, list[DomainConstraint]] = {}
    for typid, oid, name, definition, validated, comment in conn.execute(DOMAIN_CONSTRAINTS, ([r[0] for r in rows],)):
        checks.setdefault(typid, []).append(DomainConstraint(oid, name, definition, validated, comment))
    return [
        Domain(oid, schema, name, owner, base, collation, default, notnull, checks.get(oid, []), acl, comment)
        for oid, schema, name, owner, base, collation, default, notnull, acl, comment in rows
    ]
