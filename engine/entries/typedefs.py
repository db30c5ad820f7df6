"""Range, base and shell types, collations, conversions; domain constraints' identities.

A base type needs its I/O functions, which take or return the type: as pg_dump does, the type
is first created as a shell (`CREATE TYPE x;`), the functions after it, the full type last.
A range type with a canonical function has the same loop and the same repair.
"""

from __future__ import annotations

from ..ddl import collations as ddl_coll, typedefs as ddl_types
from ..ddl.common import comment_on
from ..ddl.quoting import ident, qualified
from .base import add_object


def register(b) -> None:
    from ..plan import Entry  # noqa: PLC0415 - plan imports this package

    kinds = b.catalog.kinds
    for rng in kinds.ranges:
        key = f"pg_type:{rng.oid}"
        add_object(b, key, "TYPE", "pre-data", rng.schema, rng.name, ddl_types.create_range(rng), owner=rng.owner,
                   target=qualified(rng.schema, rng.name), acl=rng.acl, comment=rng.comment, drop=True)
        if rng.multirange_oid:
            b.defining[f"pg_type:{rng.multirange_oid}"] = key
        if rng.canonical:
            _shell(b, key, rng.schema, rng.name, rng.owner, rng.support)
    for typ in kinds.base_types:
        key = f"pg_type:{typ.oid}"
        add_object(b, key, "TYPE", "pre-data", typ.schema, typ.name, ddl_types.create_base(typ), owner=typ.owner,
                   target=qualified(typ.schema, typ.name), acl=typ.acl, comment=typ.comment, drop=True)
        _shell(b, key, typ.schema, typ.name, typ.owner, typ.support)
    for shell in kinds.shell_types:
        entry = add_object(b, f"pg_type:{shell.oid}", "SHELL TYPE", "pre-data", shell.schema, shell.name,
                           ddl_types.create_shell_type(shell), owner=shell.owner)
        entry.drop = ("TYPE", qualified(shell.schema, shell.name), None)
    for coll in kinds.collations:
        add_object(b, f"pg_collation:{coll.oid}", "COLLATION", "pre-data", coll.schema, coll.name,
                   ddl_coll.create_collation(coll), owner=coll.owner, target=qualified(coll.schema, coll.name),
                   comment=coll.comment, drop=True)
    for conv in kinds.conversions:
        add_object(b, f"pg_conversion:{conv.oid}", "CONVERSION", "pre-data", conv.schema, conv.name,
                   ddl_coll.create_conversion(conv), owner=conv.owner, target=qualified(conv.schema, conv.name),
                   comment=conv.comment, drop=True)
    for domain in b.catalog.domains:
        for con in domain.constraints:
            b.defining[f"pg_constraint:{con.oid}"] = f"pg_type:{domain.oid}"
            if con.comment is not None:
                target = f"{ident(con.name)} ON DOMAIN {qualified(domain.schema, domain.name)}"
                # Not add_object: a comment creates no catalog object for anything to need.
                b.add(Entry(f"pg_constraint:{con.oid}/comment", "COMMENT", "pre-data", domain.schema,
                            f"{domain.name} {con.name}", comment_on("CONSTRAINT", target, con.comment),
                            domain.owner, [f"pg_type:{domain.oid}"]))


def _shell(b, type_key: str, schema: str, name: str, owner: str, support: list[int]) -> None:
    """CREATE TYPE x; before the type's functions, which come before the full CREATE TYPE."""
    from ..plan import Entry  # noqa: PLC0415

    shell = b.add(Entry(type_key + "/shell", "SHELL TYPE", "pre-data", schema, name,
                        ddl_types.create_shell(schema, name), owner, []))
    b.entries[type_key].deps.append(shell.key)
    # Its own functions depend on it: dropped with CASCADE, as pg_dump drops a base type.
    b.entries[type_key].drop = ("TYPE", qualified(schema, name) + " CASCADE", None)
    for oid in support:
        function = b.entries.get(f"pg_proc:{oid}")
        if function is not None:
            function.deps.append(shell.key)
            b.entries[type_key].deps.append(function.key)


def repair(b) -> None:
    """pg_depend says a type's own functions depend on it (they take or return it): the shell
    stands in for the type there, so those edges go (pg_dump's shell-type rule)."""
    kinds = b.catalog.kinds
    loops = {(f"pg_proc:{oid}", f"pg_type:{t.oid}") for t in kinds.base_types for oid in t.support}
    loops |= {(f"pg_proc:{oid}", f"pg_type:{r.oid}") for r in kinds.ranges if r.canonical for oid in r.support}
    b.depends = [edge for edge in b.depends if edge not in loops]
