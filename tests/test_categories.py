"""Every seed option and combination: DDL present or absent, rows present or absent, flags, CSV order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine import cli
from engine.verify import verify_backup

from .fix_sample import (  # noqa: F401 - fixtures
    AUTH, ORG, STORAGE, TRANSIENT, cli_backup, copy_csv, metadata, run_cli, sample, script_text, user_tables,
)
from .fix_server import query

COMBINATIONS = [
    (),
    ("--no-auth",),
    ("--no-storage",),
    ("--no-transient",),
    ("--no-org-data",),
    ("--prod",),
    ("--no-transient", "--no-org-data"),
    ("--prod", "--no-auth", "--no-storage"),
]


@pytest.mark.parametrize("flags", COMBINATIONS, ids=lambda f: "+".join(f) or "default")
def test_options_shape_the_backup(sample, tmp_path, flags):
    directory = cli_backup(sample, tmp_path / "out", *flags)
    prod = "--prod" in flags
    no_auth, no_storage = "--no-auth" in flags, "--no-storage" in flags
    no_transient = "--no-transient" in flags or prod
    no_org = "--no-org-data" in flags or prod
    everything = user_tables(sample)
    dropped = (AUTH if no_auth else set()) | (STORAGE if no_storage else set())
    rows_out = dropped | (TRANSIENT if no_transient else set()) | (ORG if no_org else set())

    text = script_text(directory)
    for table in everything:
        schema, name = table.split(".")
        assert (f'CREATE TABLE "{schema}"."{name}"' in text) == (table not in dropped), table
        assert (f'COPY "{schema}"."{name}" (' in text) == (table not in rows_out), table
    assert ('CREATE SCHEMA "auth"' in text) == (not no_auth)
    assert ('CREATE SCHEMA "storage"' in text) == (not no_storage)
    assert ('CREATE SCHEMA "marketing"' in text)  # org data keeps its DDL

    row_counts = json.loads((directory / "row_counts.json").read_text())
    assert set(row_counts) == everything - rows_out
    meta = metadata(directory)
    assert meta.version == "2.0" and meta.timestamp == directory.name
    assert (meta.backup.include_auth, meta.backup.include_storage, meta.backup.include_transient,
            meta.backup.include_org_data, meta.backup.prod_mode) == (
        not no_auth, not no_storage, not no_transient, not no_org, prod)
    assert set(meta.transient_tables) == TRANSIENT
    assert meta.org_schemas == sorted(["marketing", "law", "engineering", "leads", "company_data", "risk"])
    assert {e.table for e in meta.excluded if e.what == "data"} == rows_out - dropped
    assert {e.table for e in meta.excluded if e.what == "schema and data"} == dropped
    # Critical tables: all core, so every combination exports the same CSV files.
    assert len(meta.csv_files) == 22 and meta.critical_tables == [c.table for c in meta.csv_files]
    files = {r.name for r in meta.files}
    assert {c.file for c in meta.csv_files} <= files and {"restore.sh", "restore-full.sh"} <= files


def test_csv_files_are_fk_ordered_copy_output(sample, tmp_path):
    directory = cli_backup(sample, tmp_path / "out")
    meta = metadata(directory)
    order = [c.table for c in meta.csv_files]
    assert [c.file for c in meta.csv_files] == [
        f"data/{i:04d}_{c.schema}.{c.name}.csv" for i, c in enumerate(meta.csv_files, 1)]
    assert sorted(p.name for p in (directory / "data").iterdir()) == [c.file[5:] for c in meta.csv_files]
    # Parents before children, for every foreign key between exported tables.
    fks = query(sample, """SELECT cn.nspname || '.' || c.relname, pn.nspname || '.' || p.relname
                           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                           JOIN pg_namespace cn ON cn.oid = c.relnamespace
                           JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
                           WHERE k.contype = 'f'""")
    checked = 0
    for child, parent in fks:
        if child in order and parent in order and child != parent:
            assert order.index(parent) < order.index(child), (parent, child)
            checked += 1
    assert checked >= 15
    assert meta.table_order.index("public.organizations") < meta.table_order.index("public.agents")
    row_counts = json.loads((directory / "row_counts.json").read_text())
    for c in meta.csv_files:
        assert (directory / c.file).read_bytes() == copy_csv(sample, c.schema, c.name, c.columns)
        assert c.rows == row_counts[c.table]
        assert (directory / c.file).stat().st_mode & 0o077 == 0


def test_files_are_owner_only(sample, tmp_path):
    directory = cli_backup(sample, tmp_path / "out", "--prod")
    for path in [directory, *directory.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path


def test_every_file_is_on_disk_before_the_backup_takes_its_name(sample, tmp_path, monkeypatch):
    """fsync on every file and directory of the backup, then on the output directory once the
    backup is renamed into it (as pg_dump syncs its output)."""
    import engine.artifacts as artifacts

    synced: list[str] = []
    fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        fsync(fd)

    monkeypatch.setattr(artifacts.os, "fsync", recording_fsync)
    directory = cli_backup(sample, tmp_path / "out", "--prod")
    (work,) = {os.path.dirname(p) for p in synced if p.endswith("/metadata.json")}
    expected = {str(p).replace(str(directory), work) for p in [directory, *directory.rglob("*")]}
    assert expected <= set(synced) and len(expected) > 5
    assert synced[-1] == str(tmp_path / "out")  # the rename, last


def test_the_command_as_a_process_leaves_its_records_to_the_exit(sample, tmp_path):
    """`pgbackup backup` run as the command (engine.cli.run) keeps the backup's records for the
    process's end instead of freeing them: its output, exit status and backup are as complete as
    ever. Run inside another program (cli.main), nothing is kept."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "engine", "backup", "-d", sample, "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (directory,) = out.iterdir()
    assert done.stdout.startswith(f"backup written to {directory} ("), done.stdout
    assert verify_backup(directory).ok
    assert json.loads((directory / "row_counts.json").read_text()) == {
        table: query(sample, f"SELECT count(*) FROM {table}")[0][0] for table in user_tables(sample)}
    cli_backup(sample, tmp_path / "in-process")
    assert cli._LEFT_TO_EXIT is None


@pytest.mark.parametrize("redirect", [">&-", "2>&-", ">&- 2>&-"])
def test_the_command_ends_cleanly_with_its_output_closed(tmp_path, redirect):
    """The command's quick exit flushes its output first; started with stdout or stderr closed
    (Python then has no stream there), it still succeeds, without a traceback."""
    out, status = tmp_path / "backups", tmp_path / "status"
    out.mkdir()
    done = subprocess.run(["sh", "-c", f'"$0" -m engine list -o "$1" {redirect}; echo "$?" > "$2"',
                           sys.executable, str(out), str(status)],
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          capture_output=True, text=True, timeout=60, check=True)
    assert status.read_text().strip() == "0"
    assert "Traceback" not in done.stderr


def test_dry_run_writes_nothing_and_shows_the_plan(sample, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run_cli(["backup", "-d", sample, "-o", str(out), "--prod", "--no-auth", "--dry-run"], capsys)
    assert code == 0 and not out.exists()
    lines = {line.split()[1]: line.split() for line in stdout.splitlines()
             if len(line.split()) > 4 and "." in line.split()[1]}
    assert lines["auth.users"][2:5] == ["auth", "no", "no"]  # category, schema, data
    assert lines["public.conversations"][2:5] == ["transient", "yes", "no"]
    assert lines["marketing.campaigns"][2:5] == ["org_data", "yes", "no"]
    assert lines["prediction.signals"][2:6] == ["core", "yes", "yes", "yes"]  # ... and exported as CSV
    assert lines["public.organizations"][0] != "-"  # FK rank
    assert "excluded categories: auth (--no-auth), org_data (--prod), transient (--prod)" in stdout
    assert "rbac_user_org_roles has foreign key" in stdout  # to auth.users, left out


def test_dangling_fk_reported_and_strict_fails(sample, tmp_path, capsys):
    directory = cli_backup(sample, tmp_path / "out", "--no-auth")
    dangling = metadata(directory).dangling_foreign_keys
    assert any(d.startswith("public.rbac_user_org_roles has foreign key") and "auth.users" in d for d in dangling)
    assert not meta_fk_kept(directory)
    assert not any(d.startswith("auth.") for d in dangling)
    capsys.readouterr()
    out = tmp_path / "strict"
    code, _, err = run_cli(["backup", "-d", sample, "-o", str(out), "--no-auth", "--strict"], capsys)
    assert code == 2 and "--strict: " in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())
    assert run_cli(["backup", "-d", sample, "-o", str(out), "--no-transient", "--strict"]) == (0, "", "")


def test_custom_profile_categories_partitions_and_warnings(source, tmp_path, capsys):
    from .fix_server import execute

    execute(source, """
        CREATE TABLE public.keep (id int PRIMARY KEY);
        CREATE TABLE public.log_events (id int, at date NOT NULL, keep_id int REFERENCES public.keep(id))
            PARTITION BY RANGE (at);
        CREATE TABLE public.log_events_2025 PARTITION OF public.log_events
            FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE public.audit (id int PRIMARY KEY, keep_id int REFERENCES public.keep(id));
        INSERT INTO public.keep VALUES (1), (2);
        INSERT INTO public.log_events VALUES (1, '2025-05-05', 1);
        INSERT INTO public.audit VALUES (1, 2);
    """)
    profile = tmp_path / "p.toml"
    profile.write_text("""version = 1
default_category = "main"
[[category]]
name = "main"
exclusion = "never"
[[category]]
name = "logs"
exclusion = "data"
tables = ["public.log_events", "nosuch.*"]
[[category]]
name = "audit"
exclusion = "schema"
tables = ["audit"]
[csv]
tables = ["*.*"]
""")
    directory = cli_backup(source, tmp_path / "out", "--profile", str(profile), "--exclude-category", "logs",
                           "--exclude-category", "audit")
    meta = metadata(directory)
    counts = json.loads((directory / "row_counts.json").read_text())
    assert set(counts) == {"public.keep"}  # the partition follows its parent into "logs"
    text = script_text(directory)
    assert 'CREATE TABLE "public"."log_events_2025"' in text and 'CREATE TABLE "public"."audit"' not in text
    assert meta.profile_warnings == ['profile category logs: no table matches "nosuch.*"']
    assert meta.warnings == []
    assert [c.file for c in meta.csv_files] == ["data/0001_public.keep.csv"]
    cats = {c.name: c for c in meta.categories}
    assert cats["logs"].tables == ["public.log_events", "public.log_events_2025"] and not cats["logs"].included
    assert cats["logs"].excluded_by == "--exclude-category=logs"
    code, _, err = run_cli(["backup", "-d", source, "-o", str(tmp_path / "x"), "--profile", str(profile),
                            "--no-auth"], capsys)
    assert code == 2 and "has no category 'auth'" in err
    code, _, err = run_cli(["backup", "-d", source, "-o", str(tmp_path / "x"), "--profile", str(profile),
                            "--exclude-category", "main"], capsys)
    assert code == 2 and "cannot be excluded" in err


def test_invalid_profile_is_one_line(source, tmp_path, capsys):
    profile = tmp_path / "bad.toml"
    profile.write_text('version = 1\ndefault_category = "core"\n[[category]]\nname = "core"\nexclusion = "sometimes"\n')
    code, _, err = run_cli(["backup", "-d", source, "-o", str(tmp_path / "out"), "--profile", str(profile)], capsys)
    assert code == 2
    assert err.strip() == f"pgbackup: error: {profile}:5: Invalid enum value 'sometimes'"
    assert not (tmp_path / "out").exists()


def meta_fk_kept(directory) -> bool:
    """Whether the script still adds the foreign key from rbac_user_org_roles to auth.users."""
    return "rbac_user_org_roles_user_id_fkey" in script_text(directory)


def test_data_excluded_parent_keeps_the_constraint_and_says_so(source, tmp_path):
    from .fix_server import execute

    execute(source, """
        CREATE TABLE public.conversations (id int PRIMARY KEY);
        CREATE TABLE public.ratings (id int PRIMARY KEY, conversation_id int REFERENCES public.conversations(id));
        INSERT INTO public.conversations VALUES (1);
        INSERT INTO public.ratings VALUES (1, 1);
    """)
    directory = cli_backup(source, tmp_path / "out", "--no-transient")
    (line,) = metadata(directory).dangling_foreign_keys
    assert line.startswith("public.ratings has foreign key ratings_conversation_id_fkey to public.conversations")
    assert line.endswith("restoring it fails unless the target has those rows")
    assert "ratings_conversation_id_fkey" in script_text(directory)
