"""Access methods, aggregates, operators, operator families and classes, casts, transforms and languages."""

from __future__ import annotations

from ..ddl import aggregates as ddl_agg, casts as ddl_casts, operators as ddl_ops
from ..ddl.quoting import ident, qualified
from .base import add_object


def register(b) -> None:
    kinds = b.catalog.kinds
    for am in kinds.access_methods:  # outside schemas, like a cast: left out under -n/-t
        add_object(b, f"pg_am:{am.oid}", "ACCESS METHOD", "pre-data", None, am.name, ddl_ops.create_access_method(am),
                   target=ident(am.name), comment=am.comment, drop=True)
    for agg in kinds.aggregates:
        add_object(b, f"pg_proc:{agg.oid}", "AGGREGATE", "pre-data", agg.schema, f"{agg.name}({agg.identity_args})",
                   ddl_agg.create_aggregate(agg), owner=agg.owner, target=ddl_agg.signature(agg), acl=agg.acl,
                   comment=agg.comment, grant_kind="FUNCTION", drop=True)
        if agg.acl is not None:  # GRANT takes the plain argument types, never ORDER BY
            acl = b.entries[f"pg_proc:{agg.oid}/acl"]
            acl.sql = acl.sql.replace(ddl_agg.signature(agg), f"{qualified(agg.schema, agg.name)}({agg.argtypes})")
    for op in kinds.operators:
        add_object(b, f"pg_operator:{op.oid}", "OPERATOR", "pre-data", op.schema,
                   f"{op.name}({op.left or 'NONE'}, {op.right or 'NONE'})", ddl_ops.create_operator(op),
                   owner=op.owner, target=ddl_ops.operator_signature(op), comment=op.comment, drop=True)
    _operator_families(b)
    for cast in kinds.casts:
        add_object(b, f"pg_cast:{cast.oid}", "CAST", "pre-data", None, f"{cast.source} AS {cast.target}",
                   ddl_casts.create_cast(cast), target=ddl_casts.cast_target(cast), comment=cast.comment, drop=True)
    for trf in kinds.transforms:
        add_object(b, f"pg_transform:{trf.oid}", "TRANSFORM", "pre-data", None, f"{trf.type} {trf.language}",
                   ddl_casts.create_transform(trf), target=ddl_casts.transform_target(trf), comment=trf.comment, drop=True)
    for lang in kinds.languages:
        add_object(b, f"pg_language:{lang.oid}", "PROCEDURAL LANGUAGE", "pre-data", None, lang.name,
                   ddl_casts.create_language(lang), owner=lang.owner, target=ident(lang.name), extras_kind="LANGUAGE",
                   acl=lang.acl, comment=lang.comment, drop=True)


def _operator_families(b) -> None:
    kinds = b.catalog.kinds
    families = {f.oid: f for f in kinds.operator_families}
    by_class: dict[int, list] = {}
    loose: dict[int, list] = {}
    for member in kinds.operator_members:
        if member.class_oid is not None:
            by_class.setdefault(member.class_oid, []).append(member)
        else:
            loose.setdefault(member.family_oid, []).append(member)
    for fam in kinds.operator_families:
        key = f"pg_opfamily:{fam.oid}"
        add_object(b, key, "OPERATOR FAMILY", "pre-data", fam.schema, f"{fam.name} USING {fam.method}",
                   ddl_ops.create_family(fam), owner=fam.owner, target=ddl_ops.family_target(fam),
                   comment=fam.comment, drop=True)
    for cls in kinds.operator_classes:
        key = f"pg_opclass:{cls.oid}"
        members = by_class.get(cls.oid, [])
        deps = [f"pg_opfamily:{cls.family_oid}"] if cls.family_oid in families else []
        add_object(b, key, "OPERATOR CLASS", "pre-data", cls.schema, f"{cls.name} USING {cls.method}",
                   ddl_ops.create_class(cls, members), owner=cls.owner, target=ddl_ops.class_target(cls),
                   comment=cls.comment, deps=deps, drop=True)
        for member in members:
            b.defining[f"{member.catalog}:{member.oid}"] = key
    for fam_oid, members in loose.items():
        if fam_oid not in families:
            continue  # a built-in or extension family: not ours to extend
        fam = families[fam_oid]
        key = f"pg_opfamily:{fam_oid}/add"
        # After the family's classes: a loose member may need what a class created.
        deps = [f"pg_opfamily:{fam_oid}"] + [f"pg_opclass:{c.oid}" for c in kinds.operator_classes
                                             if c.family_oid == fam_oid]
        add_object(b, key, "OPERATOR FAMILY", "pre-data", fam.schema, f"{fam.name} USING {fam.method} ADD",
                   ddl_ops.add_to_family(fam, members), owner=fam.owner, deps=deps)
        for member in members:
            b.defining[f"{member.catalog}:{member.oid}"] = key
