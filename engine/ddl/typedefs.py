"""CREATE TYPE for range, base and shell types."""

from __future__ import annotations

from ..catalog.typedefs import BaseType, RangeType, ShellType
from .quoting import literal, qualified

ALIGNMENT = {"c": "char", "s": "int2", "i": "int4", "d": "double"}
STORAGE = {"p": "plain", "e": "external", "m": "main", "x": "extended"}


def create_shell(schema: str, name: str) -> str:
    """The name alone, so that the functions a type needs can be created before it (pg_dump's shell type)."""
    return f"CREATE TYPE {qualified(schema, name)};\n"


def create_shell_type(shell: ShellType) -> str:
    return create_shell(shell.schema, shell.name)


def create_range(rng: RangeType) -> str:
    parts = [f"subtype = {rng.subtype}"]
    if rng.multirange:
        parts.append(f"multirange_type_name = {rng.multirange}")
    if rng.opclass:
        parts.append(f"subtype_opclass = {rng.opclass}")
    if rng.collation:
        parts.append(f"collation = {rng.collation}")
    if rng.canonical:
        parts.append(f"canonical = {rng.canonical}")
    if rng.subtype_diff:
        parts.append(f"subtype_diff = {rng.subtype_diff}")
    body = ",\n    ".join(parts)
    return f"CREATE TYPE {qualified(rng.schema, rng.name)} AS RANGE (\n    {body}\n);\n"


def create_base(t: BaseType) -> str:
    parts = [
        "INTERNALLENGTH = " + ("variable" if t.length == -1 else str(t.length)),
        f"INPUT = {t.input}",
        f"OUTPUT = {t.output}",
    ]
    for label, fn in (("RECEIVE", t.receive), ("SEND", t.send), ("TYPMOD_IN", t.typmod_in),
                      ("TYPMOD_OUT", t.typmod_out), ("ANALYZE", t.analyze), ("SUBSCRIPT", t.subscript)):
        if fn:
            parts.append(f"{label} = {fn}")
    if t.default is not None:
        parts.append(f"DEFAULT = {literal(t.default)}")
    if t.element:
        parts.append(f"ELEMENT = {t.element}")
    parts.append(f"CATEGORY = {literal(t.category)}")
    if t.preferred:
        parts.append("PREFERRED = true")
    if t.delimiter != ",":
        parts.append(f"DELIMITER = {literal(t.delimiter)}")
    parts.append(f"ALIGNMENT = {ALIGNMENT[t.alignment]}")
    parts.append(f"STORAGE = {STORAGE[t.storage]}")
    if t.by_value:
        parts.append("PASSEDBYVALUE")
    if t.collatable:
        parts.append("COLLATABLE = true")
    body = ",\n    ".join(parts)
    return f"CREATE TYPE {qualified(t.schema, t.name)} (\n    {body}\n);\n"
