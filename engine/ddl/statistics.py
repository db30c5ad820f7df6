"""CREATE STATISTICS and its statistics target."""

from __future__ import annotations

from ..catalog.statistics import StatisticsObject
from .quoting import qualified


def create_statistics(stat: StatisticsObject) -> str:
    sql = stat.definition + ";\n"
    if stat.target is not None:
        sql += f"ALTER STATISTICS {qualified(stat.schema, stat.name)} SET STATISTICS {stat.target};\n"
    return sql
