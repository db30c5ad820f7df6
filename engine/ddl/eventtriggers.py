"""CREATE EVENT TRIGGER and its enabled state."""

from __future__ import annotations

from ..catalog.eventtriggers import EventTrigger
from .quoting import ident, literal

STATE = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}


def create_event_trigger(et: EventTrigger) -> str:
    sql = f"CREATE EVENT TRIGGER {ident(et.name)} ON {ident(et.event)}"
    if et.tags:
        sql += "\n    WHEN TAG IN (" + ", ".join(literal(t) for t in et.tags) + ")"
    sql += f"\n    EXECUTE FUNCTION {et.function}();\n"
    if et.enabled in STATE:
        sql += f"ALTER EVENT TRIGGER {ident(et.name)} {STATE[et.enabled]};\n"
    return sql
