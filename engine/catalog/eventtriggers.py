"""Event triggers (database-wide, so they are restored last, as pg_dump does)."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import not_extension_member


class EventTrigger(Struct, frozen=True):
    oid: int
    name: str
    owner: str
    event: str
    function: str  # regproc: qualified unless in pg_catalog
    enabled: str  # O origin, D disabled, R replica, A always
    tags: list[str] | None
    comment: str | None


EVENT_TRIGGERS = f"""
SELECT et.oid, et.evtname, pg_catalog.pg_get_userbyid(et.evtowner), et.evtevent,
       et.evtfoid::pg_catalog.regproc::text, et.evtenabled::text, et.evttags,
       pg_catalog.obj_description(et.oid, 'pg_event_trigger')
FROM pg_catalog.pg_event_trigger et
WHERE {not_extension_member('pg_event_trigger', 'et.oid')}
ORDER BY et.evtname
"""


def read_event_triggers(conn: psycopg.Connection) -> list[EventTrigger]:
    return conn.cursor(row_factory=args_row(EventTrigger)).execute(EVENT_TRIGGERS).fetchall()
