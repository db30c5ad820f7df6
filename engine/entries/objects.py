"""Event triggers, extended statistics, large objects, default privileges and security labels."""

from __future__ import annotations

from ..ddl import (
    common, defaultacl as ddl_defacl, eventtriggers as ddl_evt, largeobjects as ddl_lo, seclabels as ddl_label,
    statistics as ddl_stats,
)
from ..ddl.quoting import ident, qualified
from .base import add_object


def register(b, include_data: bool) -> None:
    from ..plan import Entry  # noqa: PLC0415

    kinds = b.catalog.kinds
    for et in kinds.event_triggers:
        add_object(b, f"pg_event_trigger:{et.oid}", "EVENT TRIGGER", "post-data", None, et.name,
                   ddl_evt.create_event_trigger(et), owner=et.owner, target=ident(et.name), comment=et.comment, drop=True)
    for stat in kinds.statistics:
        table = b.tables.get(stat.table_oid)
        if table is None:
            continue
        # A statistics object belongs to its schema, not to its table: -n/-t select it by its
        # schema, as pg_dump does; it still goes with its table if the table is left out (deps).
        add_object(b, f"pg_statistic_ext:{stat.oid}", "STATISTICS", "post-data", stat.schema, stat.name,
                   ddl_stats.create_statistics(stat), owner=stat.owner, target=qualified(stat.schema, stat.name),
                   comment=stat.comment, deps=[f"pg_class:{table.oid}"], drop=True)
    # Large objects are data, as pg_dump treats them: absent from a schema-only backup, whole
    # (created, owned, granted, commented, filled) in a data-only one.
    for lo in kinds.large_objects if include_data else ():
        key = f"pg_largeobject:{lo.oid}"
        add_object(b, key, "LARGE OBJECT", "data", None, str(lo.oid), ddl_lo.create_large_object(lo.oid),
                   owner=lo.owner, target=str(lo.oid), acl=lo.acl, comment=lo.comment, drop=True)
        # The contents are read chunk by chunk while the script is written (backup.py).
        add_object(b, key + "/data", "LARGE OBJECT DATA", "data", None, str(lo.oid), "", owner=lo.owner,
                   deps=[key])
    for d in kinds.default_acls:
        add_object(b, f"pg_default_acl:{d.oid}", "DEFAULT ACL", "post-data", d.schema,
                   f"{d.role} {ddl_defacl.OBJECTS[d.objtype]}", ddl_defacl.alter_default_privileges(d), owner=d.role)

    for c in kinds.changed_acls:
        # Keyed under its extension (kept or left out with it, after it); a system object's
        # change belongs to no schema of the backup, so -n/-t leave it out, as pg_dump does.
        key = f"{c.extension}/acl/{c.key}" if c.extension else f"acl/{c.key}"
        b.add(Entry(key, "ACL", "pre-data", None, c.target if c.column is None else f"{c.target}.{c.column}",
                    common.grant_changes(c.grant_kind, c.target, c.owner, c.acl, c.initial, c.column), c.owner,
                    [c.extension] if c.extension else []))


def add_security_labels(b) -> None:
    """A label follows its object, in the object's section, wherever the object came from."""
    from ..plan import Entry  # noqa: PLC0415

    for n, label in enumerate(b.catalog.kinds.security_labels):
        owner_key = b.defining.get(label.object)
        if owner_key is None:
            continue  # an object we do not dump (built in, or an extension's member)
        obj = b.entries[owner_key]
        b.add(Entry(f"{label.object}/seclabel/{n}", "SECURITY LABEL", obj.section, obj.schema, obj.name,
                    ddl_label.security_label(label), obj.owner, [owner_key], obj.table_oid))
