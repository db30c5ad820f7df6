"""Large objects: created empty (so owner, ACL and comment can follow), then filled, all in the data section.

The contents go in as one stateless lo_put per chunk: unlike lo_open/lowrite, whose descriptor
lives only as long as a transaction, each statement stands alone, so psql in autocommit mode and
the entry-per-transaction Python restore both accept it, and no statement exceeds one chunk.
"""

from __future__ import annotations


def create_large_object(oid: int) -> str:
    return f"SELECT pg_catalog.lo_create('{int(oid)}');\n"


def put_chunk(oid: int, offset: int, data: bytes) -> str:
    return f"SELECT pg_catalog.lo_put('{int(oid)}', {int(offset)}, '\\x{data.hex()}'::bytea);\n"
