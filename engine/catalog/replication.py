"""Publications (with their tables and, from 15, schemas) and subscriptions."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row


class Publication(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    all_tables: bool
    publish: list[str]  # insert, update, delete, truncate
    via_root: bool  # publish_via_partition_root (13+)
    generated_columns: str | None  # publish_generated_columns (18): n none, s stored
    comment: str | None


class PublicationTable(Struct, frozen=True):
    oid: int
    publication: str
    publication_oid: int
    table_oid: int
    columns: list[str] | None  # column list (15+)
    row_filter: str | None  # WHERE (15+)


class PublicationSchema(Struct, frozen=True):
    oid: int
    publication: str
    publication_oid: int
    schema: str
    schema_oid: int


class Subscription(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    conninfo: str
    slot_name: str | None
    synchronous_commit: str
    publications: list[str]
    options: dict[str, str]  # WITH options the server version knows, as CREATE SUBSCRIPTION spells them
    comment: str | None


def _publications_sql(version: int) -> str:
    via_root = "p.pubviaroot" if version >= 130000 else "false"
    gencols = "p.pubgencols::text" if version >= 180000 else "NULL::text"
    return f"""
SELECT p.oid, p.pubname, pg_catalog.pg_get_userbyid(p.pubowner), p.puballtables,
       ARRAY(SELECT x FROM (VALUES (1, 'insert', p.pubinsert), (2, 'update', p.pubupdate),
                                   (3, 'delete', p.pubdelete), (4, 'truncate', p.pubtruncate)) v(i, x, on_)
             WHERE on_ ORDER BY i),
       {via_root}, {gencols}, pg_catalog.obj_description(p.oid, 'pg_publication')
FROM pg_catalog.pg_publication p
ORDER BY p.pubname
"""


def _publication_tables_sql(version: int) -> str:
    if version >= 150000:
        extra = """CASE WHEN r.prattrs IS NOT NULL THEN ARRAY(
                     SELECT a.attname::text FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = r.prrelid AND a.attnum = ANY(r.prattrs) ORDER BY a.attnum) END,
                   pg_catalog.pg_get_expr(r.prqual, r.prrelid)"""
    else:
        extra = "NULL::text[], NULL::text"
    return f"""
SELECT r.oid, p.pubname, p.oid::int8, r.prrelid::int8, {extra}
FROM pg_catalog.pg_publication_rel r JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid
ORDER BY p.pubname, r.prrelid
"""


PUBLICATION_SCHEMAS = """
SELECT s.oid, p.pubname, p.oid::int8, n.nspname, n.oid::int8
FROM pg_catalog.pg_publication_namespace s
JOIN pg_catalog.pg_publication p ON p.oid = s.pnpubid
JOIN pg_catalog.pg_namespace n ON n.oid = s.pnnspid
ORDER BY p.pubname, n.nspname
"""

# Option columns by the version that introduced them: (column expression, option name).
_SUBSCRIPTION_OPTIONS = [
    (140000, "CASE WHEN s.subbinary THEN 'true' ELSE 'false' END", "binary"),
    (140000, "CASE WHEN s.substream::text IN ('t', 'true') THEN 'on' WHEN s.substream::text = 'p' THEN 'parallel'"
             " ELSE 'off' END", "streaming"),
    (150000, "CASE WHEN s.subtwophasestate <> 'd' THEN 'on' ELSE 'off' END", "two_phase"),
    (150000, "CASE WHEN s.subdisableonerr THEN 'true' ELSE 'false' END", "disable_on_error"),
    (160000, "CASE WHEN s.subpasswordrequired THEN 'true' ELSE 'false' END", "password_required"),
    (160000, "CASE WHEN s.subrunasowner THEN 'true' ELSE 'false' END", "run_as_owner"),
    (160000, "s.suborigin", "origin"),
    (170000, "CASE WHEN s.subfailover THEN 'true' ELSE 'false' END", "failover"),
]


def _subscriptions_sql(version: int) -> str:
    pairs = [f"'{name}', {expr}" for since, expr, name in _SUBSCRIPTION_OPTIONS if version >= since]
    options = f"pg_catalog.json_build_object({', '.join(pairs)})" if pairs else "'{}'::json"
    return f"""
SELECT s.oid, s.subname, pg_catalog.pg_get_userbyid(s.subowner), s.subconninfo, s.subslotname,
       s.subsynccommit, s.subpublications, {options}, pg_catalog.obj_description(s.oid, 'pg_subscription')
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
ORDER BY s.subname
"""


def read_publications(conn: psycopg.Connection) -> list[Publication]:
    sql = _publications_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(Publication)).execute(sql).fetchall()


def read_publication_tables(conn: psycopg.Connection) -> list[PublicationTable]:
    sql = _publication_tables_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(PublicationTable)).execute(sql).fetchall()


def read_publication_schemas(conn: psycopg.Connection) -> list[PublicationSchema]:
    if conn.info.server_version < 150000:
        return []
    return conn.cursor(row_factory=args_row(PublicationSchema)).execute(PUBLICATION_SCHEMAS).fetchall()


def can_read_subscriptions(conn: psycopg.Connection) -> bool:
    """pg_subscription's conninfo is readable by superusers only (pg_dump skips them otherwise)."""
    return bool(conn.execute("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").fetchone()[0])


def read_subscriptions(conn: psycopg.Connection) -> list[Subscription]:
    if not can_read_subscriptions(conn):
        return []
    sql = _subscriptions_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(Subscription)).execute(sql).fetchall()
