"""Restore speed: `gunzip -c backup.sql.gz | psql` against `pgbackup restore --jobs N` on the same backup.

Starts a throwaway PostgreSQL 18, builds two databases, backs each up once with pgbackup, then
restores each backup into fresh databases, alternating the two methods run by run (the machine
may be shared: alternating spreads any noise over both), and reports medians and ratios.

    .venv/bin/python -m benchmarks.restore_bench --runs 3 --scale 1

Datasets:
  mixed  -- a typical application: one large table, several medium and many small ones, indexes
  large  -- several large tables, each with a primary key and two secondary indexes
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from engine.backup import run_backup
from engine.config import BackupOptions
from engine.devserver import Server, wheel_bindir


def _table(name: str, rows: int) -> str:
    return f"""
CREATE TABLE bench.{name} (
    id bigint PRIMARY KEY, account int NOT NULL, created timestamptz NOT NULL, amount numeric(12, 2),
    label text, payload jsonb);
INSERT INTO bench.{name}
SELECT g, g % 9973, '2026-01-01'::timestamptz + g * interval '1 second', (g % 100000) / 100.0,
       md5(g::text) || ' ' || repeat(chr(97 + g % 26), g % 40),
       jsonb_build_object('k', g % 17, 'tag', md5((g * 7)::text))
FROM generate_series(1, {rows}) g;
CREATE INDEX ON bench.{name} (account, created);
CREATE INDEX ON bench.{name} (label);
"""


def dataset(kind: str, scale: float) -> str:
    n = lambda rows: max(1, int(rows * scale))  # noqa: E731
    if kind == "large":
        return "CREATE SCHEMA bench;" + "".join(_table(f"big{i}", n(300_000)) for i in range(4))
    parts = ["CREATE SCHEMA bench;", _table("events", n(500_000))]
    parts += [_table(f"medium{i}", n(60_000)) for i in range(4)]
    parts += [_table(f"small{i}", n(500)) for i in range(30)]
    return "".join(parts)


def restore_psql(script: Path, conninfo: str) -> None:
    psql = wheel_bindir() / "psql"
    pipeline = f"gunzip -c '{script}' | '{psql}' -X -q -v ON_ERROR_STOP=1 -d '{conninfo}' > /dev/null"
    subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], check=True)


def restore_pgbackup(directory: Path, conninfo: str, jobs: int) -> None:
    subprocess.run([sys.executable, "-m", "engine", "restore", str(directory), "-d", conninfo, "--jobs", str(jobs)],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--datasets", default="mixed,large")
    args = parser.parse_args()
    results = []
    with Server.start("18") as server, tempfile.TemporaryDirectory(prefix="restore-bench-") as tmp:
        admin = psycopg.connect(server.dsn(), autocommit=True)
        counter = 0
        loads: list[float] = []  # 1-minute load average after each run: the machine may be shared
        for kind in args.datasets.split(","):
            admin.execute(f"CREATE DATABASE src_{kind}")
            with psycopg.connect(server.dsn(f"src_{kind}"), autocommit=True) as conn:
                conn.execute(dataset(kind, args.scale))
                conn.execute("VACUUM ANALYZE")
                (size,) = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            backup = run_backup(BackupOptions(conninfo=server.dsn(f"src_{kind}"), output_dir=f"{tmp}/{kind}",
                                              jobs=2), log=lambda m: None)
            script = backup.directory / "backup.sql.gz"
            print(f"{kind}: database {size / 1e6:.0f} MB, backup.sql.gz {script.stat().st_size / 1e6:.0f} MB",
                  file=sys.stderr)
            times: dict[str, list[float]] = {"psql": [], "pgbackup": []}
            for run in range(args.runs):
                order = ["psql", "pgbackup"] if run % 2 == 0 else ["pgbackup", "psql"]
                for method in order:
                    counter += 1
                    db = f"dst_{counter}"
                    admin.execute(f"CREATE DATABASE {db}")
                    admin.execute("CHECKPOINT")
                    started = time.perf_counter()
                    if method == "psql":
                        restore_psql(script, server.dsn(db))
                    else:
                        restore_pgbackup(backup.directory, server.dsn(db), args.jobs)
                    elapsed = time.perf_counter() - started
                    times[method].append(elapsed)
                    loads.append(os.getloadavg()[0])
                    print(f"  run {run + 1} {method}: {elapsed:.2f}s (load average {loads[-1]:.2f})", file=sys.stderr)
                    admin.execute(f"DROP DATABASE {db}")
            results.append((kind, size, times))
        admin.close()
    print(f"\n| dataset | database | gunzip -c \\| psql | pgbackup restore --jobs {args.jobs} | speed-up |")
    print("|---|---|---|---|---|")
    for kind, size, times in results:
        a, b = statistics.median(times["psql"]), statistics.median(times["pgbackup"])
        print(f"| {kind} | {size / 1e6:.0f} MB | {a:.2f}s | {b:.2f}s | {a / b:.2f}x |")
    print(f"\nmedians of {args.runs} alternating runs; all runs: "
          + "; ".join(f"{k}: psql {[round(t, 2) for t in v['psql']]}, pgbackup {[round(t, 2) for t in v['pgbackup']]}"
                      for k, _, v in results))
    # Each run's pair ran back to back: its ratio is less exposed to another user's load than the medians.
    print("per-run ratios psql / pgbackup: " + "; ".join(
        f"{k}: {[round(a / b, 2) for a, b in zip(v['psql'], v['pgbackup'])]}" for k, _, v in results))
    print(f"load average (1 min) after the runs: {min(loads):.2f} to {max(loads):.2f}; {time.strftime('%Y-%m-%d %H:%M')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
