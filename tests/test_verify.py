"""pgbackup verify and pgbackup list: a sound backup passes, every kind of damage is caught."""

from __future__ import annotations

import json
import shutil

import pytest

from engine.verify import verify_backup

from .fix_sample import cli_backup, run_cli, sample  # noqa: F401 - fixtures


@pytest.fixture
def backup_dir(sample, tmp_path):
    return cli_backup(sample, tmp_path / "out", "--no-transient")


def test_sound_backup_verifies(backup_dir, capsys):
    code, out, _ = run_cli(["verify", str(backup_dir)], capsys)
    assert code == 0, out
    assert "FAIL" not in out and out.strip().endswith("backup verified: no defects")
    assert "decompressed to the end" in out and "22 CSV files" in out


def _flip(path, at=None):
    data = bytearray(path.read_bytes())
    data[len(data) // 2 if at is None else at] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = {
    "flip-script-byte": lambda d: _flip(d / "backup.sql.gz"),
    "truncate-script": lambda d: (d / "backup.sql.gz").write_bytes((d / "backup.sql.gz").read_bytes()[:-40]),
    "delete-csv": lambda d: (d / "data" / "0001_crawler.sources.csv").unlink(),
    "flip-csv-byte": lambda d: _flip(d / "data" / "0008_prediction.signals.csv"),
    "truncate-csv": lambda d: (d / "data" / "0008_prediction.signals.csv").write_bytes(
        (d / "data" / "0008_prediction.signals.csv").read_bytes()[:-7]),
    "extra-file": lambda d: (d / "data" / "9999_public.extra.csv").write_text("id\n1\n"),
    "edit-row-counts": lambda d: (d / "row_counts.json").write_text(
        (d / "row_counts.json").read_text().replace('"crawler.sources": 10', '"crawler.sources": 11')),
    "delete-toc": lambda d: (d / "backup.toc.json").unlink(),
    "garbage-metadata": lambda d: (d / "metadata.json").write_text("{not json"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damage_is_caught(backup_dir, capsys, damage):
    DAMAGE[damage](backup_dir)
    code, out, _ = run_cli(["verify", str(backup_dir)], capsys)
    assert code == 1, out
    assert "FAIL" in out and "backup is DEFECTIVE" in out


def test_damage_found_by_content_checks_too(backup_dir):
    """With the manifest's checksums made to agree, decompression and counting still find the damage."""
    import msgspec

    from engine.artifacts import file_records, read_metadata

    script = backup_dir / "backup.sql.gz"
    script.write_bytes(script.read_bytes()[:-40])
    csv = backup_dir / "data" / "0008_prediction.signals.csv"
    lines = csv.read_bytes().split(b"\n")
    csv.write_bytes(b"\n".join(lines[:-3] + [b""]))
    meta = read_metadata(backup_dir)
    meta.files = file_records(backup_dir, exclude={"metadata.json"})
    (backup_dir / "metadata.json").write_bytes(msgspec.json.encode(meta))
    defects = verify_backup(backup_dir).defects
    assert any("backup.sql.gz" in d and ("truncated" in d or "decompress" in d) for d in defects), defects
    assert any("0008_prediction.signals.csv" in d and "rows" in d for d in defects), defects
    assert not any("sha256" in d for d in defects)


def test_list_newest_first_with_flags_and_status(sample, tmp_path, capsys):
    out = tmp_path / "out"
    first = cli_backup(sample, out, "--prod", "--no-auth")
    older = out / "20200101_000000"
    shutil.copytree(first, older)
    broken = out / "20190101_000000"
    shutil.copytree(first, broken)
    (broken / "data" / "0001_crawler.sources.csv").unlink()
    (out / ".20261125_120000.abc.partial").mkdir()
    capsys.readouterr()
    code, stdout, _ = run_cli(["list", "--output-dir", str(out)], capsys)
    assert code == 1
    rows = [line.split(None, 4) for line in stdout.splitlines()[1:]]
    names = [r[0] for r in rows]
    assert names == [first.name, ".20261125_120000.abc.partial", "20200101_000000", "20190101_000000"]
    by_name = {r[0]: r for r in rows}
    assert by_name[first.name][3] == "prod,no-auth" and by_name[first.name][4] == "ok"
    assert by_name["20190101_000000"][4].startswith("DEFECTIVE: data/0001_crawler.sources.csv: missing")
    assert by_name[".20261125_120000.abc.partial"][-1].startswith("incomplete")
    code, stdout, _ = run_cli(["list", "-o", str(out), "--no-verify"], capsys)
    assert code == 0 and "not verified" in stdout
    json.loads((first / "metadata.json").read_text())


def test_toc_written_in_batches_is_its_whole_encoding(backup_dir, tmp_path, monkeypatch):
    """write_toc encodes the items a batch at a time, hashing what it writes: the file must be
    exactly the TOC's encoding as a whole, at any batch size, and the size and hash those bytes'."""
    import hashlib

    import msgspec

    from engine import script

    toc = script.read_toc(backup_dir / script.TOC_NAME)
    for batch in (1, 3, len(toc.items) - 1, len(toc.items), 10 ** 6):
        monkeypatch.setattr(script, "TOC_BATCH", batch)
        for whole in (toc, msgspec.structs.replace(toc, items=[])):
            path = tmp_path / f"toc-{batch}-{len(whole.items)}.json"
            written = script.write_toc(path, whole)
            data = path.read_bytes()
            assert data == msgspec.json.encode(whole)
            assert (written.size, written.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_written_toc_is_taken_only_if_the_file_holds_its_bytes(backup_dir):
    """A backup verifies itself with the TOC it has just written, but only while the file on
    disk holds exactly those bytes: a changed file is read (and judged) as it is."""
    from engine.script import TOC_NAME, read_toc, write_toc

    path = backup_dir / TOC_NAME
    toc = read_toc(path)
    path.unlink()
    written = write_toc(path, toc)
    assert read_toc(path, written) is toc
    path.write_bytes(path.read_bytes().replace(b'"offset":0,', b'"offset":1,', 1))
    changed = read_toc(path, written)
    assert changed is not toc and changed.items[0].offset == 1
    assert not verify_backup(backup_dir, written).ok
