"""Publications, their tables and schemas, and subscriptions: post-data, as pg_dump places them."""

from __future__ import annotations

from ..ddl import replication as ddl_rep
from ..ddl.quoting import ident
from .base import add_object


def register(b) -> None:
    kinds = b.catalog.kinds
    version = b.catalog.server_version
    for pub in kinds.publications:
        add_object(b, f"pg_publication:{pub.oid}", "PUBLICATION", "post-data", None, pub.name,
                   ddl_rep.create_publication(pub, version), owner=pub.owner, target=ident(pub.name),
                   comment=pub.comment, drop=True)
    for rel in kinds.publication_tables:
        table = b.tables.get(rel.table_oid)
        if table is None:
            continue
        add_object(b, f"pg_publication_rel:{rel.oid}", "PUBLICATION TABLE", "post-data", table.schema,
                   f"{rel.publication} {table.name}", ddl_rep.add_table(rel, table), owner=table.owner,
                   deps=[f"pg_publication:{rel.publication_oid}", f"pg_class:{table.oid}"], table_oid=table.oid)
    for rel in kinds.publication_schemas:
        add_object(b, f"pg_publication_namespace:{rel.oid}", "PUBLICATION TABLES IN SCHEMA", "post-data", rel.schema,
                   f"{rel.publication} {rel.schema}", ddl_rep.add_schema(rel),
                   deps=[f"pg_publication:{rel.publication_oid}", f"pg_namespace:{rel.schema_oid}"])
    for sub in kinds.subscriptions:
        add_object(b, f"pg_subscription:{sub.oid}", "SUBSCRIPTION", "post-data", None, sub.name,
                   ddl_rep.create_subscription(sub), owner=sub.owner, target=ident(sub.name), comment=sub.comment, drop=True)
