"""Hostile names, comments, defaults and bodies: the script must stay plain SQL, whatever they hold.

Every kind of name is generated from the same hostile strings (quotes, backslashes, newlines,
`\\!` and `\\.` at the start of a line, `;`, `--`, `$$`, unicode, over-long names). A psql
meta-command hidden in any of them would `touch` a marker file: after restoring with psql, even
with the `\\restrict` guard taken out of the script, and with `pgbackup restore`, the marker must
not exist and the restored schema must equal the source's.
"""

from __future__ import annotations

import gzip

import psycopg
import pytest
from psycopg import sql

from engine.restore import RestoreOptions, run_restore

from .fix_tools import backup, psql_restore, schema_dump, table_checksums


def hostile_strings(marker: str) -> list[str]:
    touch = f"\\! touch {marker}"
    return [
        'dq"uote', "sq'uote", "back\\slash\\", f"nl\n{touch}\n", f"\\.\n{touch}", f"cr\r\n{touch}",
        "semi;colon -- dash /* c */", "$$dollar$$ $a$", "é 中文 😀", "L" * 70, f"{touch};",
        f"\n\\copy x from program 'touch {marker}'\n", "\\gexec", "tab\there",
    ]


def build_hostile(conninfo: str, marker: str) -> None:
    names = hostile_strings(marker)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET client_min_messages = error")  # identifier truncation notices
        for i, name in enumerate(names):
            schema = sql.Identifier(f"s{i} {name}")
            table = sql.Identifier(f"s{i} {name}", name)
            col, lit = sql.Identifier(name), sql.Literal(name)
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            conn.execute(sql.SQL(
                "CREATE TABLE {t} (id int CONSTRAINT {pk} PRIMARY KEY, {c} text DEFAULT {l} CONSTRAINT {chk} "
                "CHECK ({c} <> {l2}))").format(
                t=table, pk=sql.Identifier(f"pk {name}"), c=col, l=lit, chk=sql.Identifier(f"chk {name}"),
                l2=sql.Literal(name + "!")))
            conn.execute(sql.SQL("CREATE INDEX {} ON {} ({}) WHERE {} <> {}").format(
                sql.Identifier(f"ix {name}"), table, col, col, lit))
            # Keys whose text the backup writes itself: hostile columns, and a foreign key to the
            # previous table (hostile schema, table and column; its own column NULL throughout).
            conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({}), ADD COLUMN {} text").format(
                table, sql.Identifier(f"uq {name}"), col, sql.Identifier(f"fk {name}")))
            if i:
                conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})").format(
                    table, sql.Identifier(f"fk {name}"), sql.Identifier(f"fk {name}"),
                    sql.Identifier(f"s{i - 1} {names[i - 1]}", names[i - 1]), sql.Identifier(names[i - 1])))
            conn.execute(sql.SQL("CREATE VIEW {} AS SELECT {} AS {} FROM {}").format(
                sql.Identifier(f"s{i} {name}", f"v {name}"), col, sql.Identifier(f"alias {name}"), table))
            conn.execute(sql.SQL(
                "CREATE FUNCTION {}({} text) RETURNS text LANGUAGE plpgsql AS {}").format(
                sql.Identifier(f"s{i} {name}", f"f {name}"), sql.Identifier(f"arg {name}"),
                sql.Literal(f"BEGIN\nRETURN {sql.Literal(name).as_string(conn)};\nEND")))
            conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(table, lit))
            conn.execute(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(table, col, lit))
            conn.execute(sql.SQL("COMMENT ON CONSTRAINT {} ON {} IS {}").format(
                sql.Identifier(f"chk {name}"), table, lit))
            conn.execute(sql.SQL("CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION "
                                 "suppress_redundant_updates_trigger()").format(
                sql.Identifier(f"tg {name}"), table))
            conn.execute(sql.SQL("CREATE POLICY {} ON {} USING ({} <> {})").format(
                sql.Identifier(f"pol {name}"), table, col, lit))
            conn.execute(sql.SQL("INSERT INTO {} VALUES (1, {}), (2, NULL)").format(table, sql.Literal(name + "x")))


@pytest.fixture
def hostile(source, tmp_path):
    marker = tmp_path / "pwned"
    build_hostile(source, str(marker))
    return source, marker


def test_psql_runs_no_meta_command(hostile, target, tmp_path, bindir):
    source, marker = hostile
    result = backup(source, tmp_path)
    psql_restore(bindir, result.directory / "backup.sql.gz", target)
    assert not marker.exists()
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert table_checksums(target) == table_checksums(source)


def test_script_is_safe_without_the_restrict_guard(hostile, target, tmp_path, bindir):
    """Our quoting alone keeps meta-commands out; \\restrict is a second line of defence."""
    source, marker = hostile
    result = backup(source, tmp_path)
    text = gzip.decompress((result.directory / "backup.sql.gz").read_bytes())
    lines = text.split(b"\n")
    bare = b"\n".join(line for line in lines if not line.startswith((b"\\restrict", b"\\unrestrict")))
    assert bare != text
    script = tmp_path / "bare.sql"
    script.write_bytes(bare)
    psql_restore(bindir, script, target)
    assert not marker.exists()
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    # Lines that start with a backslash do exist (inside quoted names): psql must not have run them.
    assert any(line.startswith(b"\\! touch") for line in lines)


def test_pgbackup_restore_matches(hostile, target, tmp_path, bindir):
    source, marker = hostile
    result = backup(source, tmp_path, jobs=2)
    run_restore(result.directory, RestoreOptions(target), log=lambda m: None)
    assert not marker.exists()
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert table_checksums(target) == table_checksums(source)
    run_restore(result.directory, RestoreOptions(target, clean=True), log=lambda m: None)  # the DROPs too
    assert not marker.exists()
    assert schema_dump(bindir, target) == schema_dump(bindir, source)
    assert table_checksums(target) == table_checksums(source)


def test_control_the_marker_does_catch_a_meta_command(target, tmp_path, bindir):
    """The check above can fail: a bare meta-command line in a script does create the marker."""
    marker = tmp_path / "pwned"
    script = tmp_path / "control.sql"
    script.write_text(f"SELECT 1;\n\\! touch {marker}\n")
    psql_restore(bindir, script, target)
    assert marker.exists()
