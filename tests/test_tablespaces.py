"""Tablespaces: every table, partitioned table, materialized view, index and constraint's index
comes back in its own tablespace, as pg_dump restores them (`SET default_tablespace` before
each CREATE), with psql and with `pgbackup restore` in each of its modes.

Tablespaces are global objects, not part of a backup: the tests create them once per server
(the same server is source and target), in empty directories beside its data directory.
"""

from __future__ import annotations

import hashlib
import shutil

import msgspec
import psycopg
import pytest

from engine.errors import RestoreError
from engine.restore import RestoreOptions, run_restore
from engine.script import TOC_NAME, Toc, iter_entries, read_toc

from .fix_fixtures import build_database
from .fix_server import execute, query
from .fix_tools import assert_same_schema, backup, psql_restore, table_checksums

TABLESPACES = ("ts1", 'tbl space "2"')
QUIET = {"log": lambda message: None}

# Each relation of schema s with its tablespace ('' the database's default), and its TOAST
# table's: the part of pg_class that pg_dump's output shows only as SET default_tablespace.
PLACEMENT = """
SELECT c.relname, c.relkind::text, COALESCE(ts.spcname, ''),
       (SELECT COALESCE(tts.spcname, '') FROM pg_class tc
        LEFT JOIN pg_tablespace tts ON tts.oid = tc.reltablespace WHERE tc.oid = c.reltoastrelid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
WHERE n.nspname = 's' ORDER BY c.relname
"""


def create_tablespace(server, name: str) -> None:
    """CREATE TABLESPACE in a new directory the server's OS user owns, unless it exists."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_tablespace WHERE spcname = %s", (name,)).fetchone():
            return
        location = server.datadir.parent / f"tablespace_{hashlib.sha256(name.encode()).hexdigest()[:12]}"
        location.mkdir(exist_ok=True)  # empty: DROP TABLESPACE leaves its directory
        if server.user:
            shutil.chown(location, server.user)
        conn.execute(psycopg.sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
            psycopg.sql.Identifier(name), psycopg.sql.Literal(str(location))))


@pytest.fixture(scope="module")
def placed(server):
    for name in TABLESPACES:
        create_tablespace(server, name)
    return build_database(server, "tablespaces")


@pytest.fixture(scope="module")
def placed_backup(placed, tmp_path_factory):
    return backup(placed, tmp_path_factory.mktemp("tblspc"))


def _same(source: str, restored: str, bindir) -> None:
    assert "SET default_tablespace = ts1;" in assert_same_schema(bindir, source, restored)
    assert query(restored, PLACEMENT) == query(source, PLACEMENT)
    assert table_checksums(restored) == table_checksums(source)


def test_fixture_places_every_kind(placed):
    """The fixture mixes tablespaces as intended (so the round trips below test something)."""
    placement = {name: (kind, ts, toast) for name, kind, ts, toast in query(placed, PLACEMENT)}
    two = TABLESPACES[1]
    assert placement["t"] == ("r", "ts1", "ts1")
    assert placement["t_pkey"][1:] == ("ts1", None) and placement["t_b_key"][1] == ""
    assert placement["t_lower"][1] == two and placement["plain_pkey"][1] == two
    assert placement["plain"][1] == "" and placement["plain_r_excl"][1] == "ts1"
    assert placement["p"] == ("p", "ts1", None) and placement["p_pkey"] == ("I", "ts1", None)
    assert placement["p1"][1] == "ts1" and placement["p2"][1] == "" and placement["p2_pkey"][1] == "ts1"
    assert placement["p3"][1] == two and placement["p3_pkey"][1] == ""
    assert placement["q"][1] == "" and placement["q1"][1] == "ts1" and placement["q_k_key"] == ("I", two, None)
    assert placement["mv"][1] == "ts1" and placement["mv_id"][1] == two and placement["mv_default"][1] == ""


def test_psql_round_trip(placed, placed_backup, target, bindir):
    psql_restore(bindir, placed_backup.directory / "backup.sql.gz", target)
    _same(placed, target, bindir)


@pytest.mark.parametrize("mode", [{}, {"jobs": 3}, {"single_transaction": True}], ids=["serial", "jobs3", "single"])
def test_pgbackup_restore_round_trip(placed, placed_backup, target, bindir, mode):
    """Each entry sets its own tablespace on the connection that runs it, whichever that is."""
    run_restore(placed_backup.directory, RestoreOptions(target, **mode), **QUIET)
    _same(placed, target, bindir)


def test_set_only_on_change_and_never_in_an_entry(placed_backup):
    """SET default_tablespace is an item of its own (kind SET), written where the value changes;
    the entries' own text never holds it, and each entry that places something records where."""
    toc = read_toc(placed_backup.directory / TOC_NAME)
    texts = {item.id: reader.read().decode() for item, reader in iter_entries(placed_backup.directory, toc)
             if item.unit_offset is None}
    current = None
    for item in toc.items:
        if item.name == "default_tablespace":
            assert item.kind == "SET" and texts[item.id].startswith("SET default_tablespace = ")
            continue
        assert "default_tablespace" not in texts.get(item.id, "")
        if item.tablespace is not None:
            previous = toc.items[item.id - 1]
            changed = item.tablespace != current
            assert (previous.name == "default_tablespace") == changed, item.key
            current = item.tablespace
    kinds = {(i.kind, i.tablespace) for i in toc.items if i.tablespace is not None}
    assert {("TABLE", "ts1"), ("TABLE", ""), ("MATERIALIZED VIEW", "ts1"), ("INDEX", TABLESPACES[1]),
            ("CONSTRAINT", "ts1"), ("CONSTRAINT", "")} <= kinds
    assert all(i.tablespace is None for i in toc.items if i.kind in ("VIEW", "SEQUENCE", "TABLE DATA", "ACL"))


def test_missing_tablespace_is_refused_before_anything_is_written(server, source, target, tmp_path):
    """Like pg_dump's, the backup needs the target to have its tablespaces: said up front."""
    create_tablespace(server, "ts_gone")
    execute(source, "CREATE TABLE public.gone (a int) TABLESPACE ts_gone")
    result = backup(source, tmp_path)
    execute(source, "DROP TABLE public.gone")
    execute(server.dsn(), "DROP TABLESPACE ts_gone")
    with pytest.raises(RestoreError, match="tablespace.*ts_gone.*not found in the target"):
        run_restore(result.directory, RestoreOptions(target), **QUIET)
    assert query(target, "SELECT count(*) FROM pg_class WHERE relname = 'gone'") == [(0,)]


def test_old_toc_without_tablespaces_still_reads(placed_backup):
    """The field is optional: a TOC written before it decodes, every item with no tablespace."""
    raw = msgspec.json.decode((placed_backup.directory / TOC_NAME).read_bytes())
    for item in raw["items"]:
        item.pop("tablespace", None)
    toc = msgspec.json.decode(msgspec.json.encode(raw), type=Toc)
    assert all(item.tablespace is None for item in toc.items)


def test_backup_without_tablespaces_restores_into_the_default(placed, target, tmp_path):
    """--no-tablespaces (pg_dump's): no SET, no tablespace in the TOC; all in the target's default."""
    result = backup(placed, tmp_path, no_tablespaces=True)
    toc = read_toc(result.directory / TOC_NAME)
    assert all(i.tablespace is None and i.name != "default_tablespace" for i in toc.items)
    run_restore(result.directory, RestoreOptions(target, jobs=2), **QUIET)
    assert {ts for _, _, ts, _ in query(target, PLACEMENT)} <= {"", None}
    assert table_checksums(target) == table_checksums(placed)


def test_restore_without_tablespaces_into_a_target_that_lacks_them(server, source, target, tmp_path):
    """pgbackup restore --no-tablespaces (pg_restore's): the backup's tablespaces are ignored,
    so a target without them (a managed service, say) takes everything into its default."""
    create_tablespace(server, "ts_elsewhere")
    execute(source, "CREATE TABLE public.far (a int PRIMARY KEY) TABLESPACE ts_elsewhere;"
                    "INSERT INTO public.far SELECT generate_series(1, 10)")
    result = backup(source, tmp_path)
    execute(source, "DROP TABLE public.far")
    execute(server.dsn(), "DROP TABLESPACE ts_elsewhere")
    run_restore(result.directory, RestoreOptions(target, jobs=2, no_tablespaces=True), **QUIET)
    assert query(target, "SELECT count(*), min(c.reltablespace) FROM public.far, pg_class c"
                         " WHERE c.relname = 'far'") == [(10, 0)]
