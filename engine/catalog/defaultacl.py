"""Default privileges (pg_default_acl), with the built-in defaults they are compared against.

A database-wide entry replaces the built-in default ACL for new objects, so restoring it means
revoking what the default had and the entry lacks; an IN SCHEMA entry only adds to those.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row


class DefaultAcl(Struct, frozen=True):
    oid: int
    role: str
    schema: str | None  # None: database-wide
    objtype: str  # r tables, S sequences, f functions, T types, n schemas, L large objects (18)
    acl: list[str]
    baseline: list[str]  # what the role's new objects get without this entry


DEFAULT_ACLS = """
SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype::text, d.defaclacl::text[],
       CASE WHEN d.defaclnamespace = 0
            THEN pg_catalog.acldefault(CASE d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END,
                                       d.defaclrole)::text[]
            ELSE '{}'::text[] END
FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
ORDER BY 2, 3 NULLS FIRST, 4
"""


def read_default_acls(conn: psycopg.Connection) -> list[DefaultAcl]:
    return conn.cursor(row_factory=args_row(DefaultAcl)).execute(DEFAULT_ACLS).fetchall()
