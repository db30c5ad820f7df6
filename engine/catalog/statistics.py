"""Extended statistics objects (CREATE STATISTICS), with their statistics target."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member


class StatisticsObject(Struct, frozen=True):
    oid: int
    table_oid: int
    schema: str
    name: str
    owner: str
    definition: str  # pg_get_statisticsobjdef
    target: int | None  # None: the default
    comment: str | None


def _statistics_sql(version: int) -> str:
    # stxstattarget arrived in 13: -1 for the default before 17, NULL from 17.
    if version >= 170000:
        target = "s.stxstattarget::int"
    elif version >= 130000:
        target = "NULLIF(s.stxstattarget, -1)::int"
    else:
        target = "NULL::int"
    return f"""
SELECT s.oid, s.stxrelid::int8, n.nspname, s.stxname, pg_catalog.pg_get_userbyid(s.stxowner),
       pg_catalog.pg_get_statisticsobjdef(s.oid), {target},
       pg_catalog.obj_description(s.oid, 'pg_statistic_ext')
FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_statistic_ext', 's.oid')}
ORDER BY n.nspname, s.stxname
"""


def read_statistics(conn: psycopg.Connection) -> list[StatisticsObject]:
    sql = _statistics_sql(conn.info.server_version)
    return conn.cursor(row_factory=args_row(StatisticsObject)).execute(sql).fetchall()
