"""Privileges changed on objects the backup does not create: the system's and extensions' own.

pg_dump (9.6+) writes no definition for the objects in pg_catalog, the built-in languages and
the members of extensions, but it does write how their privileges differ from the initial ones
pg_init_privs recorded (at initdb, or by CREATE EXTENSION): a `GRANT ... ON pg_catalog.pg_proc`,
a `REVOKE EXECUTE ON FUNCTION` of an extension's function. Where pg_init_privs has no row the
initial privileges are the built-in defaults (acldefault), as for a new object. information_schema
and the other system schemas are left alone, as pg_dump leaves them.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct

from .filters import extension_member_row


class ChangedAcl(Struct, frozen=True):
    key: str  # 'catalog:oid' of the object, with ':attnum' for a column
    extension: str | None  # 'pg_extension:oid' of the extension it belongs to; None: a system object
    grant_kind: str  # GRANT's word: TABLE, SEQUENCE, FUNCTION, PROCEDURE, TYPE, DOMAIN, SCHEMA, LANGUAGE...
    target: str  # quoted, qualified where it lives in a schema
    column: str | None
    owner: str
    acl: list[str]  # now, the defaults written out where the catalog has NULL
    initial: list[str]


# One row shape per catalog. `member`: the extension of an extension member; `pick`: which rows
# are candidates (system or member); every candidate's ACL is compared with its initial one.
_MEMBER = ("(SELECT e.refobjid FROM pg_catalog.pg_depend e WHERE e.classid = '{cat}'::pg_catalog.regclass"
           f" AND e.objid = {{oid}} AND e.objsubid = 0 AND {extension_member_row('e')} LIMIT 1)")
_INIT = ("(SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip WHERE ip.classoid = '{cat}'::pg_catalog.regclass"
         " AND ip.objoid = {oid} AND ip.objsubid = {sub})")


def _part(cat: str, oid: str, sub: str, kind: str, target: str, column: str, owner: str, acl: str,
          default: str, source: str, system: str) -> str:
    member = _MEMBER.format(cat=cat, oid=oid)
    return f"""
SELECT '{cat}:' || {oid}::int8 || CASE WHEN {sub} <> 0 THEN ':' || {sub} ELSE '' END, {member}::int8,
       {kind}, {target}, {column}, pg_catalog.pg_get_userbyid({owner}),
       COALESCE({acl}, pg_catalog.acldefault('{default}', {owner}))::text[],
       COALESCE({_INIT.format(cat=cat, oid=oid, sub=sub)}, pg_catalog.acldefault('{default}', {owner}))::text[]
FROM {source}
WHERE ({system} OR {oid} IN (SELECT m.objid FROM members m WHERE m.classid = '{cat}'::pg_catalog.regclass))
  -- with no ACL now and none recorded initially, both are the defaults: unchanged
  AND ({acl} IS NOT NULL OR ({oid}, {sub}) IN (SELECT ip.objoid, ip.objsubid FROM pg_catalog.pg_init_privs ip
                                               WHERE ip.classoid = '{cat}'::pg_catalog.regclass))"""


_QNAME = "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident({name})"
_RELATION_NAME = "pg_catalog.quote_ident(c.nspname) || '.' || pg_catalog.quote_ident(c.relname)"  # of `relations`
_PG_CATALOG = "n.nspname = 'pg_catalog'"
# FirstNormalObjectId: the built-in languages (internal, c, sql) are below it, as pg_dump's
# g_last_builtin_oid tells them apart.
_FIRST_NORMAL_OID = 16384

# The extension members are read once for every part; the candidate relations too (pg_class
# has no index on the schema): the system's and the members.
CHANGED_ACLS = f"""
WITH members AS MATERIALIZED (SELECT e.classid, e.objid FROM pg_catalog.pg_depend e WHERE {extension_member_row('e')}),
relations AS MATERIALIZED (
  SELECT c.oid, c.relname, c.relkind, c.relowner, c.relacl, n.nspname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE ({_PG_CATALOG} AND c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S'))
     OR c.oid IN (SELECT m.objid FROM members m WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass))
""" + " UNION ALL ".join([
    _part("pg_class", "c.oid", "0", "CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END",
          _RELATION_NAME, "NULL", "c.relowner", "c.relacl",
          "r", "relations c", "true"),
    # Their columns, each relation's looked up (pg_attribute holds every column of every table:
    # scanned, most of this query's cost; OFFSET 0 keeps the planner from joining the two back
    # into that scan). A system sequence's are not candidates, an extension's are.
    _part("pg_class", "c.oid", "a.attnum", "'TABLE'", _RELATION_NAME,
          "pg_catalog.quote_ident(a.attname)", "c.relowner", "a.attacl", "c",
          "relations c, LATERAL (SELECT a.attnum, a.attname, a.attacl FROM pg_catalog.pg_attribute a"
          " WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped OFFSET 0) a", "c.relkind <> 'S'"),
    _part("pg_proc", "p.oid", "0", "CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END",
          _QNAME.format(name="p.proname") + " || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'",
          "NULL", "p.proowner", "p.proacl", "f",
          "pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace", _PG_CATALOG),
    # Array types follow their element type's privileges; they cannot be granted on.
    _part("pg_type", "t.oid", "0", "CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END",
          _QNAME.format(name="t.typname"), "NULL", "t.typowner", "t.typacl", "T",
          "pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace",
          f"{_PG_CATALOG} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type te"
          " WHERE te.oid = t.typelem AND te.typarray = t.oid)"),
    _part("pg_namespace", "n.oid", "0", "'SCHEMA'", "pg_catalog.quote_ident(n.nspname)", "NULL", "n.nspowner",
          "n.nspacl", "n", "pg_catalog.pg_namespace n", _PG_CATALOG),
    _part("pg_language", "l.oid", "0", "'LANGUAGE'", "pg_catalog.quote_ident(l.lanname)", "NULL", "l.lanowner",
          "l.lanacl", "l", "pg_catalog.pg_language l", f"l.oid < {_FIRST_NORMAL_OID}"),
    _part("pg_foreign_data_wrapper", "w.oid", "0", "'FOREIGN DATA WRAPPER'", "pg_catalog.quote_ident(w.fdwname)",
          "NULL", "w.fdwowner", "w.fdwacl", "F", "pg_catalog.pg_foreign_data_wrapper w", "false"),
    _part("pg_foreign_server", "s.oid", "0", "'FOREIGN SERVER'", "pg_catalog.quote_ident(s.srvname)", "NULL",
          "s.srvowner", "s.srvacl", "S", "pg_catalog.pg_foreign_server s", "false"),
])


def read_changed_acls(conn: psycopg.Connection) -> list[ChangedAcl]:
    """The candidates whose privileges differ from their initial ones, as sets of aclitems."""
    rows = conn.execute(CHANGED_ACLS).fetchall()
    return [ChangedAcl(key, None if ext is None else f"pg_extension:{ext}", kind, target, column, owner, acl, initial)
            for key, ext, kind, target, column, owner, acl, initial in sorted(rows, key=lambda r: r[0])
            if set(acl) != set(initial)]
