"""Relations, constraints, indexes, views, rules, triggers, policies, privileges: exact round trips.

One source database per server holds every variant (tests/sql/relations*.sql); it is backed up
once, restored with psql and with `pgbackup restore`, and both targets must give the source's
`pg_dump --schema-only` output (pg_dump 18 as the oracle) and the same rows.
"""

from __future__ import annotations

import pytest

from engine.restore import RestoreOptions, run_restore

from .fix_fixtures import build_database
from .fix_tools import backup, psql_restore, schema_dump, table_checksums


@pytest.fixture(scope="module")
def relations(server):
    return build_database(server, "relations")


@pytest.fixture(scope="module")
def relations_backup(relations, tmp_path_factory):
    return backup(relations, tmp_path_factory.mktemp("rel"))


def _same(source: str, restored: str, bindir) -> None:
    expected, actual = schema_dump(bindir, source), schema_dump(bindir, restored)
    if expected != actual:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "source", "restored"))
        pytest.fail("schema differs:\n" + diff[:20000])
    assert table_checksums(restored) == table_checksums(source)


def test_psql_round_trip(relations, relations_backup, target, bindir):
    psql_restore(bindir, relations_backup.directory / "backup.sql.gz", target)
    _same(relations, target, bindir)


def test_pgbackup_restore_round_trip(relations, relations_backup, target, bindir):
    run_restore(relations_backup.directory, RestoreOptions(target), log=lambda m: None)
    _same(relations, target, bindir)
