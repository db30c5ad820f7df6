"""The data engine: one snapshot under concurrent writes, locks, failures, codecs, splitting, memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from engine.backup import copy_tasks, run_backup
from engine.codecs import decompress_units
from engine.config import BackupOptions, Compression
from engine.errors import BackupError, UsageError
from engine.restore import RestoreOptions, run_restore
from engine.script import read_toc, read_unit_range
from engine.snapshot import Lead

from .fix_server import execute, query
from .fix_tools import psql_restore, run_tool, table_checksums

SMALL_SPLIT = 64 * 1024  # bytes: forces the bank tables into several block ranges

BANK = """
CREATE SCHEMA bank;
CREATE TABLE bank.accounts (id int PRIMARY KEY, balance bigint NOT NULL, note text);
INSERT INTO bank.accounts SELECT g, 1000, 'account ' || g FROM generate_series(1, 20000) g;
CREATE TABLE bank.parents (id bigint PRIMARY KEY, label text);
CREATE TABLE bank.children (id bigint PRIMARY KEY,
                            parent_id bigint NOT NULL REFERENCES bank.parents(id) ON DELETE CASCADE, v int);
INSERT INTO bank.parents SELECT g, 'p' || g FROM generate_series(1, 5000) g;
INSERT INTO bank.children SELECT g, 1 + g % 5000, g FROM generate_series(1, 20000) g;
CREATE SEQUENCE bank.ids START 100000;
"""
TOTAL = 20000 * 1000


def _backup(conninfo: str, tmp_path: Path, log=None, **options):
    options.setdefault("output_dir", str(tmp_path / "backups"))
    return run_backup(BackupOptions(conninfo=conninfo, **options), log=log or (lambda message: None))


def _leftovers(tmp_path: Path) -> list[str]:
    out = tmp_path / "backups"
    return sorted(os.listdir(out)) if out.exists() else []


def _one_step(conn: psycopg.Connection, step: int) -> None:
    """One committed transaction: a transfer, a parent with its children, or a delete."""
    with conn.transaction():
        kind = step % 3
        if kind == 0:
            a, b = 1 + (step * 7919) % 20000, 1 + (step * 104729) % 20000
            conn.execute("UPDATE bank.accounts SET balance = balance - 7 WHERE id = %s", (a,))
            conn.execute("UPDATE bank.accounts SET balance = balance + 7 WHERE id = %s", (b,))
        elif kind == 1:
            (pid,) = conn.execute("SELECT nextval('bank.ids')").fetchone()
            conn.execute("INSERT INTO bank.parents VALUES (%s, 'new')", (pid,))
            conn.execute("INSERT INTO bank.children SELECT %s * 10 + g, %s, g FROM generate_series(1, 3) g",
                         (pid, pid))
        else:
            conn.execute("DELETE FROM bank.parents WHERE id = (SELECT min(id) FROM bank.parents)")


def _check_invariants(conninfo: str) -> None:
    assert query(conninfo, "SELECT sum(balance), count(*) FROM bank.accounts")[0] == (TOTAL, 20000)
    orphans = query(conninfo, """SELECT count(*) FROM bank.children c
                                 WHERE NOT EXISTS (SELECT FROM bank.parents p WHERE p.id = c.parent_id)""")
    assert orphans == [(0,)]
    # The restored FK was created (validated) by the restore; validate it again explicitly.
    (name,) = query(conninfo, "SELECT conname FROM pg_constraint WHERE contype = 'f'")[0]
    execute(conninfo, f'ALTER TABLE bank.children VALIDATE CONSTRAINT "{name}"')


def test_workers_see_the_snapshot_not_later_writes(source, target, tmp_path):
    """Writes committed after the snapshot was exported, before any worker starts, must not appear."""
    execute(source, BANK)
    before = {}

    def hook(message: str) -> None:
        if message.startswith("backing up"):  # locks taken, snapshot exported, workers not yet started
            before.update(table_checksums(source))
            with psycopg.connect(source, autocommit=True) as writer:
                for step in range(30):
                    _one_step(writer, step)
            assert table_checksums(source) != before

    result = _backup(source, tmp_path, log=hook, jobs=3, split_threshold=SMALL_SPLIT)
    assert before, "the hook never ran"
    run_restore(result.directory, RestoreOptions(target), log=lambda m: None)
    assert table_checksums(target) == before
    assert result.row_counts["bank.accounts"] == 20000


def test_concurrent_writes_keep_invariants(source, target, tmp_path, bindir):
    execute(source, BANK)
    stop, warmed = threading.Event(), threading.Event()
    steps = [0]
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            with psycopg.connect(source, autocommit=True) as conn:
                while not stop.is_set() and steps[0] < 200_000:
                    _one_step(conn, steps[0])
                    steps[0] += 1
                    if steps[0] == 20:
                        warmed.set()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failure.append(exc)
            warmed.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert warmed.wait(60)
        at_start = steps[0]
        result = _backup(source, tmp_path, jobs=3, split_threshold=SMALL_SPLIT, compression=Compression("zstd", 3))
        during = steps[0] - at_start
    finally:
        stop.set()
        thread.join(60)
    assert not failure, failure
    assert during > 0, "no write happened during the backup"
    psql_restore(bindir, result.directory / "backup.sql.zst", target)
    _check_invariants(target)
    counts = query(target, "SELECT (SELECT count(*) FROM bank.parents), (SELECT count(*) FROM bank.children)")[0]
    assert (result.row_counts["bank.parents"], result.row_counts["bank.children"]) == counts


def test_lock_wait_timeout_names_the_table(source, tmp_path):
    execute(source, "CREATE SCHEMA app; CREATE TABLE app.free (i int); CREATE TABLE app.\"busy one\" (i int);")
    with psycopg.connect(source) as holder:
        holder.execute('LOCK TABLE app."busy one" IN ACCESS EXCLUSIVE MODE')
        with pytest.raises(BackupError) as caught:
            _backup(source, tmp_path, lock_wait_timeout="200ms")
        holder.rollback()
    message = str(caught.value)
    assert "app.busy one" in message and "--lock-wait-timeout" in message and "\n" not in message
    assert _leftovers(tmp_path) == []


def test_lock_wait_timeout_from_the_cli(source, tmp_path):
    execute(source, "CREATE TABLE public.held (i int)")
    with psycopg.connect(source) as holder:
        holder.execute("LOCK TABLE public.held IN ACCESS EXCLUSIVE MODE")
        done = subprocess.run([sys.executable, "-m", "engine", "backup", "-d", source, "-o", str(tmp_path / "backups"),
                               "--lock-wait-timeout", "300ms"], capture_output=True, text=True, timeout=120)
        holder.rollback()
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "public.held" in lines[0], done.stderr
    assert _leftovers(tmp_path) == []


def _wait_for_lock_waiter(conninfo: str, table: str) -> None:
    """Bounded poll of pg_locks until some session waits for a lock on `table`."""
    deadline = time.monotonic() + 30
    while not query(conninfo, "SELECT 1 FROM pg_locks WHERE NOT granted AND relation = %s::regclass", (table,)):
        assert time.monotonic() < deadline, f"nobody queued for a lock on {table}"
        time.sleep(0.02)


def test_worker_fails_fast_behind_a_queued_exclusive_lock(source, tmp_path):
    """pg_dump's rule: a worker that would wait behind a queued ACCESS EXCLUSIVE fails, naming the table."""
    execute(source, "CREATE TABLE public.hot (i int); INSERT INTO public.hot SELECT generate_series(1, 100);")
    waiter_errors: list[BaseException] = []
    threads = []

    def queue_exclusive() -> None:
        try:
            with psycopg.connect(source) as conn:
                conn.execute("SET lock_timeout = '60s'")
                conn.execute("LOCK TABLE public.hot IN ACCESS EXCLUSIVE MODE")
        except BaseException as exc:  # noqa: BLE001
            waiter_errors.append(exc)

    def hook(message: str) -> None:
        if message.startswith("backing up"):
            thread = threading.Thread(target=queue_exclusive)
            thread.start()
            threads.append(thread)
            _wait_for_lock_waiter(source, "public.hot")

    try:
        with pytest.raises(BackupError, match=r"could not lock public\.hot in a worker"):
            _backup(source, tmp_path, log=hook, jobs=2)
    finally:
        for thread in threads:
            thread.join(90)
    assert not waiter_errors  # it got its lock once the backup gave up
    assert _leftovers(tmp_path) == []


def test_row_security_makes_the_worker_fail_not_filter(server, source, tmp_path):
    role = f"reader_{os.getpid()}"
    dbname = psycopg.conninfo.conninfo_to_dict(source)["dbname"]
    execute(source, f"""
        CREATE TABLE public.open (i int); INSERT INTO public.open VALUES (1);
        CREATE TABLE public.secret (i int, owner text); INSERT INTO public.secret VALUES (1, 'a'), (2, 'b');
        ALTER TABLE public.secret ENABLE ROW LEVEL SECURITY;
        CREATE POLICY only_a ON public.secret USING (owner = 'a');
        CREATE ROLE {role} LOGIN;
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};""")
    try:
        with pytest.raises(BackupError, match=r"COPY public\.secret failed: .*row-level security"):
            _backup(server.dsn(dbname, user=role), tmp_path)
        assert _leftovers(tmp_path) == []
    finally:
        execute(source, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_worker_that_cannot_connect_fails_the_backup(server, source, tmp_path):
    role = f"limited_{os.getpid()}"
    dbname = psycopg.conninfo.conninfo_to_dict(source)["dbname"]
    execute(source, f"""CREATE TABLE public.t (i int); INSERT INTO public.t VALUES (1);
                        CREATE ROLE {role} LOGIN CONNECTION LIMIT 1; GRANT SELECT ON public.t TO {role};""")
    try:
        with pytest.raises(BackupError, match="worker could not join the snapshot: .*too many connections") as caught:
            _backup(server.dsn(dbname, user=role), tmp_path, jobs=2)
        assert "\n" not in str(caught.value)
        assert _leftovers(tmp_path) == []
    finally:
        execute(source, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_a_dropped_worker_connection_fails_the_backup(source, tmp_path):
    """The worker's backend is terminated in the middle of its COPY: one line, no directory."""
    execute(source, """CREATE TABLE public.big (id int, t text);
                       INSERT INTO public.big SELECT g, md5(g::text) FROM generate_series(1, 300000) g;""")
    killed: list[int] = []

    def kill_worker_mid_copy() -> None:
        deadline = time.monotonic() + 60
        with psycopg.connect(source, autocommit=True) as conn:
            while not killed and time.monotonic() < deadline:  # bounded poll, not a sleep
                killed.extend(pid for (pid,) in conn.execute(
                    """SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbackup worker'
                       AND state = 'active' AND query LIKE '%%; COPY %%'""").fetchall())
            for pid in killed:
                conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

    killer = threading.Thread(target=kill_worker_mid_copy)
    killer.start()
    try:
        with pytest.raises(BackupError) as caught:
            _backup(source, tmp_path, jobs=1, compression=Compression("gzip", 9))
    finally:
        killer.join(90)
    assert killed, "the worker's COPY was never seen running"
    message = str(caught.value)
    assert message.startswith("COPY public.big failed: ") and "\n" not in message, message
    assert _leftovers(tmp_path) == []


def test_a_dropped_lead_connection_fails_the_backup(source, tmp_path):
    """The lead's backend is terminated after locking: the backup stops with one line."""
    execute(source, "CREATE TABLE public.t (i int); INSERT INTO public.t VALUES (1);")

    def hook(message: str) -> None:
        if message.startswith("backing up"):
            execute(source, """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                               WHERE datname = current_database() AND state = 'idle in transaction'""")

    with pytest.raises(BackupError, match="terminating connection") as caught:
        _backup(source, tmp_path, log=hook, jobs=2)
    assert "\n" not in str(caught.value)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("method", ["gzip:1", "gzip", "zstd", "zstd:level=5,workers=2", "none"])
def test_compression_round_trips(method, source, make_db, tmp_path, bindir):
    execute(source, BANK + r"""
        CREATE TABLE bank.wide (id int, t text, b bytea, j jsonb);
        INSERT INTO bank.wide SELECT g, repeat(md5(g::text), 50) || E'\t\\.\n', decode(md5(g::text), 'hex'),
               jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g % 7))
        FROM generate_series(1, 300) g;""")
    compression = Compression.parse(method)
    result = _backup(source, tmp_path, jobs=3, split_threshold=SMALL_SPLIT, compression=compression)
    script = result.directory / f"backup.sql{compression.suffix}"
    expected = table_checksums(source)

    # What a user types: the system's gunzip / zstd (when installed) piped into psql.
    via_psql = make_db("viapsql")
    tool = {"gzip": ["gunzip", "-c"], "zstd": ["zstd", "-dcq"], "none": ["cat"]}[compression.method]
    if shutil.which(tool[0]):
        shell = subprocess.run(f"{' '.join(tool)} '{script}' | '{bindir / 'psql'}' -X -q -v ON_ERROR_STOP=1 -d '{via_psql}'",
                               shell=True, capture_output=True, timeout=300)
        assert shell.returncode == 0, shell.stderr.decode()[-2000:]
    else:
        psql_restore(bindir, script, via_psql)
    assert table_checksums(via_psql) == expected

    via_python = make_db("viapy")
    run_restore(result.directory, RestoreOptions(via_python), log=lambda m: None)
    assert table_checksums(via_python) == expected

    # Every table's block is its own member/frame run: it decompresses alone, from COPY to \.
    toc = read_toc(result.directory / "backup.toc.json")
    blocks = [item for item in toc.items if item.kind == "TABLE DATA"]
    assert {f"{b.schema}.{b.name}" for b in blocks} >= {"bank.accounts", "bank.children", "bank.wide"}
    for item in blocks:
        text = b"".join(read_unit_range(script, compression, item.unit_offset, item.unit_length))
        assert text.startswith(b"-- TABLE DATA") and b"\nCOPY " in text and text.endswith(b"\\.\n\n")
        assert len(text) == item.length


@pytest.mark.pg(">= 14")
def test_large_tables_split_and_go_first(source, tmp_path):
    execute(source, BANK)
    options = BackupOptions(conninfo=source, jobs=3, split_threshold=SMALL_SPLIT)
    lead = Lead(source)
    try:
        from engine.catalog import read_catalog
        from engine.plan import build_plan

        plan = build_plan(read_catalog(lead.conn), include_data=True)
        sizes = lead.relation_sizes([t.oid for t in plan.data_tables])
        tasks = copy_tasks(plan.data_tables, sizes, options, tmp_path, lead.server_version)
    finally:
        lead.close()
    accounts = [t for t in tasks if t.name == "accounts"]
    assert len(accounts) >= 3 and [t.part for t in accounts] == list(range(len(accounts)))
    assert accounts[0].first_block is None and accounts[-1].last_block is None
    assert all(a.last_block == b.first_block for a, b in zip(accounts, accounts[1:]))
    assert [t.estimated_bytes for t in tasks] == sorted((t.estimated_bytes for t in tasks), reverse=True)
    assert tasks[0].name in ("accounts", "children")

    result = _backup(source, tmp_path, jobs=3, split_threshold=SMALL_SPLIT)
    assert result.row_counts["bank.accounts"] == 20000 and result.row_counts["bank.children"] == 20000


@pytest.mark.pg("< 14")
def test_no_split_without_tid_range_scans(source, tmp_path):
    execute(source, BANK)
    result = _backup(source, tmp_path, jobs=3, split_threshold=SMALL_SPLIT)
    assert result.row_counts["bank.accounts"] == 20000


def _cli_peak_rss_kb(source: str, tmp_path: Path, jobs: int) -> tuple[int, int]:
    """Peak RSS of a whole CLI backup (main process and every joined worker), via wait4."""
    proc = subprocess.Popen([sys.executable, "-m", "engine", "backup", "-d", source, "-o", str(tmp_path / "backups"),
                             "-j", str(jobs), "--split-threshold-mb", "8"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, proc.stderr.read().decode()
    return usage.ru_maxrss, proc.pid


def test_peak_memory_stays_flat_as_data_grows(source, tmp_path):
    execute(source, """CREATE TABLE public.narrow (id bigint, at timestamptz, amount numeric, kind text);
                       CREATE TABLE public.fat (id int, body text);""")
    grow = """INSERT INTO public.narrow SELECT g, now() - g * interval '1 s', g / 7.0, 'k' || g %% 13
              FROM generate_series(1, %s) g;
              INSERT INTO public.fat SELECT g, string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, %s) g,
              generate_series(1, 60000) i GROUP BY g;"""  # rows of ~2 MB of COPY text each
    execute(source, grow % (50_000, 2))
    small, _ = _cli_peak_rss_kb(source, tmp_path / "a", 2)
    execute(source, grow % (400_000, 8))
    large, _ = _cli_peak_rss_kb(source, tmp_path / "b", 2)
    print(f"peak RSS of a whole backup: {small} KiB, then {large} KiB with 8x the data")
    assert large < 200 * 1024, f"peak RSS {large} KiB"
    assert large - small < 24 * 1024, f"peak RSS grew from {small} to {large} KiB with 8x the data"


def test_compress_option_spellings():
    assert Compression.parse("gzip") == Compression("gzip", 6)
    assert Compression.parse("gzip:1") == Compression("gzip", 1)
    assert Compression.parse("zstd") == Compression("zstd", 3)
    assert Compression.parse("zstd:19") == Compression("zstd", 19)
    assert Compression.parse("zstd:level=5,workers=2") == Compression("zstd", 5, 2)
    assert Compression.parse("none") == Compression("none", 0)
    for bad in ("gzip:0", "gzip:10", "zstd:23", "gzip:workers=2", "zstd:fast", "lz4", "none:3", "zstd:workers=-1"):
        with pytest.raises(UsageError):
            Compression.parse(bad)


def test_csv_tasks_for_the_export(source, tmp_path):
    """The CSV export's path: run_tasks with format="csv", uncompressed, header once, same snapshot."""
    import csv

    from engine.stream import CopyTask, run_tasks

    execute(source, """CREATE TABLE public.people (id int, name text, note text);
                       INSERT INTO public.people VALUES (1, 'ann', E'line\\nbreak, "quoted"'), (2, 'bob', NULL),
                       (3, E'tab\\there', '');""")
    (oid,) = query(source, "SELECT 'public.people'::regclass::oid")[0]
    lead = Lead(source)
    try:
        execute(source, "INSERT INTO public.people VALUES (4, 'after the snapshot', 'x')")
        tasks = [CopyTask(oid, "public", "people", ["id", "name", "note"], 0, None, None,
                          str(tmp_path / "people.csv"), format="csv")]
        (result,) = run_tasks(tasks, source, lead.snapshot, "UTF8", Compression("gzip", 6), jobs=2)
    finally:
        lead.close()
    assert result.result.rows == 3
    with open(tmp_path / "people.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["id", "name", "note"], ["1", "ann", 'line\nbreak, "quoted"'], ["2", "bob", ""],
                    ["3", "tab\there", ""]]
    text = (tmp_path / "people.csv").read_text(encoding="utf-8")
    assert "\n2,bob,\n" in text and text.endswith('3,tab\there,""\n')  # NULL unquoted, '' quoted
