"""Large objects: their metadata in one query, their contents read in bounded chunks.

The contents are read with lo_get under the lead's snapshot, one chunk at a time, so a large
object of any size passes through memory a chunk at a time.
"""

from __future__ import annotations

from typing import Iterator

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

CHUNK = 1 << 20


class LargeObject(Struct, frozen=True):
    oid: int
    owner: str
    acl: list[str] | None
    comment: str | None


LARGE_OBJECTS = """
SELECT m.oid, pg_catalog.pg_get_userbyid(m.lomowner), m.lomacl::text[],
       pg_catalog.obj_description(m.oid, 'pg_largeobject')
FROM pg_catalog.pg_largeobject_metadata m
ORDER BY m.oid
"""


def read_large_objects(conn: psycopg.Connection) -> list[LargeObject]:
    return conn.cursor(row_factory=args_row(LargeObject)).execute(LARGE_OBJECTS).fetchall()


def read_chunks(conn: psycopg.Connection, oid: int, size: int = CHUNK) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of one large object, in order; nothing for an empty one."""
    offset = 0
    while True:
        (data,) = conn.execute("SELECT pg_catalog.lo_get(%s, %s, %s)", (oid, offset, size)).fetchone()
        if not data:
            return
        yield offset, bytes(data)
        if len(data) < size:
            return
        offset += len(data)
