"""The backup profile: data categories and the CSV export, declared in TOML and read with msgspec.

`storage/backup-profile.toml` is the default (it reproduces backup-db-v2.sh's categories);
when it is absent (pgbackup installed outside this repository) the same file shipped inside
the package is used. Any mistake in a profile is one line naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import msgspec

from .errors import ProfileError, UsageError
from .selection import Matcher

DEFAULT_PATH = Path("storage/backup-profile.toml")
PACKAGED_PATH = Path(__file__).with_name("backup-profile.toml")


class Category(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A named set of tables that the seed's --no-* options include or leave out as one."""

    name: str
    title: str = ""
    description: str = ""
    # "schema": excluded means its schemas and tables are left out entirely (DDL and data);
    # "data": excluded means the tables' DDL stays and their rows are left out.
    exclusion: Literal["schema", "data", "never"] = "data"
    prod: bool = True  # kept by --prod
    schemas: list[str] = []
    tables: list[str] = []


class CsvExport(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    tables: list[str] = []


class Profile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    version: int
    default_category: str
    category: list[Category]
    csv: CsvExport = CsvExport()
    path: str = ""  # where it was read from (set by load(), not by the file)

    def get(self, name: str) -> Category | None:
        return next((c for c in self.category if c.name == name), None)


def resolve_path(path: str | None) -> Path:
    """--profile PATH if given, else storage/backup-profile.toml, else the packaged default."""
    if path:
        return Path(path)
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else PACKAGED_PATH


def load(path: str | None = None) -> Profile:
    where = resolve_path(path)
    try:
        text = where.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read profile {where}: {exc.strerror}") from None
    return parse(text, str(where))


def parse(data: bytes, name: str) -> Profile:
    text = data.decode("utf-8", errors="replace")
    try:
        profile = msgspec.toml.decode(data, type=Profile)
    except msgspec.ValidationError as exc:
        message, _, at = str(exc).rpartition(" - at `")
        if not message:
            message, at = str(exc), ""
        unknown = re.search(r"unknown field `([^`]+)`", message)
        at = at.rstrip("`") + (f".{unknown.group(1)}" if unknown else "")
        raise ProfileError(f"{_where(name, text, at)}: {message}") from None
    except msgspec.DecodeError as exc:
        # tomllib says "... (at line 3, column 7)": keep its line, in our format.
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)).removeprefix("Invalid TOML: ")
        line = f":{found.group(1)}" if found else ""
        raise ProfileError(f"{name}{line}: invalid TOML: {message}") from None
    _check(profile, name, text)
    return msgspec.structs.replace(profile, path=name)


def _check(profile: Profile, name: str, text: str) -> None:
    if profile.version != 1:
        raise ProfileError(f"{_where(name, text, '$.version')}: unsupported profile version {profile.version} "
                           f"(this pgbackup reads version 1)")
    seen: set[str] = set()
    for index, cat in enumerate(profile.category):
        at = f"$.category[{index}]"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", cat.name):
            raise ProfileError(f"{_where(name, text, at + '.name')}: category name {cat.name!r} must be "
                               f"lower-case letters, digits and underscores")
        if cat.name in seen:
            raise ProfileError(f"{_where(name, text, at + '.name')}: category {cat.name!r} is declared twice")
        seen.add(cat.name)
        for field in ("schemas", "tables"):
            _check_patterns(getattr(cat, field), name, text, f"{at}.{field}")
    if profile.default_category not in seen:
        raise ProfileError(f"{_where(name, text, '$.default_category')}: default_category "
                           f"{profile.default_category!r} is not a declared category")
    _check_patterns(profile.csv.tables, name, text, "$.csv.tables")


def _check_patterns(patterns: list[str], name: str, text: str, at: str) -> None:
    for pattern in patterns:
        try:
            Matcher((pattern,))
        except UsageError as exc:
            raise ProfileError(f"{_where(name, text, at)}: {exc}") from None


def _where(name: str, text: str, path: str) -> str:
    """`file:line` for a msgspec path such as `$.category[2].tables`, as near as the text tells."""
    line = _line_of(text, path)
    return f"{name}:{line}" if line else name


def _line_of(text: str, path: str) -> int | None:
    lines = text.splitlines()
    start = 0
    steps = re.findall(r"\.([A-Za-z0-9_]+)(?:\[(\d+)\])?", path)
    if not steps:
        return None
    found = None
    for key, index in steps:
        if index:
            header = re.compile(r"\s*\[\[\s*" + re.escape(key) + r"\s*\]\]")
            hits = [i for i in range(start, len(lines)) if header.match(lines[i])]
            if len(hits) <= int(index):
                return found
            start = found = hits[int(index)]
            found += 1
            start += 1
            continue
        assign = re.compile(r"\s*(\[\s*)?" + re.escape(key) + r"\s*(=|\])")
        hit = next((i for i in range(start, len(lines)) if assign.match(lines[i])), None)
        if hit is None:
            return found
        start, found = hit + 1, hit + 1
    return found
