"""Schema-only backup speed: pgbackup's catalog reading + DDL generation against pg_dump 18.

Builds a database of N tables (default 10,000), each with a primary key, a NOT NULL column with
a default, a secondary index, a foreign key to the previous table, a comment and a grant; then
times, in alternating rounds, `pgbackup backup --schema-only` in-process (snapshot, catalog
queries, plan, DDL, script, manifest and the backup's own verification; again with --no-verify),
the same as a new `python -m engine` process (start-up and imports included, the modules
byte-compiled as installing them does), and `pg_dump --schema-only -f /dev/null` from the
PostgreSQL 18 wheel, on the same throwaway PostgreSQL 18 server. Prints each run, the medians and the ratios to pg_dump (below 1: faster),
also as the median of the rounds' own ratios, which drift in the machine's speed moves less.

    .venv/bin/python benchmarks/schema_bench.py [--tables 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.backup import run_backup  # noqa: E402
from engine.config import BackupOptions  # noqa: E402
from engine.devserver import Server, wheel_bindir  # noqa: E402

CHUNK = 250  # tables per transaction while building (each holds a lock until commit)

BUILD_CHUNK = """
DO $$
BEGIN
  FOR i IN %(first)s..%(last)s LOOP
    EXECUTE format('CREATE TABLE bench.t%%s (id int PRIMARY KEY, prev_id int, name text NOT NULL DEFAULT '''',
                    created timestamptz DEFAULT now(), payload jsonb)', i);
    EXECUTE format('CREATE INDEX t%%s_name ON bench.t%%s (name)', i, i);
    IF i > 1 THEN
      EXECUTE format('ALTER TABLE bench.t%%s ADD CONSTRAINT t%%s_prev FOREIGN KEY (prev_id) REFERENCES bench.t%%s (id)',
                     i, i, i - 1);
    END IF;
    EXECUTE format('COMMENT ON TABLE bench.t%%s IS %%L', i, 'table number ' || i);
    EXECUTE format('GRANT SELECT ON bench.t%%s TO bench_reader', i);
  END LOOP;
END $$;
"""


def build(conninfo: str, tables: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_reader')"
                     " THEN CREATE ROLE bench_reader; END IF; END $$")
        conn.execute("CREATE SCHEMA bench")
        for first in range(1, tables + 1, CHUNK):
            conn.execute(BUILD_CHUNK % {"first": first, "last": min(first + CHUNK - 1, tables)})
        conn.execute("ANALYZE")


def time_pgbackup(conninfo: str, out: Path, verify: bool = True) -> float:
    """In-process: the backup itself, without Python's start-up and imports."""
    started = time.perf_counter()
    result = run_backup(BackupOptions(conninfo=conninfo, output_dir=str(out), schema_only=True, verify=verify),
                        log=lambda message: None)
    elapsed = time.perf_counter() - started
    shutil.rmtree(result.directory)
    return elapsed


def time_cli(conninfo: str, out: Path) -> float:
    """`pgbackup backup --schema-only` as a user runs it: a new Python process, imports included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine", "backup", "--schema-only", "-d", conninfo, "-o", str(out)],
                   check=True, capture_output=True, cwd=Path(__file__).resolve().parent.parent)
    elapsed = time.perf_counter() - started
    for child in out.iterdir():
        shutil.rmtree(child)
    return elapsed


def time_pg_dump(conninfo: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(wheel_bindir() / "pg_dump"), "--schema-only", "-f", os.devnull, "-d", conninfo],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # Both tools lock every table in one transaction: room for that many locks.
    locks = max(64, args.tables * 2 // 50 + 64)
    with Server.start("18", settings={"max_locks_per_transaction": locks}) as server:
        conninfo = server.dsn("bench")
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        started = time.perf_counter()
        build(conninfo, args.tables)
        print(f"built {args.tables} tables (pk, index, fk, comment, grant) in {time.perf_counter() - started:.1f}s")
        runs = {"pgbackup": [], "pgbackup --no-verify": [], "pgbackup CLI": [], "pg_dump": []}
        # The engine's bytecode, as installing a package writes it: without it (an editable
        # install under PYTHONDONTWRITEBYTECODE, as on our machines) every CLI run compiles
        # every module first, 0.07 s here.
        compileall.compile_dir(Path(__file__).resolve().parent.parent / "engine", quiet=1)
        with tempfile.TemporaryDirectory() as tmp:
            time_pgbackup(conninfo, Path(tmp))  # warm the catalog caches for both
            commands = [("pgbackup", lambda: time_pgbackup(conninfo, Path(tmp))),
                        ("pgbackup --no-verify", lambda: time_pgbackup(conninfo, Path(tmp), verify=False)),
                        ("pgbackup CLI", lambda: time_cli(conninfo, Path(tmp) / "cli")),
                        ("pg_dump", lambda: time_pg_dump(conninfo))]
            for i in range(args.rounds):
                # Alternate the order, so that none always runs on a warmer server.
                for name, run in commands if i % 2 == 0 else reversed(commands):
                    runs[name].append(run())
                    print(f"round {i + 1}: {name:22s} {runs[name][-1]:.2f}s", flush=True)
    anchor = statistics.median(runs["pg_dump"])
    print(f"median over {args.rounds} rounds (ratio: time / pg_dump --schema-only's; below 1 is faster;"
          " per round: the median of each round's ratio to that round's pg_dump, which the machine's"
          " drift between rounds moves less)")
    for name, times in runs.items():
        median = statistics.median(times)
        per_round = statistics.median(t / anchor_t for t, anchor_t in zip(times, runs["pg_dump"]))
        print(f"  {name:22s} {median:6.2f}s  ({min(times):.2f}-{max(times):.2f})  ratio {median / anchor:.2f}"
              f"  per round {per_round:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
