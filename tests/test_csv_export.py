"""The CSV export as the restore reads it: `pgbackup restore --from-csv` loads it back, any name is a safe file."""

from __future__ import annotations

from engine import cli
from engine.artifacts import csv_name
from engine.verify import verify_backup

from .fix_sample import cli_backup, copy_csv, metadata, sample  # noqa: F401 - fixtures
from .fix_server import execute
from .fix_tools import table_checksums


def test_csv_name_is_percent_encoded_and_bounded():
    assert csv_name(1, "public", "organizations") == "data/0001_public.organizations.csv"
    assert csv_name(12, "s p", 'we/ird"\n') == "data/0012_s%20p.we%2Fird%22%0A.csv"
    long = csv_name(3, "é" * 31, "中" * 21)
    assert long.startswith("data/0003_") and len(long.encode()) - len("data/") <= 255


def test_from_csv_restores_the_critical_tables(sample, make_db, tmp_path):
    full = cli_backup(sample, tmp_path / "full")
    ddl = cli_backup(sample, tmp_path / "ddl", "--schema-only")
    users = cli_backup(sample, tmp_path / "users", "--data-only", "-n", "auth")  # critical rows point at them
    target = make_db("dst")
    assert cli.main(["restore", str(ddl), "-d", target]) == 0
    assert cli.main(["restore", str(users), "-d", target]) == 0
    assert cli.main(["restore", str(full), "-d", target, "--from-csv"]) == 0
    source_sums, target_sums = table_checksums(sample), table_checksums(target)
    tables = [c.table for c in metadata(full).csv_files]
    assert len(tables) == 22
    assert {t: target_sums[t] for t in tables} == {t: source_sums[t] for t in tables}


def test_hostile_names_in_the_export(source, tmp_path):
    execute(source, '''
        CREATE SCHEMA "we ird";
        CREATE TABLE "we ird"."a/b.c""d" (id int PRIMARY KEY, "col,""x""
y" text);
        INSERT INTO "we ird"."a/b.c""d" VALUES (1, E'multi\\nline, "quoted"'), (2, NULL), (3, '');
    ''')
    profile = tmp_path / "p.toml"
    profile.write_text('version = 1\ndefault_category = "all"\n[[category]]\nname = "all"\n[csv]\ntables = ["*.*"]\n')
    directory = cli_backup(source, tmp_path / "out", "--profile", str(profile))
    (entry,) = metadata(directory).csv_files
    assert entry.file == "data/0001_we%20ird.a%2Fb.c%22d.csv"
    assert (entry.schema, entry.name, entry.columns, entry.rows) == ("we ird", 'a/b.c"d', ["id", 'col,"x"\ny'], 3)
    assert (directory / entry.file).read_bytes() == copy_csv(source, entry.schema, entry.name, entry.columns)
    assert verify_backup(directory).ok
