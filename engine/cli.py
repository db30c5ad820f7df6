"""Command line: argument parsing only. Errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
from pathlib import Path

from . import __version__, allocator
from .errors import EngineError, UsageError, VerifyError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other usage error
        raise UsageError(f"{self.prog}: {message}")


def _connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-d", "--dbname", metavar="CONNINFO",
                        help="connection URI or key=value string (default: DATABASE_URL, then PG* variables)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pgbackup", description="Pure-Python PostgreSQL backup and restore.")
    parser.add_argument("--version", action="version", version=f"pgbackup {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    backup = sub.add_parser("backup", help="back up a database into storage/backups/{timestamp}/",
                            description="Back up a database into a new directory under --output-dir.")
    _connection_args(backup)
    seed = backup.add_argument_group("data categories (as backup-db-v2.sh)")
    seed.add_argument("--no-auth", action="store_true", help="exclude the auth schema")
    seed.add_argument("--no-storage", action="store_true", help="exclude the storage schema")
    seed.add_argument("--no-transient", action="store_true",
                      help="exclude transient data (conversations, tasks, checkpoints)")
    seed.add_argument("--no-org-data", action="store_true",
                      help="exclude org-specific data (marketing, legal, engineering, leads)")
    seed.add_argument("--prod", action="store_true",
                      help="production mode: essential data only (excludes transient and org data)")
    seed.add_argument("--exclude-category", action="append", default=[], metavar="NAME",
                      help="leave out another category of the profile (repeatable)")
    seed.add_argument("--profile", metavar="PATH",
                      help="the categories and CSV export, as TOML (default: storage/backup-profile.toml)")
    seed.add_argument("--strict", action="store_true",
                      help="fail if an included table has a foreign key to a table whose rows are left out")
    seed.add_argument("--dry-run", action="store_true",
                      help="print the plan (every table: category, schema/data in or out, FK rank, size); write nothing")
    engine = backup.add_argument_group("engine")
    engine.add_argument("-o", "--output-dir", default="storage/backups", help="where backups go (default: %(default)s)")
    engine.add_argument("-j", "--jobs", type=int, default=2, help="parallel COPY connections (default: %(default)s)")
    engine.add_argument("-Z", "--compress", default="gzip:6", metavar="METHOD[:LEVEL]",
                        help="gzip[:1-9], zstd[:1-22] (or zstd:level=N,workers=N for zstd's own threads) "
                             "or none (default: %(default)s)")
    engine.add_argument("--no-verify", action="store_true",
                        help="do not read the finished backup back (pgbackup verify) before keeping it")
    engine.add_argument("--lock-wait-timeout", metavar="TIMEOUT", help="fail if a table lock waits longer")
    engine.add_argument("--split-threshold-mb", type=int, default=256,
                        help="split tables larger than this into block ranges (default: %(default)s)")
    select = backup.add_argument_group("selection (as pg_dump)")
    select.add_argument("-n", "--schema", action="append", default=[], metavar="PATTERN")
    select.add_argument("-N", "--exclude-schema", action="append", default=[], metavar="PATTERN")
    select.add_argument("-t", "--table", action="append", default=[], metavar="PATTERN")
    select.add_argument("-T", "--exclude-table", action="append", default=[], metavar="PATTERN")
    select.add_argument("--exclude-table-data", action="append", default=[], metavar="PATTERN")
    select.add_argument("--strict-names", action="store_true", help="every pattern must match something")
    select.add_argument("-s", "--schema-only", action="store_true")
    select.add_argument("-a", "--data-only", action="store_true")
    select.add_argument("--section", action="append", default=[], choices=("pre-data", "data", "post-data"),
                        help="dump only this section (repeatable)")
    output = backup.add_argument_group("output (as pg_dump)")
    output.add_argument("-O", "--no-owner", action="store_true", help="no ALTER ... OWNER TO statements")
    output.add_argument("-x", "--no-privileges", "--no-acl", dest="no_privileges", action="store_true",
                        help="no GRANT/REVOKE statements")
    output.add_argument("--no-tablespaces", action="store_true",
                        help="no SET default_tablespace: everything restores into the target's default")
    output.add_argument("-c", "--clean", action="store_true",
                        help="drop every object before creating it (in reverse dependency order)")
    output.add_argument("--if-exists", action="store_true", help="use IF EXISTS when dropping (needs --clean)")

    restore = sub.add_parser("restore", help="restore a backup directory into a database (pure Python)")
    restore.add_argument("directory", help="a backup directory")
    _connection_args(restore)
    restore.add_argument("-j", "--jobs", type=int, default=2,
                         help="parallel connections for table data and post-data (default: %(default)s)")
    restore.add_argument("-1", "--single-transaction", action="store_true",
                         help="all or nothing, in one transaction (implies --jobs 1)")
    restore.add_argument("-c", "--clean", action="store_true",
                         help="drop what the backup holds before restoring it (into a non-empty target)")
    restore.add_argument("--if-exists", action="store_true",
                         help="with --clean: DROP ... IF EXISTS (always so; accepted as in pg_restore)")
    restore.add_argument("--existing-schemas", metavar="LIST", default="",
                         help="comma-separated schemas the target already provides (e.g. auth,storage on a "
                              "fresh Supabase project): their DDL is skipped, their data loaded by column name")
    restore.add_argument("--from-csv", action="store_true",
                         help="load data/*.csv in file-name (FK) order into the target's existing tables")
    restore.add_argument("-O", "--no-owner", action="store_true", help="skip ALTER ... OWNER TO")
    restore.add_argument("-x", "--no-privileges", "--no-acl", action="store_true", help="skip GRANT/REVOKE")
    restore.add_argument("--no-tablespaces", action="store_true",
                         help="ignore the backup's tablespaces: everything into the target's default")
    restore.add_argument("--role", metavar="ROLE", help="SET ROLE on every connection before restoring")
    restore.add_argument("--verify", action="store_true",
                         help="also compare every table's content with the backup's COPY block (sha256)")

    verify = sub.add_parser("verify", help="check a backup directory: checksums, decompression, row counts",
                            description="Check everything a backup records: every file's size and sha256, the "
                                        "script decompressed to its end along its TOC, rows per table, the CSV "
                                        "files, and metadata.json. Exits 1 on any defect.")
    verify.add_argument("directory", help="a backup directory")

    listing = sub.add_parser("list", help="list the backups, newest first, with size, flags and verification")
    listing.add_argument("-o", "--output-dir", default="storage/backups", help="where backups go (default: %(default)s)")
    listing.add_argument("--no-verify", action="store_true", help="do not verify each backup (faster)")

    demo = sub.add_parser("demo", help="back up and restore a sample database on a throwaway server")
    demo.add_argument("-o", "--output-dir", default="storage/backups")
    demo.add_argument("--server", default=None, help="PostgreSQL major (12-18) or a bin directory (default: 18)")
    return parser


def _backup(args) -> int:
    from .backup import dry_run, run_backup  # noqa: PLC0415
    from .categories import SEED_OPTIONS  # noqa: PLC0415
    from .config import BackupOptions, CategoryOptions, Compression, Selection, resolve_conninfo  # noqa: PLC0415

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.schema_only and args.data_only:
        raise UsageError("--schema-only and --data-only cannot be used together")
    if args.clean and args.data_only:
        raise UsageError("--clean and --data-only cannot be used together")
    if args.if_exists and not args.clean:
        raise UsageError("--if-exists requires --clean")
    selection = Selection(tuple(args.schema), tuple(args.exclude_schema), tuple(args.table),
                          tuple(args.exclude_table), tuple(args.exclude_table_data), args.strict_names)
    exclude = [(name, "--" + flag.replace("_", "-")) for flag, name in SEED_OPTIONS.items() if getattr(args, flag)]
    exclude += [(name, f"--exclude-category={name}") for name in args.exclude_category]
    categories = CategoryOptions(args.profile, tuple(exclude), args.prod, args.strict)
    options = BackupOptions(
        conninfo=resolve_conninfo(args.dbname), output_dir=args.output_dir, jobs=args.jobs,
        compression=Compression.parse(args.compress), selection=selection, categories=categories,
        verify=not args.no_verify, schema_only=args.schema_only,
        data_only=args.data_only, lock_wait_timeout=args.lock_wait_timeout,
        split_threshold=args.split_threshold_mb * 1024 * 1024, no_owner=args.no_owner,
        no_privileges=args.no_privileges, no_tablespaces=args.no_tablespaces, clean=args.clean,
        if_exists=args.if_exists, section=tuple(s for s in ("pre-data", "data", "post-data") if s in args.section) if args.section else
        ("pre-data", "data", "post-data"),
    )
    if args.dry_run:
        from .dryrun import render_plan  # noqa: PLC0415

        print(render_plan(dry_run(options)))
        return 0
    result = run_backup(options, keep=_LEFT_TO_EXIT)
    total = sum(result.row_counts.values())
    print(f"backup written to {result.directory} ({len(result.row_counts)} tables, {total} rows, "
          f"{result.seconds:.1f}s)")
    return 0


def _restore(args) -> int:
    from .config import resolve_conninfo  # noqa: PLC0415
    from .restore import RestoreOptions, run_restore  # noqa: PLC0415

    from .restore.summary import summary_lines  # noqa: PLC0415

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such backup directory")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.if_exists and not args.clean:
        raise UsageError("--if-exists requires --clean")
    existing = tuple(s.strip() for s in args.existing_schemas.split(",") if s.strip())
    options = RestoreOptions(
        conninfo=resolve_conninfo(args.dbname), jobs=args.jobs, single_transaction=args.single_transaction,
        clean=args.clean, if_exists=args.if_exists, existing_schemas=existing, from_csv=args.from_csv,
        no_owner=args.no_owner, no_privileges=args.no_privileges, no_tablespaces=args.no_tablespaces,
        role=args.role, verify=args.verify,
    )
    result = run_restore(directory, options)
    for line in summary_lines(result):
        print(line)
    if result.mismatches:
        raise VerifyError(f"{len(result.mismatches)} table(s) differ from the backup: "
                          f"{', '.join(t.table for t in result.mismatches[:5])}")
    return 0


def _verify(args) -> int:
    from .verify import verify_backup  # noqa: PLC0415

    directory = Path(args.directory)
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such backup directory")
    report = verify_backup(directory)
    print(f"verifying {directory}")
    for finding in report.findings:
        print(f"  {'ok  ' if finding.ok else 'FAIL'}  {finding.what}")
    if report.ok:
        print("backup verified: no defects")
        return 0
    print(f"backup is DEFECTIVE: {len(report.defects)} defect(s)")
    return 1


def _list(args) -> int:
    from .dryrun import human_size  # noqa: PLC0415
    from .listing import list_backups  # noqa: PLC0415

    output = Path(args.output_dir)
    if not output.is_dir():
        raise UsageError(f"{output}: no such directory (use --output-dir)")
    backups = list_backups(output, verify=not args.no_verify)
    if not backups:
        print(f"no backups in {output}")
        return 0
    width = max(len(b.name) for b in backups)
    print(f"{'backup':{width}}  {'size':>10}  {'flags':24}  verifies")
    for b in backups:
        print(f"{b.name:{width}}  {human_size(b.size):>10}  {b.flags:24}  {b.status}")
    return 1 if any(b.status.startswith("DEFECTIVE") for b in backups) else 0


def _demo(args) -> int:
    from .demo import run_demo  # noqa: PLC0415

    return run_demo(Path(args.output_dir), args.server)


# What the `pgbackup` command (`run`) leaves for the process's end to drop at once; None when
# main() runs inside another program, which gets that memory back as usual.
_LEFT_TO_EXIT: list | None = None


def run() -> None:
    """The `pgbackup` command: main(), then an exit that does not take the process apart.

    Freed as the backup returns, a backup's records (10^5 of them for 10,000 tables) took 0.06 s,
    so they are kept (`_LEFT_TO_EXIT`). The interpreter's own exit, taking its modules and what
    they hold apart, still took 0.07-0.08 s after a backup of 10,000 tables. A command that
    succeeded has nothing left to do (its files closed and synced, its workers gone): once its
    output is flushed, the process ends at once (0.015 s), its memory going back to the system
    whole. Anything else (an error, a thread or worker process still alive) exits as usual.
    """
    global _LEFT_TO_EXIT
    _LEFT_TO_EXIT = []
    allocator.tune()
    code = main()
    gc.freeze()
    if code == 0 and _nothing_left_running():
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:  # None: started with that descriptor closed
                    stream.flush()
        except (OSError, ValueError):  # a broken pipe, a closed file: the usual exit deals with it
            pass
        else:
            os._exit(0)
    sys.exit(code)


def _nothing_left_running() -> bool:
    """No thread but this one, no worker process: nothing an immediate exit would cut short."""
    multiprocessing = sys.modules.get("multiprocessing")  # only a backup with data starts workers
    return threading.active_count() == 1 and (multiprocessing is None or not multiprocessing.active_children())


COMMANDS = {"backup": _backup, "restore": _restore, "verify": _verify, "list": _list, "demo": _demo}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    os.umask(0o077)  # every file we write is readable by its owner only
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except EngineError as exc:
        if debug:
            raise
        print(f"pgbackup: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("pgbackup: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback, unless --debug
        if debug:
            raise
        print(f"pgbackup: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
              f"(run with --debug for details)", file=sys.stderr)
        return 70
