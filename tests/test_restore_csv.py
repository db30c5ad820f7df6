"""`--from-csv`: the backup's data/*.csv loaded in file-name (FK) order into an existing schema.

The fixture writes the files exactly as the CSV export's interface says (data/{NNNN}_{schema}.{table}.csv,
names percent-encoded, COPY csv with HEADER, metadata.json csv_files in load order)."""

from __future__ import annotations

from urllib.parse import quote

import msgspec
import psycopg
import pytest
from psycopg import sql

from engine.errors import RestoreError
from engine.restore import RestoreOptions, run_restore

from .fix_server import execute, query
from .fix_tools import backup, table_checksums

QUIET = {"log": lambda message: None}

SCHEMA = r"""
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text, note text);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers (id), total numeric);
CREATE TABLE shop."line.items/€ ""x"" 1" (order_id int REFERENCES shop.orders (id), "sku, qty" text, n int DEFAULT 1);
INSERT INTO shop.customers SELECT g, 'c' || g, CASE WHEN g % 3 = 0 THEN E'multi\nline, "quoted"' END
  FROM generate_series(1, 200) g;
INSERT INTO shop.orders SELECT g, 1 + g % 200, g * 1.5 FROM generate_series(1, 500) g;
INSERT INTO shop."line.items/€ ""x"" 1" SELECT 1 + g % 500, 'sku ' || g, g FROM generate_series(1, 800) g;
INSERT INTO shop."line.items/€ ""x"" 1" VALUES (1, NULL, 5), (2, '', 6), (3, '\.', 7);
"""
LOAD_ORDER = [("shop", "customers"), ("shop", "orders"), ("shop", 'line.items/€ "x" 1')]


def export_csv(conninfo: str, directory, listed: bool = True) -> None:
    """What the CSV export writes, written here so this test does not depend on it."""
    (directory / "data").mkdir()
    entries = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for position, (schema, name) in enumerate(LOAD_ORDER, 1):
            columns = [r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum",
                (sql.Identifier(schema, name).as_string(conn),))]
            file = f"data/{position:04d}_{quote(schema, safe='')}.{quote(name, safe='')}.csv"
            rows = 0
            with open(directory / file, "wb") as out, conn.cursor().copy(
                    sql.SQL("COPY {} ({}) TO STDOUT WITH (FORMAT csv, HEADER)").format(
                        sql.Identifier(schema, name), sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
                for chunk in copy:
                    out.write(chunk)
                    rows += bytes(chunk).count(b"\n")
            (count,) = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))).fetchone()
            entries.append({"file": file, "table": f"{schema}.{name}", "schema": schema, "name": name,
                            "columns": columns, "rows": count})
    if listed:
        meta = msgspec.json.decode((directory / "metadata.json").read_bytes())
        meta["csv_files"] = entries
        (directory / "metadata.json").write_bytes(msgspec.json.encode(meta))


@pytest.fixture
def shop(source):
    execute(source, SCHEMA)
    return source


@pytest.mark.parametrize("listed", [True, False], ids=["metadata", "file-names"])
def test_from_csv_into_existing_schema(shop, target, tmp_path, listed):
    result = backup(shop, tmp_path)
    export_csv(shop, result.directory, listed)
    # The schema first (with its foreign keys), then the CSVs into it.
    run_restore(result.directory, RestoreOptions(target, sections=("pre-data", "post-data")), **QUIET)
    restored = run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)
    assert restored.mismatches == []
    assert [t.table for t in restored.tables] == [f"{s}.{n}" for s, n in LOAD_ORDER]
    assert table_checksums(target) == table_checksums(shop)


def test_from_csv_errors(shop, target, tmp_path):
    result = backup(shop, tmp_path)
    with pytest.raises(RestoreError, match="no data/\\*.csv"):
        run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)
    export_csv(shop, result.directory)
    with pytest.raises(RestoreError, match="shop.customers .* does not exist in the target"):
        run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)
    execute(target, "CREATE SCHEMA shop; CREATE TABLE shop.customers (id int PRIMARY KEY, name text);")
    with pytest.raises(RestoreError, match="shop.customers in the target lacks column\\(s\\) note"):
        run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)
    meta = msgspec.json.decode((result.directory / "metadata.json").read_bytes())
    meta["csv_files"][0]["file"] = "data/../backup.toc.json"
    (result.directory / "metadata.json").write_bytes(msgspec.json.encode(meta))
    with pytest.raises(RestoreError, match="is not in data/"):
        run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)


def test_from_csv_failure_keeps_complete_files_only(shop, target, tmp_path):
    result = backup(shop, tmp_path)
    export_csv(shop, result.directory)
    run_restore(result.directory, RestoreOptions(target, sections=("pre-data", "post-data")), **QUIET)
    execute(target, "DELETE FROM shop.customers; INSERT INTO shop.customers VALUES (150, 'already here', NULL)")
    with pytest.raises(RestoreError, match="loading data/0001_shop.customers.csv into shop.customers failed: "
                                           "duplicate key"):
        run_restore(result.directory, RestoreOptions(target, from_csv=True), **QUIET)
    assert query(target, "SELECT count(*) FROM shop.customers") == [(1,)]


def test_from_csv_of_the_real_export(shop, target, tmp_path, capsys):
    """The product's CSV export (a profile's [csv] tables), restored by the CLI."""
    from engine.cli import main

    from .fix_sample import cli_backup

    profile = tmp_path / "p.toml"
    profile.write_text('version = 1\ndefault_category = "main"\n[[category]]\nname = "main"\nexclusion = "never"\n'
                       '[csv]\ntables = ["shop.*"]\n')
    directory = cli_backup(shop, tmp_path / "out", "--profile", str(profile))
    files = sorted(p.name for p in (directory / "data").iterdir())
    assert len(files) == 3 and files[0].startswith("0001_shop.customers")
    run_restore(directory, RestoreOptions(target, sections=("pre-data", "post-data")), **QUIET)
    capsys.readouterr()
    assert main(["restore", str(directory), "-d", target, "--from-csv"]) == 0
    assert "all row counts match" in capsys.readouterr().out
    assert table_checksums(target) == table_checksums(shop)
