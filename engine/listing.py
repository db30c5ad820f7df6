"""`pgbackup list`: the backups in an output directory, newest first, with size, flags and verification."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from .artifacts import Metadata
from .verify import verify_backup

STAMP = re.compile(r"\d{8}_\d{6}")


class Listed(msgspec.Struct):
    name: str
    size: int
    flags: str
    status: str  # "ok", "DEFECTIVE: ...", "incomplete", "not verified"


def flags_of(metadata: Metadata) -> str:
    """The options that shaped the backup, in the seed's words: `full`, `prod`, `no-auth,no-transient`."""
    words = ["prod"] if metadata.backup.prod_mode else []
    words += sorted({c.excluded_by.lstrip("-") for c in metadata.categories
                     if c.excluded_by and c.excluded_by != "--prod"})
    return ",".join(words) or "full"


def list_backups(output_dir: Path, verify: bool = True) -> list[Listed]:
    found = []
    if not output_dir.is_dir():
        return found
    for path in output_dir.iterdir():
        if not path.is_dir():
            continue
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.name.startswith(".") and path.name.endswith(".partial"):
            stamp = path.name[1:].split(".")[0]
            found.append((stamp, Listed(path.name, size, "-", "incomplete: an interrupted backup, safe to delete")))
            continue
        if not STAMP.fullmatch(path.name):
            continue
        if verify:
            report = verify_backup(path)
            status = "ok" if report.ok else f"DEFECTIVE: {report.defects[0]}" + (
                f" (+{len(report.defects) - 1} more)" if len(report.defects) > 1 else "")
            metadata = report.metadata
        else:
            status = "not verified"
            try:
                metadata = msgspec.json.decode((path / "metadata.json").read_bytes(), type=Metadata)
            except (OSError, msgspec.DecodeError, msgspec.ValidationError):
                metadata, status = None, "DEFECTIVE: metadata.json unreadable"
        found.append((path.name, Listed(path.name, size, flags_of(metadata) if metadata else "?", status)))
    return [listed for _, listed in sorted(found, key=lambda item: item[0], reverse=True)]
