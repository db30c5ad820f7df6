"""`pgbackup demo`: a throwaway server, a sample database, a backup, a restore, a comparison."""

from __future__ import annotations

import sys
from pathlib import Path

from .backup import run_backup
from .config import BackupOptions, connect
from .devserver import Server
from .restore import RestoreOptions, run_restore
from .verify import compare_row_counts

SAMPLE = Path(__file__).with_name("sample.sql")


def load_sample(conninfo: str) -> None:
    with connect(conninfo, autocommit=True) as conn:
        conn.execute(SAMPLE.read_text())
        conn.execute("ANALYZE")


def run_demo(output_dir: Path, server_spec: str | None) -> int:
    say = lambda message: print(message, file=sys.stderr)  # noqa: E731
    say("starting a throwaway PostgreSQL server ...")
    with Server.start(server_spec) as server:
        with connect(server.dsn(), autocommit=True) as admin:
            admin.execute("CREATE DATABASE demo_source")
            admin.execute("CREATE DATABASE demo_restored")
        say("loading the sample database (prediction, crawler, RBAC, auth, storage, ...) ...")
        load_sample(server.dsn("demo_source"))
        result = run_backup(BackupOptions(conninfo=server.dsn("demo_source"), output_dir=str(output_dir)), log=say)
        say(f"backup written to {result.directory} in {result.seconds:.2f}s; restoring into demo_restored ...")
        run_restore(result.directory, RestoreOptions(server.dsn("demo_restored")), log=say)
        mismatches = compare_row_counts(server.dsn("demo_restored"), result.row_counts)
    for table, expected in sorted(result.row_counts.items()):
        say(f"  {table:40} {expected:>8} rows")
    if mismatches:
        for line in mismatches:
            say(f"MISMATCH {line}")
        return 1
    print(f"demo backup verified: {len(result.row_counts)} tables restored with identical row counts; "
          f"backup at {result.directory}")
    return 0
