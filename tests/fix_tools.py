"""Oracles and comparisons: psql and pg_dump 18 from the wheel (tests only), content checksums."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg
import pytest

from engine.backup import run_backup
from engine.config import BackupOptions
from engine.devserver import wheel_bindir


@pytest.fixture(scope="session")
def bindir() -> Path:
    return wheel_bindir()


def run_tool(bindir: Path, tool: str, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    return subprocess.run([str(bindir / tool), *args], env=env, capture_output=True, check=False, **kwargs)


def psql_restore(bindir: Path, script: Path, conninfo: str) -> None:
    """`gunzip -c backup.sql.gz | psql -v ON_ERROR_STOP=1`, as a user would run it."""
    from engine.codecs import open_reader
    from engine.config import Compression

    method = {".gz": "gzip", ".zst": "zstd"}.get(script.suffix, "none")
    with open_reader(str(script), Compression(method)) as stream:  # every member / frame, not just the first
        data = stream.read()
    result = run_tool(bindir, "psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo], input=data)
    assert result.returncode == 0, result.stderr.decode()[-3000:]


def schema_dump(bindir: Path, conninfo: str) -> str:
    """pg_dump --schema-only, normalized only for what differs between any two databases."""
    result = run_tool(bindir, "pg_dump", ["--schema-only", "-d", conninfo])
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8", "surrogateescape")  # in the database's encoding, compared as bytes
    text = re.sub(r"^\\(un)?restrict \S+$", r"\\\1restrict KEY", text, flags=re.M)
    return text


def assert_same_schema(bindir: Path, source: str, restored: str) -> str:
    """The restored database's schema_dump is the source's (a readable diff if not); the source's."""
    expected, actual = schema_dump(bindir, source), schema_dump(bindir, restored)
    if expected != actual:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "source", "restored"))
        pytest.fail("schema differs:\n" + diff[:20000])
    return expected


def table_checksums(conninfo: str) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row's text, ordered, for every user table."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = conn.execute(
            """SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname !~ '^pg_toast' ORDER BY 1, 2""").fetchall()
        result = {}
        for schema, name in tables:
            ident = psycopg.sql.Identifier(schema, name)
            q = psycopg.sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM ONLY {} t"
            ).format(ident)
            result[f"{schema}.{name}"] = tuple(conn.execute(q).fetchone())
        return result


def sequence_values(conninfo: str) -> dict[str, tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {f"{s}.{n}": (v,) for s, n, v in conn.execute(
            "SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2").fetchall()}


def backup(conninfo: str, tmp_path: Path, **options):
    options.setdefault("output_dir", str(tmp_path / "backups"))
    return run_backup(BackupOptions(conninfo=conninfo, **options), log=lambda message: None)
