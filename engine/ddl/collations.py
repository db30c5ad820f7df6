"""CREATE COLLATION and CREATE CONVERSION."""

from __future__ import annotations

from ..catalog.collations import Collation, Conversion
from .quoting import literal, qualified

PROVIDER = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def create_collation(coll: Collation) -> str:
    parts = [f"provider = {PROVIDER[coll.provider]}"]
    if coll.provider == "c":
        if coll.collate == coll.ctype:
            parts.append(f"locale = {literal(coll.collate or '')}")
        else:
            parts.append(f"lc_collate = {literal(coll.collate or '')}")
            parts.append(f"lc_ctype = {literal(coll.ctype or '')}")
    else:
        parts.append(f"locale = {literal(coll.locale or '')}")
    if not coll.deterministic:
        parts.append("deterministic = false")
    if coll.rules is not None:
        parts.append(f"rules = {literal(coll.rules)}")
    return f"CREATE COLLATION {qualified(coll.schema, coll.name)} ({', '.join(parts)});\n"


def create_conversion(conv: Conversion) -> str:
    default = "DEFAULT " if conv.is_default else ""
    return (f"CREATE {default}CONVERSION {qualified(conv.schema, conv.name)} FOR {literal(conv.source_encoding)}"
            f" TO {literal(conv.target_encoding)} FROM {conv.function};\n")
