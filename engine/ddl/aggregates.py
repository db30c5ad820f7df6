"""CREATE AGGREGATE from pg_aggregate: normal, ordered-set and hypothetical-set, moving-aggregate mode."""

from __future__ import annotations

from ..catalog.aggregates import Aggregate
from .quoting import literal, qualified

MODIFY = {"r": "READ_ONLY", "s": "SHAREABLE", "w": "READ_WRITE"}
PARALLEL = {"s": "SAFE", "r": "RESTRICTED"}


def signature(agg: Aggregate) -> str:
    """name(args) as ALTER/COMMENT/GRANT take it; (*) for an aggregate without arguments."""
    return f"{qualified(agg.schema, agg.name)}({agg.identity_args or '*'})"


def create_aggregate(agg: Aggregate) -> str:
    # The default FINALFUNC_MODIFY is READ_ONLY, except for ordered-set aggregates (READ_WRITE).
    default_modify = "r" if agg.kind == "n" else "w"
    parts = [f"SFUNC = {agg.transfn}", f"STYPE = {agg.transtype}"]
    if agg.transspace:
        parts.append(f"SSPACE = {agg.transspace}")
    if agg.finalfn:
        parts.append(f"FINALFUNC = {agg.finalfn}")
        if agg.finalextra:
            parts.append("FINALFUNC_EXTRA")
    if agg.finalmodify != default_modify:
        parts.append(f"FINALFUNC_MODIFY = {MODIFY[agg.finalmodify]}")
    if agg.combinefn:
        parts.append(f"COMBINEFUNC = {agg.combinefn}")
    if agg.serialfn:
        parts.append(f"SERIALFUNC = {agg.serialfn}")
    if agg.deserialfn:
        parts.append(f"DESERIALFUNC = {agg.deserialfn}")
    if agg.initval is not None:
        parts.append(f"INITCOND = {literal(agg.initval)}")
    if agg.mtransfn:
        parts.append(f"MSFUNC = {agg.mtransfn}")
        parts.append(f"MINVFUNC = {agg.minvtransfn}")
        parts.append(f"MSTYPE = {agg.mtranstype}")
        if agg.mtransspace:
            parts.append(f"MSSPACE = {agg.mtransspace}")
        if agg.mfinalfn:
            parts.append(f"MFINALFUNC = {agg.mfinalfn}")
            if agg.mfinalextra:
                parts.append("MFINALFUNC_EXTRA")
        if agg.mfinalmodify != default_modify:
            parts.append(f"MFINALFUNC_MODIFY = {MODIFY[agg.mfinalmodify]}")
        if agg.minitval is not None:
            parts.append(f"MINITCOND = {literal(agg.minitval)}")
    if agg.sortop:
        parts.append(f"SORTOP = {agg.sortop}")
    if agg.kind == "h":
        parts.append("HYPOTHETICAL")
    if agg.parallel in PARALLEL:
        parts.append(f"PARALLEL = {PARALLEL[agg.parallel]}")
    body = ",\n    ".join(parts)
    return f"CREATE AGGREGATE {qualified(agg.schema, agg.name)}({agg.arguments or '*'}) (\n    {body}\n);\n"
