"""Security labels (pg_seclabel) on any object, located by pg_identify_object."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row


class SecurityLabel(Struct, frozen=True):
    object: str  # 'catalog:oid', the identity the plan knows the object by
    subid: int  # column number for a column, else 0
    provider: str
    label: str
    type: str  # pg_identify_object's type, e.g. 'table', 'table column', 'function'
    identity: str  # pg_identify_object's identity: quoted and qualified by the server


SECURITY_LABELS = """
SELECT l.classoid::pg_catalog.regclass::text || ':' || l.objoid, l.objsubid, l.provider, l.label, o.type, o.identity
FROM pg_catalog.pg_seclabel l, LATERAL pg_catalog.pg_identify_object(l.classoid, l.objoid, l.objsubid) o
WHERE l.objoid >= 16384
ORDER BY 1, 2, 3
"""


def read_security_labels(conn: psycopg.Connection) -> list[SecurityLabel]:
    return conn.cursor(row_factory=args_row(SecurityLabel)).execute(SECURITY_LABELS).fetchall()
