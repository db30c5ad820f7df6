"""Every object kind beyond tables, round-tripped and compared with pg_dump 18's view of the source.

One source database per server (module scope): loaded once from fixtures_kinds.py, backed up
once, restored once with psql and once with the pure-Python restore.
"""

from __future__ import annotations

import gzip
import os

import psycopg
import psycopg.sql
import pytest

from engine.catalog import read_catalog
from engine.catalog.largeobjects import read_chunks
from engine.config import Selection
from engine.ddl.quoting import ident
from engine.errors import RestoreError
from engine.plan import build_plan
from engine.restore import RestoreOptions, run_restore
from engine.script import RESTORE_PASSES, read_toc

from .fix_server import execute
from .fix_tools import backup, psql_restore, schema_dump
from .fixtures_kinds import ROLES, fixture_sql

LARGE_OBJECTS = """
SELECT m.oid::int8, pg_catalog.pg_get_userbyid(m.lomowner), m.lomacl::text,
       pg_catalog.obj_description(m.oid, 'pg_largeobject'), md5(pg_catalog.lo_get(m.oid))
FROM pg_catalog.pg_largeobject_metadata m ORDER BY 1
"""


def _create_db(server, name: str) -> str:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.dsn(name)


@pytest.fixture(scope="module")
def kinds(server, tmp_path_factory, bindir):
    """(source, psql-restored, python-restored, backup result, server version) for this server."""
    tag = f"{os.getpid()}_{server.port}"
    source = _create_db(server, f"kinds_src_{tag}")
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(ROLES)
    with psycopg.connect(source, autocommit=True) as conn:
        version = conn.info.server_version
        conn.execute(fixture_sql(version))
    result = backup(source, tmp_path_factory.mktemp("kinds"), jobs=2)
    by_psql = _create_db(server, f"kinds_psql_{tag}")
    psql_restore(bindir, result.directory / "backup.sql.gz", by_psql)
    by_python = _create_db(server, f"kinds_py_{tag}")
    run_restore(result.directory, RestoreOptions(by_python), log=lambda m: None)
    return source, by_psql, by_python, result, version


def _rows(conninfo: str, sql: str) -> list[tuple]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def test_psql_restore_is_exact(kinds, bindir):
    source, by_psql, _, _, _ = kinds
    assert schema_dump(bindir, by_psql) == schema_dump(bindir, source)


def test_python_restore_is_exact(kinds, bindir):
    source, _, by_python, _, _ = kinds
    assert schema_dump(bindir, by_python) == schema_dump(bindir, source)


def test_large_objects_keep_contents_owner_acl_comment(kinds):
    source, by_psql, by_python, _, _ = kinds
    expected = _rows(source, LARGE_OBJECTS)
    assert len(expected) == 2 and expected[0][1] == "kinds_owner"
    assert _rows(by_psql, LARGE_OBJECTS) == expected
    assert _rows(by_python, LARGE_OBJECTS) == expected


def test_every_kind_is_planned(kinds):
    """The fixture exercises each kind: a reader that silently returned nothing would fail here."""
    source, _, _, _, version = kinds
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("SET search_path = pg_catalog")
        plan = build_plan(read_catalog(conn))
    planned = {e.kind for e in plan.entries}
    expected = {
        "TYPE", "SHELL TYPE", "DOMAIN", "COLLATION", "CONVERSION", "AGGREGATE", "FUNCTION", "PROCEDURE",
        "OPERATOR", "OPERATOR FAMILY", "OPERATOR CLASS", "CAST", "TRANSFORM", "PROCEDURAL LANGUAGE",
        "TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE", "TEXT SEARCH DICTIONARY", "TEXT SEARCH CONFIGURATION",
        "FOREIGN DATA WRAPPER", "SERVER", "USER MAPPING", "FOREIGN TABLE", "PUBLICATION", "PUBLICATION TABLE",
        "SUBSCRIPTION", "STATISTICS", "LARGE OBJECT", "LARGE OBJECT DATA", "DEFAULT ACL", "EVENT TRIGGER",
        "ACCESS METHOD",
    }
    if version >= 150000:
        expected.add("PUBLICATION TABLES IN SCHEMA")
    assert expected <= planned, expected - planned
    names = {e.name for e in plan.entries}
    assert not {n for n in names if n.startswith(("daterange2(", "intrange(", "floatrange("))}, \
        "a range type's constructor functions belong to CREATE TYPE"
    order = [e.key for e in plan.entries]
    by_name = {(e.kind, e.name): e.key for e in plan.entries}
    shell = next(e.key for e in plan.entries if e.kind == "SHELL TYPE" and e.name == "myint")
    assert order.index(shell) < order.index(by_name[("FUNCTION", "myint_in(cstring)")]) \
        < order.index(by_name[("TYPE", "myint")])
    assert plan.entries[-1].kind in ("EVENT TRIGGER", "COMMENT", "PSQL")
    # pg_dump's restore passes: every privilege after all else, then refreshes and event
    # triggers (an object's owner, comment and label go with it, wherever it is).
    passes = [next((n for n, kinds in enumerate(RESTORE_PASSES, 1) if e.kind in kinds), 0)
              for e in plan.entries if e.kind not in ("COMMENT", "SECURITY LABEL")]
    assert passes == sorted(passes) and {0, 1, 2} <= set(passes)
    # An object's comment and security label come right after it (after one another), in its
    # section, as pg_dump writes them; each of every kind's is there. Its owner is in its own
    # entry, as pg_dump has it: ALTER {the kind's word} {its name} OWNER TO {its owner}.
    followers = 0
    for place, entry in enumerate(plan.entries):
        if entry.kind in ("COMMENT", "SECURITY LABEL") and len(entry.deps) == 1:
            before = place - 1
            while plan.entries[before].kind in ("COMMENT", "SECURITY LABEL") \
                    and plan.entries[before].key != entry.deps[0]:
                before -= 1
            assert plan.entries[before].key == entry.deps[0], entry.key
            assert plan.entries[before].section == entry.section, entry.key
            followers += 1
    assert followers > 20
    # Privileges come in their objects' order (after all else, as checked above), as pg_dump writes them.
    place = {e.key: i for i, e in enumerate(plan.entries)}
    objects = [place[e.deps[0]] for e in plan.entries if e.kind == "ACL" and len(e.deps) == 1 and e.deps[0] in place]
    assert len(objects) > 5 and objects == sorted(objects)
    privileges = [e.kind for e in plan.entries if e.kind in ("ACL", "DEFAULT ACL")]
    assert "ACL" not in privileges[privileges.index("DEFAULT ACL"):]  # the default privileges last
    owned = [e for e in plan.entries if e.alter_owner]
    assert "OWNER" not in {e.kind for e in plan.entries} and len(owned) > 50
    for entry in owned:
        assert entry.alter_owner.startswith("ALTER "), entry.key
        assert entry.alter_owner.endswith(f" OWNER TO {ident(entry.owner)};\n"), entry.key
    assert {"TABLE", "FUNCTION", "TYPE", "DOMAIN", "SCHEMA", "EVENT TRIGGER", "SERVER", "PUBLICATION",
            "TEXT SEARCH CONFIGURATION", "OPERATOR CLASS"} <= {e.kind for e in owned}


def test_restore_runs_privileges_refreshes_and_event_triggers_last(kinds):
    """pgbackup restore as the script: those kinds after everything else, each event trigger
    with its owner and comment, in the script's order."""
    from engine.restore.plan import LAST_KINDS, phases
    from engine.restore.source import Backup

    items = Backup(kinds[3].directory).items
    plan = phases(items, RestoreOptions("unused"))
    assert {"ACL", "DEFAULT ACL", "EVENT TRIGGER"} <= {i.kind for i in plan.last}
    assert not any(i.kind in LAST_KINDS for i in plan.pre + plan.data + plan.data_other + plan.post)
    assert [i.id for i in plan.last] == sorted(i.id for i in plan.last)
    last = {i.id for i in plan.last}
    followers = [i for i in items if i.kind in ("OWNER", "COMMENT") and i.deps
                 and items[i.deps[0]].kind == "EVENT TRIGGER"]
    assert followers and all(i.id in last for i in followers)


def test_large_object_read_in_bounded_chunks(kinds):
    source = kinds[0]
    with psycopg.connect(source, autocommit=True) as conn:
        chunks = list(read_chunks(conn, 424242, size=3))
        assert [offset for offset, _ in chunks] == [0, 3, 6]
        assert b"".join(data for _, data in chunks) == bytes.fromhex("00010203deadbeef")
        assert list(read_chunks(conn, 424243, size=3)) == []


def test_user_mapping_password_only_in_the_script(kinds):
    """As pg_dump does, the mapping's options are dumped; nothing else (TOC, metadata) repeats them."""
    result = kinds[3]
    script = gzip.decompress((result.directory / "backup.sql.gz").read_bytes())
    assert b"'secret-pw'" in script
    for name in ("backup.toc.json", "metadata.json", "row_counts.json"):
        assert b"secret-pw" not in (result.directory / name).read_bytes()


def test_large_objects_are_data(kinds, tmp_path, make_db):
    """As pg_dump: none in a schema-only backup; a data-only one creates and fills them."""
    source, target = kinds[0], make_db("lo")
    schema = backup(source, tmp_path / "s", schema_only=True).directory
    script = gzip.decompress((schema / "backup.sql.gz").read_bytes())
    assert b"lo_create(" not in script and b"lo_put(" not in script
    run_restore(schema, RestoreOptions(target), log=lambda m: None)
    assert _rows(target, LARGE_OBJECTS) == []
    data = backup(source, tmp_path / "d", data_only=True).directory
    items = [(i.kind, i.section) for i in read_toc(data / "backup.toc.json").items]
    assert ("LARGE OBJECT", "data") in items and ("LARGE OBJECT DATA", "data") in items
    run_restore(data, RestoreOptions(target, allow_non_empty=True), log=lambda m: None)
    assert _rows(target, LARGE_OBJECTS) == _rows(source, LARGE_OBJECTS)


CFG_CONTROL = """comment = 'pgbackup tests: an extension with configuration tables'
default_version = '1.0'
relocatable = true
"""

CFG_SCRIPT = """
CREATE TABLE cfg_settings (key text PRIMARY KEY, value text, is_user boolean NOT NULL DEFAULT true);
INSERT INTO cfg_settings VALUES ('builtin', 'from the extension', false);
SELECT pg_catalog.pg_extension_config_dump('cfg_settings', 'WHERE is_user');
CREATE TABLE cfg_all (id int, note text);
SELECT pg_catalog.pg_extension_config_dump('cfg_all', '');
CREATE SEQUENCE cfg_seq;
SELECT pg_catalog.pg_extension_config_dump('cfg_seq', '');
"""


@pytest.fixture(scope="module")
def cfg_extension(server) -> str:
    """A test extension with configuration tables, installed into the server's extension directory."""
    root = server.bindir.parent / "share"
    candidates = [root / "extension", root / "postgresql" / "extension"]
    directory = next((d for d in candidates if (d / "plpgsql.control").exists()), None)
    if directory is None or not os.access(directory, os.W_OK):
        pytest.skip("cannot install a test extension into this server's extension directory")
    for name, text in (("pgbackup_cfgtest.control", CFG_CONTROL), ("pgbackup_cfgtest--1.0.sql", CFG_SCRIPT)):
        path = directory / name
        if not path.exists() or path.read_text() != text:
            tmp = path.with_suffix(path.suffix + f".{os.getpid()}")
            tmp.write_text(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    return "pgbackup_cfgtest"


CFG_ROWS = """
SELECT 'settings', string_agg(format('%s=%s/%s', key, value, is_user), ',' ORDER BY key) FROM cfg.cfg_settings
UNION ALL SELECT 'all', string_agg(format('%s:%s', id, note), ',' ORDER BY id) FROM cfg.cfg_all
UNION ALL SELECT 'seq', (SELECT last_value || '/' || is_called FROM cfg.cfg_seq)
"""


def test_extension_configuration_data(cfg_extension, source, target, make_db, tmp_path, bindir):
    """As pg_dump: the rows the extension's filter selects, and its sequences' positions, are restored."""
    from .fix_server import execute

    execute(source, f"""
        CREATE SCHEMA cfg;
        CREATE EXTENSION {cfg_extension} WITH SCHEMA cfg;
        INSERT INTO cfg.cfg_settings VALUES ('mine', 'user value', true);
        INSERT INTO cfg.cfg_all VALUES (1, 'one'), (2, E'tab\\there');
        SELECT setval('cfg.cfg_seq', 41);
    """)
    result = backup(source, tmp_path)
    assert result.row_counts["cfg.cfg_settings"] == 1  # the extension's own row stays with CREATE EXTENSION
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    expected = _rows(source, CFG_ROWS)
    assert expected[0][1] == "builtin=from the extension/f,mine=user value/t"
    assert _rows(target, CFG_ROWS) == expected
    by_python = make_db("cfg")
    run_restore(result.directory, RestoreOptions(by_python), log=lambda m: None)
    assert _rows(by_python, CFG_ROWS) == expected
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    # Left out with the extension under -n, as pg_dump does.
    selected = backup(source, tmp_path / "n", selection=Selection(schemas=("cfg",)))
    assert "cfg.cfg_settings" not in selected.row_counts


def test_hostile_names_and_texts(source, target, make_db, tmp_path, bindir):
    """Quotes, newlines, `\\!` and `\\.` at line starts in names, options and comments of these kinds."""
    from .fix_server import execute
    from .fixtures_kinds import HOSTILE

    execute(source, HOSTILE)
    result = backup(source, tmp_path)
    psql_restore(bindir, result.directory / "backup.sql.gz", target)  # psql would run `\! echo pwned`
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    by_python = make_db("hostile")
    run_restore(result.directory, RestoreOptions(by_python), log=lambda m: None)
    assert schema_dump(bindir, by_python) == schema_dump(bindir, source)
    run_restore(result.directory, RestoreOptions(by_python, clean=True), log=lambda m: None)  # the DROPs too
    assert schema_dump(bindir, by_python) == schema_dump(bindir, source)
    options = "SELECT srvoptions FROM pg_foreign_server"
    assert _rows(target, options) == _rows(source, options) == [(["opt\n\\! x=val\n\\! echo pwned\n'"],)]


def test_clean_restore_over_a_restored_copy(kinds, make_db, tmp_path, bindir):
    """--clean --if-exists drops every kind (large objects unlinked) before recreating it."""
    source, _, _, result, _ = kinds
    target = make_db("clean")
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    # As with pg_dump's --clean, DROP SUBSCRIPTION would ask the publisher to drop the slot.
    with psycopg.connect(target, autocommit=True) as conn:
        subs = conn.execute("SELECT subname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid"
                            " WHERE d.datname = current_database()").fetchall()
        for (name,) in subs:
            conn.execute(psycopg.sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(
                psycopg.sql.Identifier(name)))
    clean = backup(source, tmp_path, clean=True, if_exists=True)
    psql_restore(bindir, clean.directory / "backup.sql.gz", target)
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert _rows(target, LARGE_OBJECTS) == _rows(source, LARGE_OBJECTS)


@pytest.mark.parametrize("if_exists", [True, False], ids=["if_exists", "plain"])
def test_python_clean_restore_over_a_restored_copy(kinds, make_db, bindir, if_exists):
    """`pgbackup restore --clean` drops every kind the backup holds (an aggregate over `*`, operators,
    casts, FDWs, subscriptions with a slot name...) and recreates it: the source again."""
    source, _, _, result, _ = kinds
    target = make_db("pyclean")
    run_restore(result.directory, RestoreOptions(target), log=lambda m: None)
    # Altered in the target: replaced by the backup's definition, not kept.
    execute(target, "ALTER TEXT SEARCH CONFIGURATION kinds.copied DROP MAPPING FOR asciiword")
    cleaned = run_restore(result.directory, RestoreOptions(target, clean=True, if_exists=if_exists),
                          log=lambda m: None)
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert _rows(target, LARGE_OBJECTS) == _rows(source, LARGE_OBJECTS)
    # kinds_sub2 names a slot (its own name): DROP SUBSCRIPTION would drop it on the publisher.
    assert "--clean: subscription kinds_sub2 was detached from its replication slot kinds_sub2, left " \
           "on the publisher" in cleaned.warnings
    assert not any("kinds_sub was detached" in w for w in cleaned.warnings)  # slot_name = NONE


def test_python_clean_into_an_empty_target(kinds, make_db, bindir):
    """Every recorded DROP ... IF EXISTS tolerates its object's absence (and that of its table, types...)."""
    source, _, _, result, _ = kinds
    target = make_db("pycleanempty")
    run_restore(result.directory, RestoreOptions(target, clean=True, if_exists=True), log=lambda m: None)
    assert schema_dump(bindir, target) == schema_dump(bindir, source)


def test_python_clean_refuses_to_cascade_from_a_base_type(kinds, make_db):
    """A base type drops with CASCADE (its I/O functions need it, as pg_dump drops it): never into a
    column of a table the backup does not hold, even through the type's array type."""
    _, _, _, result, _ = kinds
    target = make_db("pycascade")
    run_restore(result.directory, RestoreOptions(target), log=lambda m: None)
    execute(target, "CREATE TABLE public.mine (v kinds.myint[]); INSERT INTO public.mine VALUES ('{1}')")
    with pytest.raises(RestoreError, match=r'--clean: DROP TYPE IF EXISTS "kinds"\."myint" CASCADE would also drop '
                                           r'what the backup does not hold: column v of table (public\.)?mine; '
                                           r'nothing was dropped'):
        run_restore(result.directory, RestoreOptions(target, clean=True), log=lambda m: None)
    assert _rows(target, "SELECT v::text FROM public.mine") == [("{1}",)]
    assert _rows(target, "SELECT count(*) FROM pg_catalog.pg_publication") != [(0,)]  # nothing dropped


@pytest.mark.parametrize("options", [{"jobs": 4}, {"single_transaction": True}], ids=["jobs4", "single"])
def test_python_restore_modes(kinds, make_db, bindir, options):
    """Parallel post-data and all-or-nothing restores handle these kinds too (subscriptions, event triggers...)."""
    source, _, _, result, _ = kinds
    target = make_db("mode")
    run_restore(result.directory, RestoreOptions(target, **options), log=lambda m: None)
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert _rows(target, LARGE_OBJECTS) == _rows(source, LARGE_OBJECTS)
