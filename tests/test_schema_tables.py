"""Relations, constraints, indexes, views, rules, triggers, policies, privileges: exact round trips.

One source database per server holds every variant (tests/sql/relations*.sql); it is backed up
once, restored with psql and with `pgbackup restore`, and both targets must give the source's
`pg_dump --schema-only` output (pg_dump 18 as the oracle) and the same rows.
"""

from __future__ import annotations

import psycopg
import pytest

from engine.errors import CatalogError
from engine.restore import RestoreOptions, run_restore
from engine.script import read_toc

from .fix_fixtures import build_database
from .fix_server import execute, query
from .fix_tools import assert_same_schema, backup, psql_restore, table_checksums


@pytest.fixture(scope="module")
def relations(server):
    return build_database(server, "relations")


@pytest.fixture(scope="module")
def relations_backup(relations, tmp_path_factory):
    return backup(relations, tmp_path_factory.mktemp("rel"))


def _same(source: str, restored: str, bindir) -> None:
    assert_same_schema(bindir, source, restored)
    assert table_checksums(restored) == table_checksums(source)


def test_psql_round_trip(relations, relations_backup, target, bindir):
    psql_restore(bindir, relations_backup.directory / "backup.sql.gz", target)
    _same(relations, target, bindir)


def test_pgbackup_restore_round_trip(relations, relations_backup, target, bindir):
    run_restore(relations_backup.directory, RestoreOptions(target), log=lambda m: None)
    _same(relations, target, bindir)


def test_privileges_come_last_in_their_objects_order(relations_backup):
    """As pg_dump writes them: after every other entry of the restore's first pass, in their
    objects' order, a table's before its columns' (revoking a table's privilege revokes its
    columns' too). The default privileges come after them (the kinds test: this fixture has none)."""
    items = read_toc(relations_backup.directory / "backup.toc.json").items
    acls = [item for item in items if item.kind == "ACL"]
    first = acls[0].id
    assert all(item.kind in ("ACL", "DEFAULT ACL", "MATERIALIZED VIEW DATA", "EVENT TRIGGER", "COMMENT", "PSQL")
               for item in items[first:])
    objects = [item.deps[0] for item in acls if len(item.deps) == 1]  # the object each one follows
    assert len(objects) > 5 and objects == sorted(objects)
    [table] = [item for item in items if item.kind == "TABLE" and (item.schema, item.name) == ("rel", "cols")]
    on_table = [item.key for item in acls if item.key.startswith(table.key + "/acl")]
    assert on_table[0] == table.key + "/acl" and len(on_table) == 3  # the table's, then its two columns'


def test_clean_if_exists_restores_over_itself(relations, target, tmp_path, bindir):
    """Every DROP --clean writes (rules, policies, triggers, defaults, split views...) is valid."""
    result = backup(relations, tmp_path, clean=True, if_exists=True)
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    _same(relations, target, bindir)


@pytest.mark.parametrize("if_exists", [True, False], ids=["if_exists", "plain"])
def test_pgbackup_restore_clean_over_itself(relations, relations_backup, target, bindir, if_exists):
    """`pgbackup restore --clean` over a restored copy: split views, rules, partitions, FK loops..."""
    run_restore(relations_backup.directory, RestoreOptions(target), log=lambda m: None)
    run_restore(relations_backup.directory, RestoreOptions(target, clean=True, if_exists=if_exists),
                log=lambda m: None)
    _same(relations, target, bindir)


def test_pgbackup_restore_clean_into_an_empty_target(relations, relations_backup, target, bindir):
    """Every DROP ... IF EXISTS tolerates its object's absence, and its table's."""
    run_restore(relations_backup.directory, RestoreOptions(target, clean=True, if_exists=True), log=lambda m: None)
    _same(relations, target, bindir)


def test_invalid_index_is_left_out(source, target, tmp_path, bindir):
    """As pg_dump: an index a failed CREATE INDEX CONCURRENTLY left invalid is not written (a
    unique one would fail the restore over the rows that made it fail)."""
    execute(source, "CREATE SCHEMA s; CREATE TABLE s.d (a int); INSERT INTO s.d VALUES (1), (1)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        execute(source, "CREATE UNIQUE INDEX CONCURRENTLY d_unique ON s.d (a)")
    assert query(source, "SELECT indisvalid FROM pg_index WHERE indexrelid = 's.d_unique'::regclass") == [(False,)]
    result = backup(source, tmp_path)
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    _same(source, target, bindir)


@pytest.mark.pg(">= 14")
def test_unbreakable_loop_is_a_clear_error(source, tmp_path):
    """Two SQL-standard functions calling each other: no rule of pg_dump's can order them."""
    execute(source, """
        CREATE FUNCTION public.ping(n int) RETURNS int LANGUAGE sql RETURN n;
        CREATE FUNCTION public.pong(n int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT public.ping(n); END;
        CREATE OR REPLACE FUNCTION public.ping(n int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC SELECT public.pong(n - 1); END;
    """)
    with pytest.raises(CatalogError, match=r"circular dependency .*(ping|pong).*(ping|pong)"):
        backup(source, tmp_path)
    assert not any((tmp_path / "backups").iterdir())  # nothing that looks like a backup is left


def test_fk_to_a_partitioned_key_waits_for_its_index_attaches(source, target, tmp_path, bindir):
    """The key's index is valid only once every partition's index is attached, at every level:
    the FK waits for those attaches (pg_dump's addConstrChildIdxDeps), not only for the key."""
    execute(source, """
        CREATE SCHEMA p;
        CREATE TABLE p.pk (a int PRIMARY KEY) PARTITION BY RANGE (a);
        CREATE TABLE p.pk1 PARTITION OF p.pk FOR VALUES FROM (0) TO (10);
        CREATE TABLE p.pk2 PARTITION OF p.pk FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (a);
        CREATE TABLE p.pk21 PARTITION OF p.pk2 FOR VALUES FROM (10) TO (15);
        CREATE TABLE p.fk (a int REFERENCES p.pk);
        INSERT INTO p.pk VALUES (1), (11); INSERT INTO p.fk VALUES (1), (11);
    """)
    result = backup(source, tmp_path)
    items = read_toc(result.directory / "backup.toc.json").items
    (fk,) = [i for i in items if i.kind == "FK CONSTRAINT"]
    attaches = {i.id for i in items if i.kind == "INDEX ATTACH"}
    assert len(attaches) == 3 and attaches <= set(fk.deps)
    run_restore(result.directory, RestoreOptions(target, jobs=3), log=lambda m: None)
    _same(source, target, bindir)
