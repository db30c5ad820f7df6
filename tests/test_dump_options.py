"""pg_dump's options on `pgbackup backup`: selection, --no-owner, --no-privileges, --clean, --section."""

from __future__ import annotations

import gzip

import pytest

from engine.cli import main
from engine.errors import UsageError
from engine.config import Selection

from .fix_fixtures import build_database
from .fix_server import execute, query
from .fix_tools import backup, psql_restore, run_tool, schema_dump, table_checksums


@pytest.fixture(scope="module")
def shop(server):
    return build_database(server, "options")


def _script(result) -> str:
    return gzip.decompress((result.directory / "backup.sql.gz").read_bytes()).decode()


def _dump(bindir, conninfo, *args) -> str:
    result = run_tool(bindir, "pg_dump", ["--schema-only", *args, "-d", conninfo])
    assert result.returncode == 0, result.stderr.decode()
    return "\n".join(line for line in result.stdout.decode().splitlines() if not line.startswith("\\"))


def _relations(conninfo) -> set[str]:
    return {f"{s}.{n}" for s, n in query(conninfo, """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('shop', 'audit') AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')""")}


def test_no_owner_no_privileges(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, no_owner=True, no_privileges=True)
    script = _script(result)
    assert "OWNER TO" not in script and "GRANT " not in script and "REVOKE " not in script
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    assert _dump(bindir, target, "--no-owner", "--no-privileges") == _dump(bindir, shop, "--no-owner",
                                                                              "--no-privileges")
    (acl,) = query(target, "SELECT relacl FROM pg_class WHERE oid = 'shop.customers'::regclass")[0]
    assert acl is None


def test_clean_if_exists_restores_over_itself(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, clean=True, if_exists=True)
    script = _script(result)
    first_create = script.index("CREATE TABLE")
    assert script.index('DROP TABLE IF EXISTS "shop"."orders"') < first_create
    # Dependents are dropped before what they depend on.
    assert script.index('DROP VIEW IF EXISTS "shop"."open_orders"') < script.index('DROP TABLE IF EXISTS "shop"."orders"')
    assert script.index('DROP TABLE IF EXISTS "shop"."orders"') < script.index('DROP TYPE IF EXISTS "shop"."state"')
    psql_restore(bindir, result.directory / "backup.sql.gz", target)  # empty target: every DROP is a no-op
    psql_restore(bindir, result.directory / "backup.sql.gz", target)  # again, over the restored objects
    assert schema_dump(bindir, target) == schema_dump(bindir, shop)
    assert table_checksums(target) == table_checksums(shop)


def test_clean_without_if_exists_fails_on_empty_target(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, clean=True)
    assert 'DROP TABLE "shop"."orders";' in _script(result)
    with pytest.raises(AssertionError, match="does not exist"):
        psql_restore(bindir, result.directory / "backup.sql.gz", target)


def test_sections_restore_in_turn(shop, target, tmp_path, bindir):
    parts = [backup(shop, tmp_path / s, section=(s,)) for s in ("pre-data", "data", "post-data")]
    pre, data, post = (_script(p) for p in parts)
    assert "CREATE TABLE" in pre and "CREATE INDEX" not in pre and "COPY " not in pre
    assert "COPY " in data and "CREATE" not in data
    assert "CREATE INDEX" in post and "CREATE TABLE" not in post and "COPY " not in post
    for part in parts:
        psql_restore(bindir, part.directory / "backup.sql.gz", target)
    assert schema_dump(bindir, target) == schema_dump(bindir, shop)
    assert table_checksums(target) == table_checksums(shop)


def test_table_pattern_brings_owned_sequence_not_other_objects(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, selection=Selection(tables=("shop.cust*",)))
    script = _script(result)
    assert "CREATE SCHEMA" not in script  # as pg_dump -t: the schema must exist where it is restored
    execute(target, "CREATE SCHEMA shop")
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    assert _relations(target) == {"shop.customers", "shop.customers_id_seq"}  # a serial's sequence comes along
    assert '"shop"."orders"' not in script and "CREATE TYPE" not in script


def test_exclude_table_leaves_out_its_dependents(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, selection=Selection(exclude_tables=("shop.orders",)))
    script = _script(result)
    for gone in ('"shop"."orders"', '"shop"."open_orders"', '"shop"."order_counts"', '"orders_touch"',
                 '"shop"."orders_customer"'):
        assert gone not in script, gone
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    # As pg_dump: a serial's sequence stays (it matches no -T), without its OWNED BY.
    assert _relations(target) == _relations(shop) - {"shop.orders", "shop.open_orders", "shop.order_counts"}


def test_patterns_matching_nothing_are_errors(shop, tmp_path):
    with pytest.raises(UsageError, match="no matching tables were found"):
        backup(shop, tmp_path, selection=Selection(tables=("shop.nothing*",)))
    with pytest.raises(UsageError, match="no matching schemas were found"):
        backup(shop, tmp_path, selection=Selection(schemas=("nowhere",)))
    # One of two patterns matching is a warning, and an error under --strict-names.
    result = backup(shop, tmp_path / "one", selection=Selection(schemas=("shop", "nowhere")))
    assert result.metadata.warnings == ['no matching schemas were found for pattern "nowhere"']
    with pytest.raises(UsageError, match='pattern "nowhere"'):
        backup(shop, tmp_path, selection=Selection(schemas=("shop", "nowhere"), strict_names=True))


def test_schema_pattern_and_exclusions(shop, target, tmp_path, bindir):
    result = backup(shop, tmp_path, selection=Selection(schemas=("audit",), exclude_table_data=("audit.log",)))
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    assert _relations(target) == {"audit.log", "audit.free_seq", "audit.log_id_seq"}
    assert query(target, "SELECT count(*) FROM audit.log") == [(0,)]


@pytest.mark.parametrize("flag, pattern, selection, statistics", [
    ("-n", "shop", Selection(schemas=("shop",)), [("customers_here",)]),
    ("-t", "shop.customers", Selection(tables=("shop.customers",)), []),  # -t: relations only
], ids=["n", "t"])
def test_selection_writes_what_pg_dump_writes(flag, pattern, selection, statistics, server, server_version,
                                              make_db, tmp_path, bindir):
    """-n/-t: nothing of another schema or outside schemas, even where it names a selected table
    (COMMENT ON SCHEMA public, a statistics object of another schema, publication memberships).

    Restored side by side with pg_dump's own script for the same pattern, the targets must be the same.
    """
    source = build_database(server, "options")
    execute(source, """
        COMMENT ON SCHEMA public IS 'not selected';
        GRANT USAGE ON SCHEMA public TO st_reader;
        COMMENT ON SCHEMA shop IS 'selected';
        CREATE STATISTICS audit.customers_elsewhere ON id, name FROM shop.customers;
        CREATE STATISTICS shop.customers_here ON id, name FROM shop.customers;
        ALTER DEFAULT PRIVILEGES IN SCHEMA audit GRANT SELECT ON TABLES TO st_reader;
        ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT SELECT ON TABLES TO st_reader;
        ALTER DEFAULT PRIVILEGES GRANT USAGE ON TYPES TO st_reader;
        SET client_min_messages = error;  -- wal_level is not logical: a warning per publication
        CREATE PUBLICATION shop_pub FOR TABLE shop.customers;
    """)
    if server_version >= 150000:
        execute(source, "SET client_min_messages = error; CREATE PUBLICATION shop_schema_pub FOR TABLES IN SCHEMA shop")
    ours, theirs = make_db("ours"), make_db("theirs")
    if flag == "-t":  # neither script creates the table's schema
        execute(ours, "CREATE SCHEMA shop")
        execute(theirs, "CREATE SCHEMA shop")
    result = backup(source, tmp_path, selection=selection)
    psql_restore(bindir, result.directory / "backup.sql.gz", ours)
    script = tmp_path / "pg_dump.sql"
    dumped = run_tool(bindir, "pg_dump", [flag, pattern, "-d", source])
    assert dumped.returncode == 0, dumped.stderr.decode()
    # pg_dump 18 sets transaction_timeout (17+) whatever the server: older targets reject it.
    script.write_bytes(dumped.stdout.replace(b"SET transaction_timeout = 0;\n", b""))
    psql_restore(bindir, script, theirs)
    assert schema_dump(bindir, ours) == schema_dump(bindir, theirs)
    assert table_checksums(ours) == table_checksums(theirs)
    assert query(ours, "SELECT stxname FROM pg_statistic_ext ORDER BY 1") == statistics


def test_exclude_schema_leaves_out_its_publication_memberships(shop, server_version, target, tmp_path, bindir):
    """-N shop: the publications stay, without shop's tables and schema (pg_dump writes those
    memberships too, and its script then fails on the missing schema)."""
    execute(shop, "SET client_min_messages = error;"
                  " CREATE PUBLICATION excl_pub FOR TABLE shop.customers, audit.log")
    schema_member = server_version >= 150000
    if schema_member:
        execute(shop, "SET client_min_messages = error; CREATE PUBLICATION excl_schema_pub FOR TABLES IN SCHEMA shop")
    try:
        result = backup(shop, tmp_path, selection=Selection(exclude_schemas=("shop",)))
        psql_restore(bindir, result.directory / "backup.sql.gz", target)
    finally:
        execute(shop, "DROP PUBLICATION excl_pub" + (", excl_schema_pub" if schema_member else ""))
    assert query(target, "SELECT pubname FROM pg_publication ORDER BY 1") == (
        [("excl_pub",), ("excl_schema_pub",)] if schema_member else [("excl_pub",)])
    assert query(target, "SELECT pubname, schemaname, tablename FROM pg_publication_tables") == [
        ("excl_pub", "audit", "log")]


@pytest.mark.parametrize("args, message", [
    (["--if-exists"], "--if-exists requires --clean"),
    (["--clean", "--data-only"], "--clean and --data-only"),
    (["--section", "middle"], "invalid choice"),
])
def test_cli_rejects_bad_combinations(args, message, capsys, shop):
    assert main(["backup", "-d", shop, *args]) == 2
    assert message in capsys.readouterr().err
