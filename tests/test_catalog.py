"""Reading the catalog: under the lead's snapshot, with the chosen tables locked before their parts."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from engine.catalog import _ranges, read_catalog
from engine.catalog.constraints import (
    _constraints_sql, _indexes_sql, _plain_definition, _quoter, read_constraints, read_deparse_rules, read_indexes,
    write_foreign_keys,
)
from engine.catalog.filters import Parts
from engine.catalog.relations import read_columns, read_relations
from engine.snapshot import Lead

from .fix_server import execute, query


def _read_while_renaming(source: str, lock_first: bool):
    """Read the catalog while another session renames a column of the table, started once the
    table list is read: the index definition must come from the same catalog as the columns (an
    expression's, which pg_get_indexdef() deparses from the current catalog, not the snapshot)."""
    execute(source, "CREATE SCHEMA app; CREATE TABLE app.t (a int); CREATE INDEX t_a ON app.t ((a + 1));")
    lead = Lead(source)
    renamer = psycopg.connect(source, autocommit=True)
    done = threading.Event()

    def rename() -> None:
        renamer.execute("ALTER TABLE app.t RENAME COLUMN a TO b")
        done.set()

    def lock(tables) -> None:  # a range's tables, before its parts are read (here one range)
        if lock_first:
            lead.lock_tables([(t.schema, t.name) for t in tables if t.relkind == "r"], None)
        thread = threading.Thread(target=rename)
        thread.start()
        # Until the rename has committed or is queued behind our lock: both end the race.
        while not done.is_set() and not query(
                source, "SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                (renamer.info.backend_pid,)):
            done.wait(0.01)

    try:
        catalog = read_catalog(lead.conn, 1, lead.open_reader, lambda *names: set(), lock)
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
    assert definition.endswith("(((a + 1)))")


def test_without_the_lock_the_parts_would_disagree(source):
    """The hazard the lock prevents: the deparsing functions read the current catalog."""
    columns, definition = _read_while_renaming(source, lock_first=False)
    assert columns == ["a"]
    assert definition.endswith("(((b + 1)))")


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


def test_each_range_is_locked_before_its_parts_are_read(source, monkeypatch):
    """The lead locks the kept tables a range at a time, and a range's parts are read only
    once its tables are locked: every kept table locked once, none left out, nothing read early."""
    import engine.catalog as catalog_module

    execute(source, """
        CREATE SCHEMA s;
        DO $$ BEGIN FOR i IN 1..30 LOOP
          EXECUTE format('CREATE TABLE s.t%s (id int PRIMARY KEY)', i);
        END LOOP; END $$;
        CREATE VIEW s.v AS SELECT id FROM s.t1;
    """)
    oids = dict(query(source, "SELECT relname, oid::int8 FROM pg_catalog.pg_class WHERE relnamespace = 's'::regnamespace"
                              " AND relkind IN ('r', 'v')"))
    left_out = oids["t7"]
    locked: list[int] = []
    early: list[int] = []
    read_parts = catalog_module._read_parts

    def read_after_lock(conn, parts, rules):
        early.extend(oid for oid in oids.values()
                     if parts.lo <= oid <= parts.hi and oid != left_out and oid not in locked)
        return read_parts(conn, parts, rules)

    monkeypatch.setattr(catalog_module, "_read_parts", read_after_lock)
    lead = Lead(source)
    calls = []

    def lock(tables) -> None:
        calls.append(len(tables))
        time.sleep(0.05)  # a slow lock: a range read too early would start meanwhile
        lead.lock_tables([(t.schema, t.name) for t in tables if t.relkind == "r"], None)
        locked.extend(t.oid for t in tables)

    try:
        catalog = read_catalog(lead.conn, 3, lead.open_reader, lambda *names: {left_out}, lock)
        held = {oid for (oid,) in lead.conn.execute(
            "SELECT relation::int8 FROM pg_catalog.pg_locks WHERE pid = pg_catalog.pg_backend_pid()"
            " AND mode = 'AccessShareLock' AND locktype = 'relation'").fetchall()}
    finally:
        lead.close()
    assert len(calls) == 8 and early == []  # four connections, two ranges each
    assert sorted(locked) == sorted(oid for oid in oids.values() if oid != left_out)  # each once
    assert {oids[f"t{i}"] for i in range(1, 31) if i != 7} <= held and left_out not in held
    assert len([t for t in catalog.tables if t.columns]) == 30  # the view's too; not the one left out


def test_ranges_cover_every_oid_with_as_many_relations_each():
    oids = [16390, 16400, 16384, 20000, 17000, 16500, 16391]
    ranges = _ranges(oids, [1], 3)
    assert [(r.lo, r.hi) for r in ranges] == [(0, 16390), (16391, 16499), (16500, 4294967295)]
    assert [sum(r.lo <= o <= r.hi for o in oids) for r in ranges] == [2, 2, 3]
    assert all(r.skip == [1] for r in ranges)
    assert len(_ranges(oids[:2], [], 8)) == 2 and len(_ranges([], [], 8)) == 1


# Index shapes whose text read_indexes writes itself (plain_*) and those it leaves to
# pg_get_indexdef() (deparsed_*); every one must read exactly as pg_get_indexdef() prints it.
_INDEX_SHAPES = '''
CREATE SCHEMA "Ix Quoted";
CREATE TYPE "Ix Quoted".mood AS ENUM ('a', 'b');
CREATE DOMAIN "Ix Quoted".posint AS int CHECK (VALUE > 0);
CREATE TABLE "Ix Quoted".t (gone int, id int, "select" text, "Mixed Case" int, "we""ird" int, code text COLLATE "C",
    v varchar(10), doc jsonb, tsv tsvector, ts timestamptz, m "Ix Quoted".mood, d "Ix Quoted".posint, arr int[],
    type int, "between" int, "int" int, "a$b" int, "é" int, "1st" int, _under_1 int);
ALTER TABLE "Ix Quoted".t DROP COLUMN gone;
CREATE INDEX plain_one ON "Ix Quoted".t (id);
CREATE UNIQUE INDEX "plain unique" ON "Ix Quoted".t ("select", "Mixed Case", "we""ird");
CREATE INDEX plain_keywords_and_names ON "Ix Quoted".t (type, "between", "int", "a$b", "é", "1st", _under_1);
CREATE INDEX plain_orders ON "Ix Quoted".t (id DESC, "select" DESC NULLS LAST, ts NULLS FIRST, code ASC NULLS LAST);
CREATE INDEX plain_include ON "Ix Quoted".t (id) INCLUDE ("select", ts);
CREATE INDEX plain_own_collation ON "Ix Quoted".t (code);
CREATE INDEX plain_hash ON "Ix Quoted".t USING hash (id);
CREATE INDEX plain_brin ON "Ix Quoted".t USING brin (ts);
CREATE INDEX plain_gin ON "Ix Quoted".t USING gin (doc);
CREATE INDEX plain_gist ON "Ix Quoted".t USING gist (tsv);
CREATE INDEX deparsed_expression ON "Ix Quoted".t ((lower("select")), id);
CREATE INDEX deparsed_partial ON "Ix Quoted".t (id) WHERE id > 0;
CREATE INDEX deparsed_options ON "Ix Quoted".t (id) WITH (fillfactor = 70);
CREATE INDEX deparsed_opclass ON "Ix Quoted".t ("select" text_pattern_ops);
CREATE INDEX deparsed_collation ON "Ix Quoted".t ("select" COLLATE "C");
CREATE INDEX deparsed_default_collation ON "Ix Quoted".t (code COLLATE "default");
CREATE INDEX deparsed_coerced_type ON "Ix Quoted".t (v);
CREATE INDEX deparsed_enum ON "Ix Quoted".t (m);
CREATE INDEX deparsed_domain ON "Ix Quoted".t (d);
CREATE INDEX deparsed_array ON "Ix Quoted".t (arr);
CREATE INDEX deparsed_gin_opclass ON "Ix Quoted".t USING gin (doc jsonb_path_ops);
CREATE TABLE "Ix Quoted".p (k int, region text) PARTITION BY LIST (region);
CREATE TABLE "Ix Quoted".p_eu PARTITION OF "Ix Quoted".p FOR VALUES IN ('eu');
CREATE INDEX plain_partitioned ON "Ix Quoted".p (k, region);
CREATE INDEX plain_partitioned_only ON ONLY "Ix Quoted".p (region);
'''
_PLAIN_SHAPES_15 = '''
CREATE UNIQUE INDEX plain_nulls_not_distinct ON "Ix Quoted".t (id, code) NULLS NOT DISTINCT;
'''
_DEPARSED_SHAPES_13 = '''
CREATE INDEX deparsed_opclass_options ON "Ix Quoted".t USING gist (tsv tsvector_ops (siglen = 100));
'''
# An access method with a comma in its name (hostile): before 18, btree's operator class checks
# refuse a class of any other method, even one with btree's handler.
_DEPARSED_SHAPES_18 = '''
CREATE ACCESS METHOD "b,tree" TYPE INDEX HANDLER pg_catalog.bthandler;
CREATE OPERATOR CLASS "Ix Quoted".int4_ops DEFAULT FOR TYPE int4 USING "b,tree" AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 pg_catalog.btint4cmp(int4, int4);
CREATE INDEX deparsed_comma_in_method ON "Ix Quoted".t USING "b,tree" (id);
'''


def test_index_text_written_in_python_is_pg_get_indexdefs(source, server_version):
    execute(source, _INDEX_SHAPES + (_PLAIN_SHAPES_15 if server_version >= 150000 else "")
            + (_DEPARSED_SHAPES_13 if server_version >= 130000 else "")
            + (_DEPARSED_SHAPES_18 if server_version >= 180000 else ""))
    with psycopg.connect(source) as conn:
        parts = Parts([])
        rules = read_deparse_rules(conn)
        names = {row[0]: (row[1], row[2]) for row in read_relations(conn, parts)}
        columns = read_columns(conn, parts, {})
        constraints, _ = read_constraints(conn, parts, names, columns, rules)
        read = {index.name: index.definition
                for index in read_indexes(conn, parts, constraints, names, columns, rules)}
        # Which ones Python wrote: those the query left to it that it did not hand back.
        assembled = {row[3] for row in conn.execute(_indexes_sql(server_version), parts.params())
                     if row[4] is None and _plain_definition(row[2], row[3], names[row[1]][1], columns[row[1]], row[-1],
                                                             rules, _quoter(rules))}
        server = dict(conn.execute("SELECT c.relname, pg_catalog.pg_get_indexdef(c.oid) FROM pg_catalog.pg_class c"
                                   " WHERE c.relnamespace = '\"Ix Quoted\"'::regnamespace AND c.relkind IN ('i', 'I')"))
        read = {name: text for name, text in read.items() if name in server}
    assert read == server
    # The partition's own index, created by its parent's: named by the server, plain as its parent.
    expected = {name for name in server if name.startswith(("plain", "p_eu_"))}
    assert assembled == expected


# Key constraints: those read_constraints writes itself (py_*) and those it leaves to
# pg_get_constraintdef() (srv_*); every one must read exactly as pg_get_constraintdef() prints it.
_KEY_SHAPES = '''
CREATE SCHEMA "Ky Quoted"; CREATE SCHEMA "other side";
CREATE TABLE "other side"."Parent" (gone int, "Id" int, "select" text, code text, extra int,
    CONSTRAINT py_pk PRIMARY KEY ("Id", "select") INCLUDE (extra),
    CONSTRAINT py_unique UNIQUE (code), CONSTRAINT py_unique_pair UNIQUE (extra, code),
    CONSTRAINT py_unique_deferred UNIQUE ("select") DEFERRABLE INITIALLY DEFERRED);
ALTER TABLE "other side"."Parent" DROP COLUMN gone;
ALTER TABLE "other side"."Parent" ADD CONSTRAINT py_unique_deferrable UNIQUE (extra) DEFERRABLE;
CREATE TABLE "Ky Quoted".t (gone int, id int PRIMARY KEY, "Parent Id" int, "select" text, type text, "é" int,
    CONSTRAINT py_fk_full FOREIGN KEY ("Parent Id", "select") REFERENCES "other side"."Parent" ("Id", "select")
        MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL,
    CONSTRAINT py_fk_actions FOREIGN KEY (type) REFERENCES "other side"."Parent" (code)
        ON UPDATE RESTRICT ON DELETE SET DEFAULT DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT py_fk_self FOREIGN KEY ("é") REFERENCES "Ky Quoted".t (id) ON DELETE CASCADE,
    CONSTRAINT py_unique_keywords UNIQUE (type, "select", "é"),
    CONSTRAINT srv_check CHECK (id > 0));
ALTER TABLE "Ky Quoted".t DROP COLUMN gone;
ALTER TABLE "Ky Quoted".t ADD CONSTRAINT py_fk_not_valid FOREIGN KEY (id, type)
    REFERENCES "other side"."Parent" (extra, code) NOT VALID;
CREATE TABLE "Ky Quoted".p (k int, region text, PRIMARY KEY (k, region)) PARTITION BY LIST (region);
CREATE TABLE "Ky Quoted".p_eu PARTITION OF "Ky Quoted".p FOR VALUES IN ('eu');
ALTER TABLE "Ky Quoted".p ADD CONSTRAINT py_fk_partitioned FOREIGN KEY (k) REFERENCES "Ky Quoted".t (id);
CREATE TABLE "Ky Quoted".to_p (k int, region text, FOREIGN KEY (k, region) REFERENCES "Ky Quoted".p);
CREATE TABLE "Ky Quoted".left_out (id int PRIMARY KEY);
CREATE TABLE "Ky Quoted".to_left_out (id int CONSTRAINT srv_fk_to_left_out REFERENCES "Ky Quoted".left_out);
'''
_KEY_SHAPES_15 = '''
ALTER TABLE "Ky Quoted".t ADD CONSTRAINT py_nulls_not_distinct UNIQUE NULLS NOT DISTINCT ("select", id);
ALTER TABLE "Ky Quoted".t ADD CONSTRAINT srv_set_null_columns FOREIGN KEY ("Parent Id", "select")
    REFERENCES "other side"."Parent" ("Id", "select") ON DELETE SET NULL ("select");
'''
_KEY_SHAPES_18 = '''
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE "Ky Quoted".during (id int, valid tsrange, CONSTRAINT srv_without_overlaps PRIMARY KEY (id, valid WITHOUT OVERLAPS));
CREATE TABLE "Ky Quoted".refs_during (id int, valid tsrange,
    CONSTRAINT srv_period FOREIGN KEY (id, PERIOD valid) REFERENCES "Ky Quoted".during (id, PERIOD valid));
ALTER TABLE "Ky Quoted".t ADD CONSTRAINT srv_not_enforced FOREIGN KEY (id) REFERENCES "Ky Quoted".t (id) NOT ENFORCED;
'''


def test_key_constraint_text_written_in_python_is_pg_get_constraintdefs(source, server_version):
    """Python writes a key's text from the constraint's row and the columns, a foreign key's once
    its referenced table's are read (in another range: later); the server what Python cannot: a
    table whose parts were not read, and the shapes it leaves to the server."""
    execute(source, _KEY_SHAPES + (_KEY_SHAPES_15 if server_version >= 150000 else "")
            + (_KEY_SHAPES_18 if server_version >= 180000 else ""))
    left_out = query(source, 'SELECT \'"Ky Quoted".left_out\'::regclass::oid')[0][0]
    lead = Lead(source)
    try:
        catalog = read_catalog(lead.conn, 0, None, lambda tables, schemas, sequences: {left_out})
    finally:
        lead.close()
    server = dict(query(source, "SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid) FROM pg_catalog.pg_constraint c"
                                " WHERE c.connamespace IN ('\"Ky Quoted\"'::regnamespace, '\"other side\"'::regnamespace)"
                                " AND c.contype IN ('p', 'u', 'f', 'c')"))
    read = {c.name: c.definition for c in catalog.constraints if c.name in server}
    assert read == {name: text for name, text in server.items() if name != "left_out_pkey"}
    # Which ones Python wrote: those the query left to it (the one to the table left out it hands back).
    with psycopg.connect(source) as conn:
        rows = conn.execute(_constraints_sql(server_version), Parts([]).params()).fetchall()
    assert {row[2] for row in rows if row[4] is None} >= {name for name in server if name.startswith("py_")}
    assert not {row[2] for row in rows if row[4] is None} & {name for name in server if name.startswith("srv_")} - {
        "srv_fk_to_left_out"}


def test_a_foreign_key_to_another_range_is_written_once_its_table_is_read(source):
    execute(source, _KEY_SHAPES)
    with psycopg.connect(source) as conn:
        parts = Parts([])
        rules = read_deparse_rules(conn)
        names = {row[0]: (row[1], row[2]) for row in read_relations(conn, parts)}
        columns = read_columns(conn, parts, {})
        parent = [oid for oid, (schema, name) in names.items() if name == "Parent"]
        # As a range without the referenced table reads them: left for later, then finished.
        constraints, later = read_constraints(conn, parts, {oid: n for oid, n in names.items() if oid not in parent},
                                              columns, rules)
        waiting = {c.name for c in constraints if c.oid in later}
        assert waiting == {"py_fk_full", "py_fk_actions", "py_fk_not_valid"}
        assert all(c.definition == "" for c in constraints if c.oid in later)
        write_foreign_keys(conn, constraints, later, names, columns, rules)
        server = dict(conn.execute("SELECT c.oid, pg_catalog.pg_get_constraintdef(c.oid) FROM pg_catalog.pg_constraint c"
                                   " WHERE c.oid = ANY(%s)", ([c.oid for c in constraints],)).fetchall())
    assert {c.oid: c.definition for c in constraints} == server
