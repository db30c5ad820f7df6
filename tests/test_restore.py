"""The pure-Python restore in all its modes, against real servers: parallel, single transaction,
failures (never half a table), --clean, missing roles, --verify, and the CLI around it."""

from __future__ import annotations

import os

import msgspec
import psycopg
import pytest

from engine.cli import main
from engine.errors import RestoreError
from engine.restore import RestoreOptions, run_restore

from .fix_server import execute, query
from .fix_tools import backup, psql_restore, schema_dump, sequence_values, table_checksums
from .test_roundtrip import TRICKY

QUIET = {"log": lambda message: None}

# A target that fails while loading app."values": an event trigger arms a row trigger on the
# table as soon as the restore creates it; the row trigger raises at the third row (t = '').
BOOBY_TRAP = r"""
CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.t = '' THEN RAISE EXCEPTION 'boom at a row'; END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION public.arm() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_catalog.pg_event_trigger_ddl_commands()
           WHERE command_tag = 'CREATE TABLE' AND object_identity = 'app."values"' LOOP
    EXECUTE 'CREATE TRIGGER boom BEFORE INSERT ON app."values" FOR EACH ROW EXECUTE FUNCTION public.boom()';
  END LOOP;
END $$;
CREATE EVENT TRIGGER arm ON ddl_command_end EXECUTE FUNCTION public.arm();
"""


@pytest.fixture
def tricky(source):
    execute(source, TRICKY)
    execute(source, "CREATE INDEX pets_name_idx ON app.pets (name); CREATE INDEX pets_mood_idx ON app.pets (mood);"
                    "CREATE MATERIALIZED VIEW app.owner_pets AS SELECT owner_id, count(*) FROM app.pets GROUP BY 1;"
                    "INSERT INTO app.owners (name) SELECT 'o' || g FROM generate_series(1, 3000) g;"
                    # Names that would break a COPY statement rebuilt carelessly.
                    'CREATE TABLE app."we""ird\nname" ("col ) FROM stdin;" int, "x\n--" text);'
                    """INSERT INTO app."we""ird\nname" VALUES (1, 'a'), (2, E'b\\.');"""
                    # Inheritance: the parent's own rows and the child's load separately.
                    "CREATE TABLE app.parent (id int, v text); CREATE TABLE app.child (extra int) INHERITS (app.parent);"
                    "INSERT INTO app.parent VALUES (1, 'p'); INSERT INTO app.child VALUES (2, 'c', 3);")
    return source


def assert_same(source: str, restored: str, bindir) -> None:
    assert table_checksums(restored) == table_checksums(source)
    assert sequence_values(restored) == sequence_values(source)
    assert schema_dump(bindir, restored) == schema_dump(bindir, source)


@pytest.mark.parametrize("mode", [{"jobs": 1}, {"jobs": 3}, {"single_transaction": True}], ids=["j1", "j3", "single"])
def test_round_trip_in_every_mode(tricky, target, tmp_path, bindir, mode):
    result = backup(tricky, tmp_path, jobs=2)
    restored = run_restore(result.directory, RestoreOptions(target, verify=True, **mode), **QUIET)
    assert_same(tricky, target, bindir)
    assert restored.mismatches == []
    assert {t.table for t in restored.tables} == set(result.row_counts)
    assert all(t.checksum == "match" and t.restored == t.expected for t in restored.tables)


def test_zstd_and_uncompressed_backups(tricky, make_db, tmp_path, bindir):
    from engine.config import Compression

    for method in ("zstd", "none"):
        result = backup(tricky, tmp_path / method, compression=Compression.parse(method))
        target = make_db(method)
        run_restore(result.directory, RestoreOptions(target, jobs=2, verify=True), **QUIET)
        assert table_checksums(target) == table_checksums(tricky)


def _as_format_2(toc: dict) -> dict:
    """A TOC as format 2 had it: each object's ALTER ... OWNER TO an OWNER item of its own, right
    after the object's (the script's bytes stay the same)."""
    items: list[dict] = []
    ids: dict[int, int] = {}
    for item in toc["items"]:
        owner_length = item.pop("owner_length", 0)
        ids[item["id"]] = len(items)
        body = dict(item, id=len(items), length=item["length"] - owner_length)
        if "deps" in item:
            body["deps"] = [ids[d] for d in item["deps"]]
        items.append(body)
        if owner_length:
            items.append({"id": len(items), "key": item["key"] + "/owner", "kind": "OWNER", "section": item["section"],
                          "schema": item["schema"], "name": item["name"], "owner": item["owner"],
                          "offset": item["offset"] + body["length"], "length": owner_length, "deps": [body["id"]]})
    return dict(toc, format=2, items=items)


@pytest.mark.parametrize("no_owner", [False, True], ids=["owners", "no-owner"])
@pytest.mark.parametrize("toc_format", [3, 2])
def test_owner_statements_restore_from_either_toc_format(tricky, target, tmp_path, bindir, server, toc_format,
                                                         no_owner):
    """Format 3 ends an object's item with its ALTER ... OWNER TO (its length in bytes: a name
    beyond ASCII is longer); backups written before had an OWNER item for each."""
    owner = f'ownér "{os.getpid()}" {toc_format}{no_owner:d}'
    quoted = '"' + owner.replace('"', '""') + '"'
    execute(server.dsn(), f"DROP ROLE IF EXISTS {quoted}; CREATE ROLE {quoted}")
    execute(tricky, f"ALTER TABLE app.values OWNER TO {quoted}")
    result = backup(tricky, tmp_path)
    path = result.directory / "backup.toc.json"
    toc = msgspec.json.decode(path.read_bytes())
    assert toc["format"] == 3 and not any(item["kind"] == "OWNER" for item in toc["items"])
    if toc_format == 2:
        toc = _as_format_2(toc)
        assert sum(item["kind"] == "OWNER" for item in toc["items"]) > 5
        path.write_bytes(msgspec.json.encode(toc))
    run_restore(result.directory, RestoreOptions(target, no_owner=no_owner), **QUIET)
    assert query(target, "SELECT tableowner FROM pg_tables WHERE schemaname = 'app' AND tablename = 'values'") \
        == [("postgres" if no_owner else owner,)]
    if not no_owner:
        assert_same(tricky, target, bindir)


def test_format_1_toc_still_restores(tricky, target, tmp_path, bindir):
    """Backups written before TOC format 2 named dependencies by entry key: read as ids."""
    result = backup(tricky, tmp_path, jobs=2)
    path = result.directory / "backup.toc.json"
    toc = _as_format_2(msgspec.json.decode(path.read_bytes()))
    keys = [item["key"] for item in toc["items"]]
    assert any(item.get("deps") for item in toc["items"])
    for item in toc["items"]:
        if "deps" in item:
            item["deps"] = [keys[d] for d in item["deps"]]
    toc["format"] = 1
    path.write_bytes(msgspec.json.encode(toc))
    run_restore(result.directory, RestoreOptions(target, jobs=3), **QUIET)
    assert_same(tricky, target, bindir)


def test_toc_with_forward_dependency_is_refused(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    path = result.directory / "backup.toc.json"
    toc = msgspec.json.decode(path.read_bytes())
    toc["items"][1]["deps"] = [5]
    path.write_bytes(msgspec.json.encode(toc))
    with pytest.raises(RestoreError, match="not an earlier item"):
        run_restore(result.directory, RestoreOptions(target), **QUIET)


def test_failure_leaves_no_half_table(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    execute(target, BOOBY_TRAP)
    with pytest.raises(RestoreError) as failed:
        run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)
    message = str(failed.value)
    assert "TABLE DATA app.values" in message and "boom at a row" in message and "COPY" in message
    assert query(target, 'SELECT count(*) FROM app."values"') == [(0,)]  # rows 1 and 2 were sent, then undone
    # Resumable mode: what completed before stays (the schema, at least).
    assert query(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'app'")[0][0] >= 4


def test_single_transaction_failure_leaves_nothing(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    execute(target, BOOBY_TRAP)
    with pytest.raises(RestoreError, match="TABLE DATA app.values"):
        run_restore(result.directory, RestoreOptions(target, single_transaction=True, jobs=4), **QUIET)
    assert query(target, "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'") == [(0,)]


def test_post_data_failure_names_the_entry(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    execute(target, """CREATE TABLE public.blocker (id int);""")
    # Index names share the schema's namespace with tables: this one is taken.
    with pytest.raises(RestoreError, match=r"INDEX app.pets_name_idx failed: relation \"pets_name_idx\" already"):
        execute(target, "DROP TABLE public.blocker")
        run_restore(result.directory, RestoreOptions(target, jobs=2, allow_non_empty=True), **{
            "log": lambda m: execute(target, 'CREATE TABLE IF NOT EXISTS app.pets_name_idx (x int)')
            if m.startswith("post-data") else None})
    assert query(target, "SELECT count(*) FROM app.pets") == [(3,)]


def test_non_empty_target_refused_then_clean(tricky, target, tmp_path, bindir):
    result = backup(tricky, tmp_path)
    run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)
    execute(target, "INSERT INTO app.owners (name) VALUES ('extra'); DROP TABLE app.events_rest;"
                    "CREATE TABLE public.keep_me (id int); INSERT INTO public.keep_me VALUES (7);")
    with pytest.raises(RestoreError, match="not empty"):
        run_restore(result.directory, RestoreOptions(target), **QUIET)
    run_restore(result.directory, RestoreOptions(target, jobs=2, clean=True, if_exists=True), **QUIET)
    assert table_checksums(target) == {**table_checksums(tricky), "public.keep_me": (1, table_checksums(target)[
        "public.keep_me"][1])}
    assert query(target, "SELECT id FROM public.keep_me") == [(7,)]  # what the backup does not hold stays


def test_clean_refuses_to_cascade_into_other_objects(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    run_restore(result.directory, RestoreOptions(target), **QUIET)
    execute(target, "CREATE VIEW public.mine AS SELECT name FROM app.owners")
    with pytest.raises(RestoreError, match="--clean: DROP .*nothing was dropped"):
        run_restore(result.directory, RestoreOptions(target, clean=True), **QUIET)
    assert query(target, "SELECT count(*) FROM public.mine")[0][0] > 3000


def test_clean_keeps_a_base_types_functions_it_does_not_recreate(source, target, tmp_path):
    """A base type drops with CASCADE (its I/O functions need it): not when that would drop
    functions the restore does not recreate (here in a schema the target provides)."""
    execute(source, "CREATE SCHEMA a; CREATE SCHEMA b; CREATE TYPE a.t;"
                    "CREATE FUNCTION b.t_in(cstring) RETURNS a.t LANGUAGE internal IMMUTABLE STRICT AS 'int4in';"
                    "CREATE FUNCTION b.t_out(a.t) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';"
                    "CREATE TYPE a.t (INPUT = b.t_in, OUTPUT = b.t_out, LIKE = int4)")
    result = backup(source, tmp_path)
    run_restore(result.directory, RestoreOptions(target), **QUIET)
    with pytest.raises(RestoreError, match=r'--clean: DROP TYPE IF EXISTS "a"\."t" CASCADE would also drop what the '
                                           r'backup does not hold: function b\.t_in\(cstring\), function '
                                           r'b\.t_out\(a\.t\); nothing was dropped'):
        run_restore(result.directory, RestoreOptions(target, clean=True, existing_schemas=("b",)), **QUIET)
    assert query(target, "SELECT '7'::a.t::text") == [("7",)]
    run_restore(result.directory, RestoreOptions(target, clean=True), **QUIET)  # both recreated: dropped
    assert query(target, "SELECT '8'::a.t::text") == [("8",)]


def test_clean_with_a_toc_written_before_drops_were_recorded(tricky, target, tmp_path, bindir):
    """An older TOC (no DROP per item) still cleans the tables, types and routines it holds, an
    aggregate over `*` included."""
    execute(tricky, "CREATE AGGREGATE app.cnt(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');"
                    "CREATE TYPE app.mood2 AS ENUM ('x'); CREATE FUNCTION app.f(app.mood2) RETURNS int"
                    " LANGUAGE sql AS 'SELECT 1'")
    result = backup(tricky, tmp_path)
    path = result.directory / "backup.toc.json"
    toc = msgspec.json.decode(path.read_bytes())
    assert any("drop" in item for item in toc["items"])
    for item in toc["items"]:
        item.pop("drop", None)
    path.write_bytes(msgspec.json.encode(toc))
    run_restore(result.directory, RestoreOptions(target), **QUIET)
    run_restore(result.directory, RestoreOptions(target, clean=True, if_exists=True), **QUIET)
    assert schema_dump(bindir, target) == schema_dump(bindir, tricky)
    assert table_checksums(target) == table_checksums(tricky)


def _roles(server_dsn: str, *names: str) -> None:
    for name in names:
        execute(server_dsn, f"DROP ROLE IF EXISTS {name}; CREATE ROLE {name}")


def test_missing_roles_warn_once_each(source, target, tmp_path, server):
    owner, reader = f"rt_owner_{os.getpid()}", f"rt_reader_{os.getpid()}"
    _roles(server.dsn(), owner, reader)
    execute(source, f"""CREATE SCHEMA s AUTHORIZATION {owner};
        CREATE TABLE s.a (id int PRIMARY KEY); CREATE TABLE s.b (id int);
        ALTER TABLE s.a OWNER TO {owner}; ALTER TABLE s.b OWNER TO {owner};
        GRANT SELECT ON s.a, s.b TO {reader}; GRANT INSERT ON s.a TO PUBLIC; INSERT INTO s.a VALUES (1), (2);""")
    result = backup(source, tmp_path)
    execute(source, f"REASSIGN OWNED BY {owner} TO postgres; DROP OWNED BY {owner}; DROP OWNED BY {reader}")
    execute(server.dsn(), f"DROP ROLE {owner}; DROP ROLE {reader}")
    said: list[str] = []
    restored = run_restore(result.directory, RestoreOptions(target, jobs=2), log=said.append)
    warnings = [m for m in said if m.startswith("warning:")]
    assert sorted(warnings) == sorted(f'warning: role "{r}" does not exist in the target: its ownerships and '
                                      f"privileges were skipped" for r in (owner, reader))
    assert restored.warnings and restored.mismatches == []
    assert query(target, "SELECT count(*) FROM s.a") == [(2,)]
    # The grant to PUBLIC in the same ACL entry is kept; the owner is whoever restored.
    assert query(target, "SELECT has_table_privilege('public', 's.a', 'INSERT'), tableowner FROM pg_tables "
                         "WHERE tablename = 'a'") == [(True, "postgres")]


def test_no_owner_no_privileges_and_role(source, target, tmp_path, server):
    from engine.config import Selection

    owner, restorer = f"rt_owner2_{os.getpid()}", f"rt_restorer_{os.getpid()}"
    _roles(server.dsn(), owner, restorer)
    dbname = target.split("dbname=")[1]
    (public_owner,) = query(target, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")[0]
    # The backup (even with -n s) comments on schema public: let the restoring role own it here.
    execute(target, f'GRANT CREATE ON DATABASE "{dbname}" TO {restorer}; ALTER SCHEMA public OWNER TO {restorer}')
    execute(source, f"""CREATE SCHEMA s; CREATE TABLE s.t (id int PRIMARY KEY, v text); ALTER TABLE s.t OWNER TO {owner};
        GRANT SELECT ON s.t TO {owner}; INSERT INTO s.t VALUES (1, 'x');""")
    result = backup(source, tmp_path, selection=Selection(schemas=("s",)))
    run_restore(result.directory, RestoreOptions(target, no_owner=True, no_privileges=True, role=restorer),
                **QUIET)
    assert query(target, "SELECT tableowner FROM pg_tables WHERE tablename = 't'") == [(restorer,)]
    assert query(target, "SELECT relacl FROM pg_class WHERE relname = 't'") == [(None,)]
    assert query(target, "SELECT v FROM s.t") == [("x",)]
    execute(source, "DROP SCHEMA s CASCADE")
    execute(target, f'DROP SCHEMA s CASCADE; REVOKE ALL ON DATABASE "{dbname}" FROM {restorer};'
                    f"ALTER SCHEMA public OWNER TO {public_owner}")
    execute(server.dsn(), f"DROP ROLE {owner}; DROP ROLE {restorer}")


def test_owner_without_its_own_rights_restores_as_itself(source, make_db, tmp_path, server, bindir):
    """pg_dump's ACL pass: privileges come after the data, the post-data and the materialized
    views' first refresh. An owner who revoked its own INSERT can still restore its tables, by
    psql or by pgbackup restore, connected as itself (no superuser)."""
    from engine.config import Selection

    owner = f"rt_self_{os.getpid()}"
    execute(server.dsn(), f"DROP ROLE IF EXISTS {owner}; CREATE ROLE {owner} LOGIN")
    execute(source, f"""CREATE SCHEMA s AUTHORIZATION {owner};
        CREATE TABLE s.t (id int PRIMARY KEY, v text); ALTER TABLE s.t OWNER TO {owner};
        INSERT INTO s.t SELECT g, 'v' || g FROM generate_series(1, 3) g;
        CREATE MATERIALIZED VIEW s.m AS SELECT count(*) FROM s.t; ALTER MATERIALIZED VIEW s.m OWNER TO {owner};
        REVOKE INSERT, SELECT ON s.t FROM {owner}; GRANT SELECT (id) ON s.t TO {owner};""")
    result = backup(source, tmp_path, selection=Selection(schemas=("s",)))
    script = next(result.directory.glob("backup.sql*"))
    for how in ("psql", "pgbackup"):
        target = make_db("dst")
        dbname = target.split("dbname=")[1]
        (public_owner,) = query(target, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'")[0]
        # The backup (even with -n s) comments on schema public: the owner owns it here.
        execute(target, f'GRANT CREATE ON DATABASE "{dbname}" TO {owner}; ALTER SCHEMA public OWNER TO {owner}')
        if how == "psql":
            psql_restore(bindir, script, server.dsn(dbname, user=owner))
        else:
            run_restore(result.directory, RestoreOptions(target, role=owner), **QUIET)
        assert table_checksums(target) == table_checksums(source), how
        assert query(target, "SELECT count, has_table_privilege(%s, 's.t', 'INSERT') FROM s.m", (owner,)) \
            == [(3, False)], how
        execute(target, f'DROP SCHEMA s CASCADE; REVOKE ALL ON DATABASE "{dbname}" FROM {owner}; '
                        f"ALTER SCHEMA public OWNER TO {public_owner}")
    execute(source, "DROP SCHEMA s CASCADE")
    execute(server.dsn(), f"DROP ROLE {owner}")


def test_verify_detects_changed_content(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    execute(target, BOOBY_TRAP.replace("RAISE EXCEPTION 'boom at a row'", "NEW.t := 'changed'"))
    restored = run_restore(result.directory, RestoreOptions(target, jobs=2, verify=True), **QUIET)
    assert [(t.table, t.checksum) for t in restored.mismatches] == [("app.values", "MISMATCH")]


def test_cli_summary_and_exit_codes(tricky, target, tmp_path, capsys):
    result = backup(tricky, tmp_path)
    assert main(["restore", str(result.directory), "-d", target, "--jobs", "2", "--verify"]) == 0
    out = capsys.readouterr().out
    assert "app.owners" in out and "3,003" in out and "all row counts match and contents match" in out
    assert main(["restore", str(result.directory), "-d", target]) == 1
    assert "not empty" in capsys.readouterr().err
    counts = msgspec.json.decode((result.directory / "row_counts.json").read_bytes())
    counts["app.pets"] += 1
    (result.directory / "row_counts.json").write_bytes(msgspec.json.encode(counts))
    assert main(["restore", str(result.directory), "-d", target, "--clean", "--if-exists"]) == 1
    captured = capsys.readouterr()
    assert "MISMATCH" in captured.out and "app.pets" in captured.err
    assert main(["restore", str(tmp_path / "nope"), "-d", target]) == 2


def test_truncated_backup_is_a_clear_error(tricky, target, tmp_path):
    result = backup(tricky, tmp_path)
    script = result.directory / "backup.sql.gz"
    data = script.read_bytes()
    script.write_bytes(data[: len(data) // 2])
    with pytest.raises(RestoreError, match="complete|corrupt|match"):
        run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)


def test_data_only_backup_into_existing_tables_in_fk_order(tricky, target, tmp_path):
    full = backup(tricky, tmp_path / "full")
    run_restore(full.directory, RestoreOptions(target, sections=("pre-data", "post-data")), **QUIET)
    execute(target, "ALTER TABLE app.owners DROP CONSTRAINT owners_best_pet_fk")  # the FK cycle: not loadable
    data = backup(tricky, tmp_path / "data", data_only=True)
    restored = run_restore(data.directory, RestoreOptions(target, jobs=3, verify=True), **QUIET)
    assert restored.mismatches == [] and {t.checksum for t in restored.tables} == {"match"}


def test_verify_ignores_the_target_session_defaults(tricky, target, tmp_path):
    execute(tricky, "CREATE TABLE app.times (i interval, f real, d float8, t timestamp, dd date);"
                    "INSERT INTO app.times VALUES ('1 year 2 mons 3 days 04:05:06.5', 0.1, 1.0/3, '2026-02-03 04:05:06',"
                    " '2026-12-31')")
    dbname = target.split("dbname=")[1]
    execute(target, f"""ALTER DATABASE "{dbname}" SET datestyle = 'SQL, DMY';
                        ALTER DATABASE "{dbname}" SET intervalstyle = 'sql_standard';
                        ALTER DATABASE "{dbname}" SET extra_float_digits = 0""")
    result = backup(tricky, tmp_path)
    restored = run_restore(result.directory, RestoreOptions(target, jobs=2, verify=True), **QUIET)
    assert restored.mismatches == [] and {t.checksum for t in restored.tables} == {"match"}


def test_progress_on_a_terminal(tricky, target, tmp_path, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    result = backup(tricky, tmp_path)
    run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)
    text = screen.getvalue()
    assert "app.owners: " in text and "3,003 rows" in text
    assert "data: 100%" in text and "MB/s" in text and "ETA" in text


def test_post_data_waits_only_for_the_data_it_needs(tricky, tmp_path):
    """An index builds once its own table is loaded; whatever reaches other tables waits for them too."""
    from engine.restore.plan import data_waits, phases
    from engine.restore.source import Backup

    execute(tricky, "ALTER TABLE app.parent ADD CONSTRAINT parent_v CHECK (v <> 'x') NOT VALID")
    opened = Backup(backup(tricky, tmp_path).directory)
    plan = phases(opened.items, RestoreOptions("unused"))
    waits = data_waits(plan.post, plan.data, opened.items)
    data = {i.key: i.name for i in plan.data}

    def named(kind: str, name: str) -> set[str] | None:
        (key,) = [i.key for i in plan.post if i.kind == kind and i.name == name]
        return None if waits[key] is None else {data[k] for k in waits[key]}

    assert named("INDEX", "pets_name_idx") == {"pets"}
    assert named("CONSTRAINT", "pets pets_pkey") == {"pets"}
    assert named("FK CONSTRAINT", "pets pets_owner_id_fkey") == {"pets", "owners"}
    # On a partitioned table: every partition; on an inheritance parent (CHECK reaches the child): both.
    assert named("INDEX", "events_at_idx") == {"events_2025", "events_rest"}
    assert named("CONSTRAINT", "parent parent_v") == {"parent", "child"}
    # A refresh reads other tables, as its owner: after all of the data and the privileges.
    assert [i.name for i in plan.last if i.kind == "MATERIALIZED VIEW DATA"] == ["owner_pets"]
    assert not any(i.kind == "MATERIALIZED VIEW DATA" for i in plan.post)


def test_only_large_tables_are_frozen(tricky, target, tmp_path, monkeypatch):
    """TRUNCATE + COPY FREEZE pays only for a large table: a small one is a plain COPY."""
    import engine.restore.run as restore_run

    result = backup(tricky, tmp_path)
    monkeypatch.setattr(restore_run, "FREEZE_MIN_BYTES", 1000)  # app.owners has more COPY text, app.pets less
    run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)
    try:
        execute(target, "CREATE EXTENSION pageinspect")
    except psycopg.Error:
        pytest.skip("this build has no pageinspect")
    frozen = """SELECT bool_and(t_infomask & 768 = 768) FROM heap_page_items(get_raw_page(%s, 0))
                WHERE t_infomask IS NOT NULL"""  # 768: HEAP_XMIN_FROZEN
    assert query(target, frozen, ("app.owners",)) == [(True,)]
    assert query(target, frozen, ("app.pets",)) == [(False,)]
