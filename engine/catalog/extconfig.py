"""Extension configuration tables and sequences (pg_extension.extconfig / extcondition).

Their definitions belong to CREATE EXTENSION, but rows the user added (those the extension's
filter condition selects) and sequence positions are user data: pg_dump dumps them, and so do we.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row


class ConfigRelation(Struct, frozen=True):
    oid: int
    extension_oid: int
    schema: str
    name: str
    relkind: str  # r table, S sequence
    owner: str
    columns: list[str]  # a table's columns COPY writes (generated ones are computed)
    condition: str  # '' or the extension's 'WHERE ...' filter, as pg_extension_config_dump recorded it
    last_value: int | None  # a sequence's position (None when never called)
    start: int | None


CONFIG_RELATIONS = """
SELECT c.oid, x.oid::int8, n.nspname, c.relname, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner),
       ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum),
       COALESCE(x.extcondition[cfg.i], ''),
       CASE WHEN c.relkind = 'S' THEN pg_catalog.pg_sequence_last_value(c.oid) END,
       s.seqstart
FROM pg_catalog.pg_extension x
CROSS JOIN LATERAL pg_catalog.unnest(x.extconfig) WITH ORDINALITY AS cfg(relid, i)
JOIN pg_catalog.pg_class c ON c.oid = cfg.relid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind IN ('r', 'S')
ORDER BY n.nspname, c.relname
"""


def read_config_relations(conn: psycopg.Connection) -> list[ConfigRelation]:
    return conn.cursor(row_factory=args_row(ConfigRelation)).execute(CONFIG_RELATIONS).fetchall()
