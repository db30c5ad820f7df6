"""Reading the catalog: under the lead's snapshot, with the chosen tables locked before their parts."""

from __future__ import annotations

import threading

import psycopg
import pytest

from engine.catalog import _ranges, read_catalog
from engine.snapshot import Lead

from .fix_server import execute, query


def _read_while_renaming(source: str, lock_first: bool):
    """Read the catalog while another session renames a column of the table, started once the
    table list is read: the index definition must come from the same catalog as the columns."""
    execute(source, "CREATE SCHEMA app; CREATE TABLE app.t (a int); CREATE INDEX t_a ON app.t (a);")
    lead = Lead(source)
    renamer = psycopg.connect(source, autocommit=True)
    done = threading.Event()

    def rename() -> None:
        renamer.execute("ALTER TABLE app.t RENAME COLUMN a TO b")
        done.set()

    def lock(tables, schemas, sequences) -> set[int]:
        if lock_first:
            lead.lock_tables([(t.schema, t.name) for t in tables if t.relkind == "r"], None)
        thread = threading.Thread(target=rename)
        thread.start()
        # Until the rename has committed or is queued behind our lock: both end the race.
        while not done.is_set() and not query(
                source, "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                (renamer.info.backend_pid,)):
            done.wait(0.01)
        return set()  # every table's parts are read

    try:
        catalog = read_catalog(lead.conn, 1, lead.open_reader, lock)
    finally:
        lead.close()
        done.wait(30)
        renamer.close()
    [table] = [t for t in catalog.tables if t.name == "t"]
    [index] = [i for i in catalog.indexes if i.name == "t_a"]
    return [c.name for c in table.columns], index.definition


def test_tables_are_locked_before_their_parts_are_read(source):
    columns, definition = _read_while_renaming(source, lock_first=True)
    assert columns == ["a"]
    assert definition.endswith("(a)")


def test_without_the_lock_the_parts_would_disagree(source):
    """The hazard the lock prevents: the deparsing functions read the current catalog."""
    columns, definition = _read_while_renaming(source, lock_first=False)
    assert columns == ["a"]
    assert definition.endswith("(b)")


@pytest.mark.parametrize("flag", [[], ["--no-auth"]])
def test_backup_locks_only_the_chosen_tables(source, tmp_path, flag):
    """A table left out (here: the auth schema) is never locked, nor are its parts read (its
    index's deparsing would wait for its lock), so a session holding it exclusively does not
    delay the backup; a kept one does, and the backup fails with the table named."""
    from engine.cli import main

    execute(source, "CREATE SCHEMA auth; CREATE TABLE auth.users (id int PRIMARY KEY, name text DEFAULT 'x');"
                    "CREATE INDEX users_name ON auth.users (lower(name)); CREATE TABLE public.kept (id int);")
    holder = psycopg.connect(source)
    holder.execute("LOCK TABLE auth.users IN ACCESS EXCLUSIVE MODE")
    codes = []
    run = threading.Thread(target=lambda: codes.append(main(
        ["backup", "-d", source, "-o", str(tmp_path), "--lock-wait-timeout", "1s", "--no-verify", *flag])))
    run.start()
    try:
        run.join(60)
        waited = run.is_alive()
    finally:
        holder.rollback()  # lets a backup still waiting finish, so that the test ends either way
        holder.close()
        run.join()
    assert not waited
    assert codes == [0 if flag else 1]


@pytest.mark.parametrize("readers", [0, 2])
def test_an_error_before_the_parts_ends_the_read_at_once(source, readers):
    """The reads that need no lock start while the lead reads the tables; when choosing or
    locking fails, those still waiting for a connection (with no reader, for the lead) are
    given up, not left hanging, and the error is the caller's."""
    class Refused(Exception):
        pass

    def refuse(tables, schemas, sequences) -> set[int]:
        raise Refused

    lead = Lead(source)
    outcome = []

    def read() -> None:
        try:
            read_catalog(lead.conn, readers, lead.open_reader, refuse)
        except Refused:
            outcome.append("refused")

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(30)
    try:
        assert not thread.is_alive() and outcome == ["refused"]
        assert lead.conn.execute("SELECT 1").fetchone() == (1,)  # the lead is usable still
    finally:
        lead.close()


def test_parts_read_in_ranges_are_those_of_one_read(source):
    """The tables' parts come in oid ranges over several connections: the catalog is the same,
    in the same order, however many ranges and connections read it."""
    execute(source, """
        CREATE SCHEMA b; CREATE SCHEMA a;
        CREATE FUNCTION a.trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
        DO $$ BEGIN FOR i IN 1..24 LOOP
          EXECUTE format('CREATE TABLE %I.t%s (id int PRIMARY KEY, v text DEFAULT %L CHECK (v <> ''x''))',
                         CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i, 'd' || i);
          EXECUTE format('CREATE INDEX i%s ON %I.t%s (v)', 25 - i, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i);
          EXECUTE format('COMMENT ON COLUMN %I.t%s.v IS %L', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i, 'c' || i);
          EXECUTE format('CREATE TRIGGER g BEFORE INSERT ON %I.t%s FOR EACH ROW EXECUTE FUNCTION a.trg()',
                         CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i);
          EXECUTE format('CREATE POLICY p ON %I.t%s USING (id > %s)', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i, i);
          EXECUTE format('CREATE RULE r AS ON DELETE TO %I.t%s DO INSTEAD NOTHING', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, i);
        END LOOP; END $$;
        ALTER TABLE a.t2 ADD FOREIGN KEY (id) REFERENCES b.t1;
    """)
    catalogs = []
    for readers in (0, 3):  # 2 ranges on the lead alone; 8 over four connections
        lead = Lead(source)
        try:
            catalogs.append(read_catalog(lead.conn, readers, lead.open_reader, lambda *parts: set()))
        finally:
            lead.close()
    one, many = catalogs
    assert len(one.indexes) == 48 and len(one.triggers) == 24 and len(one.policies) == 24
    assert sorted(c.comment for t in one.tables for c in t.columns if c.comment) == sorted(f"c{i}" for i in range(1, 25))
    names = [(i.schema, i.name) for i in one.indexes]
    assert names == sorted(names) and names[0] == ("a", "i1")  # by qualified name, across ranges
    assert one == many


def test_ranges_cover_every_oid_with_as_many_relations_each():
    oids = [16390, 16400, 16384, 20000, 17000, 16500, 16391]
    ranges = _ranges(oids, [1], 3)
    assert [(r.lo, r.hi) for r in ranges] == [(0, 16390), (16391, 16499), (16500, 4294967295)]
    assert [sum(r.lo <= o <= r.hi for o in oids) for r in ranges] == [2, 2, 3]
    assert all(r.skip == [1] for r in ranges)
    assert len(_ranges(oids[:2], [], 8)) == 2 and len(_ranges([], [], 8)) == 1
