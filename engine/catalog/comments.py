"""Comments on relations, their columns, indexes and constraints, read range by range."""

from __future__ import annotations

import psycopg
from msgspec import Struct

from .filters import Parts

# Comments are few where these objects are 10^5: a probe of pg_description for each one was a
# third of the columns' query; for the relations, constraints and indexes of a range of 1,667
# tables, 2 ms of 7, 2 of 8 and 1.5-2 of 13-16 (10^4 tables: some 0.035 s of server CPU). So
# each oid range reads the comments on the relations and constraints whose oids it covers: a
# column's are its table's; an index's or a constraint's oid may fall in another range than its
# table's, so those are matched once every range is read (read_catalog).
COMMENTS = """
SELECT objoid, classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass, objsubid, description
FROM pg_catalog.pg_description
WHERE objoid BETWEEN %(lo)s::pg_catalog.oid AND %(hi)s::pg_catalog.oid
  AND classoid IN ('pg_catalog.pg_class'::pg_catalog.regclass, 'pg_catalog.pg_constraint'::pg_catalog.regclass)
"""


class Comments(Struct):
    columns: dict[tuple[int, int], str]  # (relation oid, attnum) -> comment
    relations: dict[int, str]  # relations and indexes, by oid
    constraints: dict[int, str]


def read_comments(conn: psycopg.Connection, parts: Parts) -> Comments:
    comments = Comments({}, {}, {})
    for oid, on_constraint, attnum, text in conn.execute(COMMENTS, parts.params()).fetchall():
        if on_constraint:
            comments.constraints[oid] = text
        elif attnum:
            comments.columns[oid, attnum] = text
        else:
            comments.relations[oid] = text
    return comments
