"""The seed-like sample database (engine/sample.sql), and helpers to read what a backup holds."""

from __future__ import annotations

import gzip
import io
import os
import sys
from pathlib import Path

import psycopg
import pytest

from engine import cli
from engine.artifacts import read_metadata
from engine.demo import load_sample

# The seed's categories, spelled out independently of the profile under test.
AUTH = {"auth.users", "auth.identities"}
STORAGE = {"storage.buckets", "storage.objects"}
TRANSIENT = {"public.conversations", "public.tasks", "public.plans", "public.deliverables", "public.checkpoints",
             "public.llm_usage"}
ORG = {"marketing.campaigns", "law.contracts", "engineering.incidents", "leads.contacts", "company_data.facts",
       "risk.assessments"}


@pytest.fixture
def sample(source) -> str:
    load_sample(source)
    return source


def user_tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return {f"{s}.{n}" for s, n in conn.execute(
            """SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname !~ '^pg_toast'""")}


def run_cli(args: list[str], capsys=None) -> tuple[int, str, str]:
    code = cli.main(args)
    if capsys is None:
        return code, "", ""
    out, err = capsys.readouterr()
    return code, out, err


def cli_backup(conninfo: str, out: Path, *flags: str) -> Path:
    """`pgbackup backup` as a user runs it; returns the new backup directory."""
    before = set(out.iterdir()) if out.exists() else set()
    code = cli.main(["backup", "-d", conninfo, "-o", str(out), *flags])
    assert code == 0
    (new,) = set(out.iterdir()) - before
    return new


def script_text(directory: Path) -> str:
    return gzip.decompress((directory / "backup.sql.gz").read_bytes()).decode()


def copy_csv(conninfo: str, schema: str, table: str, columns: list[str]) -> bytes:
    """What PostgreSQL itself writes for COPY ... TO STDOUT WITH (FORMAT csv, HEADER)."""
    ident = psycopg.sql.Identifier
    query = psycopg.sql.SQL("COPY {} ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
        ident(schema, table), psycopg.sql.SQL(", ").join(ident(c) for c in columns))
    buf = io.BytesIO()
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor().copy(query) as copy:
        for data in copy:
            buf.write(data)
    return buf.getvalue()


def metadata(directory: Path):
    return read_metadata(directory)


def python_env() -> dict[str, str]:
    """The engine importable by the restore scripts' python fallback."""
    root = str(Path(__file__).resolve().parent.parent)
    return {"PYTHON": sys.executable, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
