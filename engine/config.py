"""Connection settings and the options of one backup, as typed records."""

from __future__ import annotations

import os

import msgspec
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import ConnectionFailed, UsageError

COMPRESSIONS = ("gzip", "zstd", "none")


class Compression(msgspec.Struct, frozen=True):
    method: str = "gzip"
    level: int = 6
    workers: int = 0  # zstd only: zstd's own compression threads per worker (0: none)

    @property
    def suffix(self) -> str:
        return {"gzip": ".gz", "zstd": ".zst", "none": ""}[self.method]

    @classmethod
    def parse(cls, text: str) -> "Compression":
        """`gzip`, `gzip:9`, `zstd:3`, `zstd:level=3,workers=2`, `none`, as pg_dump and
        pg_basebackup spell --compress (METHOD[:LEVEL] or METHOD[:DETAIL,...])."""
        method, _, detail = text.partition(":")
        if method not in COMPRESSIONS:
            raise UsageError(f"--compress: unknown method {method!r} (use gzip, zstd or none)")
        if method == "none":
            if detail:
                raise UsageError("--compress: none takes no level")
            return cls("none", 0)
        level, workers = (6 if method == "gzip" else 3), 0
        for item in filter(None, detail.split(",")):
            key, sep, value = item.partition("=")
            if not sep:
                key, value = "level", key
            if key not in ("level", "workers") or (key == "workers" and method != "zstd"):
                raise UsageError(f"--compress: unknown {method} option {key!r}")
            try:
                number = int(value)
            except ValueError:
                raise UsageError(f"--compress: {key} {value!r} is not a number") from None
            if key == "level":
                level = number
            else:
                workers = number
        bounds = (1, 9) if method == "gzip" else (1, 22)
        if not bounds[0] <= level <= bounds[1]:
            raise UsageError(f"--compress: {method} level must be {bounds[0]}-{bounds[1]}")
        if not 0 <= workers <= 64:
            raise UsageError("--compress: zstd workers must be 0-64")
        return cls(method, level, workers)


class Selection(msgspec.Struct, frozen=True):
    """pg_dump-style object selection, plus the product's category switches."""

    schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()
    exclude_table_data: tuple[str, ...] = ()
    strict_names: bool = False


class CategoryOptions(msgspec.Struct, frozen=True):
    """The seed's data categories: which profile, which categories to leave out, how strictly."""

    profile: str | None = None  # None: storage/backup-profile.toml, else the packaged default
    exclude: tuple[tuple[str, str], ...] = ()  # (category, the option that asked), e.g. ("auth", "--no-auth")
    prod: bool = False  # leave out every category the profile marks prod = false
    strict: bool = False  # a foreign key to rows left out is an error, not a warning


class BackupOptions(msgspec.Struct, frozen=True):
    conninfo: str
    output_dir: str = "storage/backups"
    jobs: int = 2
    compression: Compression = Compression()
    selection: Selection = Selection()
    categories: CategoryOptions = CategoryOptions()
    verify: bool = True  # read the finished backup back (pgbackup verify) before renaming it into place
    schema_only: bool = False
    data_only: bool = False
    lock_wait_timeout: str | None = None
    # Tables larger than this many bytes are copied in block ranges by several workers.
    split_threshold: int = 256 * 1024 * 1024
    no_owner: bool = False  # no ALTER ... OWNER TO
    no_privileges: bool = False  # no GRANT / REVOKE
    no_tablespaces: bool = False  # no SET default_tablespace
    clean: bool = False  # DROP every object first, in reverse dependency order
    if_exists: bool = False  # ... with IF EXISTS
    # pg_dump's --section; --schema-only and --data-only narrow it further.
    section: tuple[str, ...] = ("pre-data", "data", "post-data")

    @property
    def sections(self) -> tuple[str, ...]:
        sections = self.section
        if self.schema_only:
            sections = tuple(s for s in sections if s != "data")
        if self.data_only:
            sections = tuple(s for s in sections if s == "data")
        return sections


def resolve_conninfo(dbname: str | None) -> str:
    """Like psql: an explicit -d (URI or key=value), else DATABASE_URL, else libpq's PG* variables."""
    source = dbname or os.environ.get("DATABASE_URL") or ""
    try:
        params = conninfo_to_dict(source)
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid connection string: {_scrub(str(exc))}") from None
    if not source and not any(key in os.environ for key in ("PGHOST", "PGDATABASE", "PGPORT", "PGUSER", "PGSERVICE")):
        raise UsageError("no database given: use -d/--dbname, DATABASE_URL, or the PG* variables")
    return make_conninfo(**params)


def describe(conninfo: str) -> str:
    """A printable name for a connection: never includes the password."""
    params = conninfo_to_dict(conninfo)
    host = params.get("host") or os.environ.get("PGHOST") or "local socket"
    db = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or ""
    return f"{db}@{host}"


def _scrub(message: str) -> str:
    return message.split("password")[0].rstrip(" :=") if "password" in message else message


def connect(conninfo: str, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(conninfo, **kwargs)
    except psycopg.OperationalError as exc:
        text = " ".join(str(exc).split())
        raise ConnectionFailed(f"cannot connect to {describe(conninfo)}: {_scrub(text)}") from None
