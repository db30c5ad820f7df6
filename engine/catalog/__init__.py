"""Reading pg_catalog: a fixed number of set-based queries, returning typed records.

Version differences between PostgreSQL 12 and 18 live in these modules and nowhere else.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct

from .constraints import read_constraints, read_indexes
from .depends import read_depends, read_extension_members
from .functions import read_functions
from .kinds import Kinds, read_kinds
from .model import (
    CompositeType, Constraint, Dependency, Domain, EnumType, Extension, Function, Index, Policy,
    Rule, Schema, Sequence, Table, Trigger,
)
from .relations import read_relations, read_sequences
from .rules import read_rules
from .schemas import read_extensions, read_schemas
from .triggers import read_policies, read_triggers
from .types import read_composites, read_domains, read_enums


class Catalog(Struct):
    server_version: int
    database: str
    encoding: str
    schemas: list[Schema]
    extensions: list[Extension]
    enums: list[EnumType]
    composites: list[CompositeType]
    domains: list[Domain]
    functions: list[Function]
    tables: list[Table]
    sequences: list[Sequence]
    constraints: list[Constraint]
    indexes: list[Index]
    triggers: list[Trigger]
    policies: list[Policy]
    depends: list[Dependency]
    extension_members: dict[str, str]
    kinds: Kinds  # every other object kind: catalog/kinds.py
    rules: list[Rule] = []


def read_catalog(conn: psycopg.Connection) -> Catalog:
    """Everything dumpable in the connected database, as seen by the connection's snapshot."""
    database, encoding = conn.execute(
        "SELECT pg_catalog.current_database(), pg_catalog.pg_encoding_to_char(encoding)"
        " FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()"
    ).fetchone()
    tables = read_relations(conn)
    relids = [t.oid for t in tables]
    return Catalog(
        server_version=conn.info.server_version,
        database=database,
        encoding=encoding,
        schemas=read_schemas(conn),
        extensions=read_extensions(conn),
        enums=read_enums(conn),
        composites=read_composites(conn),
        domains=read_domains(conn),
        functions=read_functions(conn),
        tables=tables,
        sequences=read_sequences(conn),
        constraints=read_constraints(conn, relids),
        indexes=read_indexes(conn, relids),
        triggers=read_triggers(conn, relids),
        policies=read_policies(conn, relids),
        depends=read_depends(conn),
        extension_members=read_extension_members(conn),
        rules=read_rules(conn, relids),
        kinds=read_kinds(conn, [t.oid for t in tables if t.relkind == "f"]),
    )
