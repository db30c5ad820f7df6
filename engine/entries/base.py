"""The one helper every family uses: an object's entry plus its OWNER / COMMENT / ACL entries."""

from __future__ import annotations


def add_object(b, key: str, kind: str, section: str, schema: str | None, name: str, sql: str, *,
               owner: str | None = None, target: str | None = None, extras_kind: str | None = None,
               acl: list[str] | None = None, comment: str | None = None, grant_kind: str | None = None,
               deps: list[str] | None = None, table_oid: int | None = None, drop: str | bool = False):
    """Register `key` as the entry creating the catalog object `key` names ('catalog:oid').

    `drop` makes --clean drop it: True for DROP <kind> <target>, or the word DROP takes if it differs.
    """
    from ..plan import Entry  # noqa: PLC0415 - plan imports this package

    undo = ((drop if isinstance(drop, str) else extras_kind or kind), target, None) if drop and target else None
    entry = b.add(Entry(key, kind, section, schema, name, sql, owner, list(deps or []), table_oid, undo), key)
    if target is not None:
        b.add_extras(entry, extras_kind or kind, target, owner, acl, comment, grant_kind=grant_kind)
    return entry
