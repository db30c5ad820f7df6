"""Plan entries for every object kind beyond schemas, tables and their parts.

Each module registers one family's entries (with their identities, so that pg_depend edges
resolve to them); `repair` runs after the edges are in, for the loops pg_dump also breaks by rule.
"""

from __future__ import annotations

from . import foreign, objects, replication, routines, textsearch, typedefs


def register_kinds(b, include_data: bool) -> None:
    typedefs.register(b)
    routines.register(b)
    textsearch.register(b)
    foreign.register(b)
    replication.register(b)
    objects.register(b, include_data)


def repair_kinds(b) -> None:
    typedefs.repair(b)
    objects.add_security_labels(b)
