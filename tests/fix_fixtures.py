"""Source databases built from tests/sql/*.sql, once per module and server.

`NAME.sql` runs on every server; `NAME.NN.sql` only on PostgreSQL NN and later, after it.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg

SQL_DIR = Path(__file__).parent / "sql"
_counter = itertools.count()


def fixture_sql(name: str, server_version: int) -> str:
    """The fixture script for this server: the base file, then each version file that applies."""
    parts = [(SQL_DIR / f"{name}.sql").read_text()]
    for path in sorted(SQL_DIR.glob(f"{name}.*.sql"), key=lambda p: int(p.suffixes[0][1:])):
        if server_version >= int(path.suffixes[0][1:]) * 10000:
            parts.append(path.read_text())
    return "\n".join(parts)


def build_database(server, name: str) -> str:
    """A new database holding the named fixture; returns its conninfo."""
    dbname = f"{name}_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
        version = conn.info.server_version
    conninfo = server.dsn(dbname)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(fixture_sql(name, version))
    return conninfo
