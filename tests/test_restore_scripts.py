"""restore.sh and restore-full.sh restore into an empty database, with psql on PATH and without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .fix_sample import cli_backup, metadata, python_env, sample  # noqa: F401 - fixtures
from .fix_server import query
from .fix_tools import sequence_values, table_checksums

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def no_psql_path(tmp_path_factory) -> str:
    """A PATH with every command of this one except psql: the python fallback's machine."""
    bindir = tmp_path_factory.mktemp("no-psql-bin")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            if name != "psql" and not (bindir / name).exists() and os.access(path, os.X_OK) and os.path.isfile(path):
                (bindir / name).symlink_to(path)
    return str(bindir)


def with_psql_path(bindir: Path) -> str:
    return str(bindir) + os.pathsep + os.environ.get("PATH", "")


def run_script(script: Path, path: str, *args: str, cwd: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    environment.update(python_env(), PATH=path, **env)
    return subprocess.run(["sh", str(script), *args], env=environment, capture_output=True, text=True, timeout=300,
                          check=False, cwd=cwd)


def _same(source: str, target: str) -> None:
    assert table_checksums(target) == table_checksums(source)
    assert sequence_values(target) == sequence_values(source)


@pytest.mark.parametrize("psql", [True, False], ids=["psql", "python"])
def test_restore_sh(sample, make_db, tmp_path, bindir, no_psql_path, psql):
    directory = cli_backup(sample, tmp_path / "out")
    target = make_db("dst")
    path = with_psql_path(bindir) if psql else no_psql_path
    result = run_script(directory / "restore.sh", path, target)
    assert result.returncode == 0, result.stderr
    assert ("with psql" in result.stderr) == psql
    _same(sample, target)


@pytest.mark.parametrize("psql", [True, False], ids=["psql", "python"])
def test_restore_full_sh(sample, make_db, tmp_path, bindir, no_psql_path, psql):
    directory = cli_backup(sample, tmp_path / "out", "-Z", "zstd")
    target = make_db("dst")
    path = with_psql_path(bindir) if psql else no_psql_path
    result = run_script(directory / "restore-full.sh", path, DATABASE_URL=target)
    assert result.returncode == 0, result.stderr + result.stdout
    assert ("with psql" in result.stderr) == psql
    recorded = [r.name for r in metadata(directory).files]
    assert f"sha256 of {len(recorded) - 1} files ok" in result.stderr  # all but itself (and metadata.json)
    assert "all 38 tables match row_counts.json" in result.stdout
    assert "public.organizations" in result.stdout
    _same(sample, target)


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete-csv"])
def test_restore_full_refuses_a_damaged_backup(sample, make_db, tmp_path, bindir, damage):
    directory = cli_backup(sample, tmp_path / "out")
    if damage == "flip":
        _flip(directory / "backup.sql.gz")
    elif damage == "truncate":
        _truncate(directory / "backup.sql.gz")
    else:
        (directory / "data" / "0002_crawler.articles.csv").unlink()
    target = make_db("dst")
    result = run_script(directory / "restore-full.sh", with_psql_path(bindir), target)
    assert result.returncode != 0
    assert "nothing restored" in result.stderr
    assert ("MISSING" if damage == "delete-csv" else "CORRUPT") in result.stderr
    assert query(target, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == [(0,)]


@pytest.mark.parametrize("psql", [True, False], ids=["psql", "python"])
def test_quick_restore_of_a_truncated_script_commits_nothing(sample, make_db, tmp_path, bindir, no_psql_path, psql):
    directory = cli_backup(sample, tmp_path / "out")
    _truncate(directory / "backup.sql.gz")
    target = make_db("dst")
    result = run_script(directory / "restore.sh", with_psql_path(bindir) if psql else no_psql_path, target)
    assert result.returncode != 0
    assert "nothing was restored" in result.stderr
    assert query(target, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == [(0,)]


def test_restore_full_reports_a_row_count_mismatch(sample, make_db, tmp_path, bindir):
    directory = cli_backup(sample, tmp_path / "out", "--prod")
    script = directory / "restore-full.sh"
    text = script.read_text()
    count = query(sample, "SELECT count(*) FROM prediction.signals")[0][0]
    assert f"\t{count}\tprediction.signals" in text
    script.write_text(text.replace(f"\t{count}\tprediction.signals", f"\t{count + 1}\tprediction.signals"))
    result = run_script(script, with_psql_path(bindir), make_db("dst"))
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("prediction.signals"))
    assert line.split() == ["prediction.signals", str(count + 1), str(count), "MISMATCH"]
    assert "1 of " in result.stdout


def test_restore_needs_a_target(sample, tmp_path, bindir):
    directory = cli_backup(sample, tmp_path / "out", "--prod")
    result = run_script(directory / "restore.sh", with_psql_path(bindir))
    assert result.returncode == 1 and "no target database" in result.stderr


def test_scripts_hold_no_secret_and_quote_hostile_names(source, make_db, tmp_path, bindir):
    from .fix_server import execute

    execute(source, "CREATE TABLE public.\"it's \n$(touch pwned)\" (id int); INSERT INTO public.\"it's \n$(touch pwned)\" VALUES (1)")
    url = source + " password=sekrit-pw application_name=x"
    directory = cli_backup(url, tmp_path / "out")
    for path in directory.rglob("*"):
        if path.is_file():
            assert b"sekrit-pw" not in path.read_bytes(), path
    text = (directory / "restore-full.sh").read_text()
    assert "'\"'\"'" in text  # the quote in the name is quoted for sh
    target = make_db("dst")
    result = run_script(directory / "restore-full.sh", with_psql_path(bindir), target, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "all 1 tables match" in result.stdout and "it's \\x0a$(touch pwned)" in result.stdout
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_seed_entry_points(sample, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    for script, legacy in (("backup-db-v2.sh", False), ("backup-db.sh", True)):
        # One directory each: two backups in the same second would share a name (refused).
        out = tmp_path / script
        result = subprocess.run(["sh", str(ROOT / "storage" / "scripts" / script), "--prod", "-o", str(out)],
                                env=dict(env, DATABASE_URL=sample), capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("v2 is recommended") + result.stderr.count("backup-db-v2.sh is recommended") == (
            1 if legacy else 0)
    help_text = subprocess.run(["sh", str(ROOT / "storage" / "scripts" / "backup-db-v2.sh"), "--help"], env=env,
                               capture_output=True, text=True, check=False).stdout
    for option in ("--no-auth", "--no-storage", "--no-transient", "--no-org-data", "--prod", "--dry-run", "--profile"):
        assert option in help_text
    assert all(len(list((tmp_path / script).iterdir())) == 1 for script in ("backup-db-v2.sh", "backup-db.sh"))


def test_uncompressed_backup_verifies_and_restores(sample, make_db, tmp_path, bindir):
    from engine.verify import verify_backup

    directory = cli_backup(sample, tmp_path / "out", "-Z", "none", "--prod")
    assert (directory / "backup.sql").is_file() and verify_backup(directory).ok
    target = make_db("dst")
    result = run_script(directory / "restore-full.sh", with_psql_path(bindir), target)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "match row_counts.json" in result.stdout
