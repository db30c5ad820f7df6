"""Which TOC entries a restore runs, in which phase, and what each locks (--clean: clean.py).

The backup's TOC already holds pg_dump's sections and the dependency keys of every entry;
the restore only filters it (owners, privileges, schemas the target provides) and turns the
post-data entries into a dependency graph for the parallel pool.
"""

from __future__ import annotations

from msgspec import Struct

from ..script import FOLLOWER_KINDS, RESTORE_PASSES, TocItem
from .options import RestoreOptions

NOT_RUN = ("PSQL", "SET")
OWNER_KINDS = ("OWNER",)  # TOC format 2; since 3 an owner's statement ends its object's item (run.py)
PRIVILEGE_KINDS = ("ACL", "DEFAULT ACL")
LAST_KINDS = tuple(kind for kinds in RESTORE_PASSES for kind in kinds)  # after all else, in the script's order
RELATION_KINDS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE")
# Post-data kinds whose locks we know: everything else runs alone, to be safe.
KNOWN_POST = ("INDEX", "CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "POLICY", "ROW SECURITY", "COMMENT",
              "ACL", "OWNER", "INDEX ATTACH", "CLUSTER", "SEQUENCE SET")


class Phases(Struct):
    settings_id: int  # the SET entry every connection runs first (-1: none)
    pre: list[TocItem]
    data: list[TocItem]  # TABLE DATA
    data_other: list[TocItem]  # SEQUENCE SET and the like: after the data
    post: list[TocItem]
    last: list[TocItem]  # privileges, then refreshes and event triggers: after all else (script.RESTORE_PASSES)
    skipped: list[TocItem]  # kept as placeholders in the post-data graph
    existing_skipped: list[TocItem]  # DDL of schemas the target provides


def phases(items: list[TocItem], options: RestoreOptions) -> Phases:
    existing = set(options.existing_schemas)
    schema_keys = {i.key for i in items if i.kind == "SCHEMA" and i.schema is None and i.name in existing}
    # The script's session settings (ScriptWriter.begin); later SET items (default_tablespace)
    # are set per entry by the session that runs it.
    settings = next((i.id for i in items if i.kind == "SET" and i.key == "settings"), -1)
    out = Phases(settings, [], [], [], [], [], [], [])
    last = _last(items)
    for item in items:
        if item.kind in NOT_RUN or item.key == "header":
            continue
        if item.section not in options.sections:
            continue
        provided = item.schema in existing or item.key.split("/")[0] in schema_keys
        if provided and item.kind not in ("TABLE DATA", "SEQUENCE SET"):
            out.existing_skipped.append(item)
            out.skipped.append(item)
        elif (options.no_owner and item.kind in OWNER_KINDS) or (
                options.no_privileges and item.kind in PRIVILEGE_KINDS):
            out.skipped.append(item)
        elif item.id in last:
            out.last.append(item)
        elif item.kind == "TABLE DATA":
            out.data.append(item)
        elif item.section == "data":
            out.data_other.append(item)
        elif item.section == "post-data":
            out.post.append(item)
        else:
            out.pre.append(item)
    return out


def _last(items: list[TocItem]) -> set[int]:
    """The ids of what runs last, as the script has it: entries of LAST_KINDS but those that
    something else needs, with the owner, comment and labels that follow them."""
    def follows_last(item: TocItem) -> bool:
        return item.kind in FOLLOWER_KINDS and bool(item.deps) and all(items[d].kind in LAST_KINDS for d in item.deps)

    needed = {dep for item in items if item.kind not in LAST_KINDS and not follows_last(item) for dep in item.deps}
    last = {item.id for item in items if item.kind in LAST_KINDS and item.id not in needed}
    return last | {item.id for item in items if follows_last(item) and all(d in last for d in item.deps)}


def table_locks(item: TocItem, items: list[TocItem], depth: int = 2) -> frozenset[str]:
    """The relations an entry touches (as entry keys): its own, or those of the entries it depends on.

    `items` is the whole TOC, indexed by id."""
    if item.kind in RELATION_KINDS:
        return frozenset((item.key,))
    found: set[str] = set()
    for dep in item.deps:
        target = items[dep]
        if target.kind in RELATION_KINDS:
            found.add(target.key)
        elif depth > 0 and target.section != "pre-data":
            found |= table_locks(target, items, depth - 1)
    return frozenset(found)


def data_waits(post: list[TocItem], data: list[TocItem], items: list[TocItem]) -> dict[str, frozenset[str] | None]:
    """For each post-data entry (by key), the keys of the TABLE DATA entries it waits for; None: all of the data.

    As pg_restore -j repoints a post-data entry's dependency on a table to that table's data, an
    index build or a constraint may start as soon as its own tables are loaded, while others
    still load. A table counts with its whole family (inheritance parents and children,
    partitions, tables using its row type): a CHECK reaches the children, an index or FK on a
    partitioned table its partitions, so nothing on one member runs before all of it is loaded.
    An entry whose locks we do not know, or that touches a relation other than a table (a
    materialized view's refresh reads other tables), waits for all of the data.
    `items` is the whole TOC, indexed by id.
    """
    parent: dict[str, str] = {}  # union-find over the relations' keys

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    kinds: dict[str, str] = {}
    for item in items:
        if item.kind in RELATION_KINDS:
            kinds[item.key] = item.kind
        if item.kind in ("TABLE", "FOREIGN TABLE", "TABLE ATTACH"):
            keys = [items[d].key for d in item.deps if items[d].kind in ("TABLE", "FOREIGN TABLE")]
            if item.kind != "TABLE ATTACH":
                keys.append(item.key)
            for key in keys[1:]:
                parent[root(key)] = root(keys[0])
    loads: dict[str, list[str]] = {}  # family root -> its TABLE DATA keys
    for item in data:
        for dep in item.deps:
            if items[dep].kind in RELATION_KINDS:
                loads.setdefault(root(items[dep].key), []).append(item.key)
    waits: dict[str, frozenset[str] | None] = {}
    for item in post:
        locks = table_locks(item, items)
        if item.kind not in KNOWN_POST or not locks or any(kinds[k] != "TABLE" for k in locks):
            waits[item.key] = None
        else:
            waits[item.key] = frozenset(key for family in {root(k) for k in locks} for key in loads.get(family, ()))
    return waits

