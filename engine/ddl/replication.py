"""Publications, their tables and schemas, and subscriptions (created as pg_dump does: not connected)."""

from __future__ import annotations

from ..catalog.model import Table
from ..catalog.replication import Publication, PublicationSchema, PublicationTable, Subscription
from .quoting import ident, literal
from .tables import table_name

GENERATED = {"n": "none", "s": "stored"}


def create_publication(pub: Publication, version: int) -> str:
    sql = f"CREATE PUBLICATION {ident(pub.name)}"
    if pub.all_tables:
        sql += " FOR ALL TABLES"
    options = [f"publish = {literal(', '.join(pub.publish))}"]
    if version >= 130000:
        options.append(f"publish_via_partition_root = {'true' if pub.via_root else 'false'}")
    if pub.generated_columns in GENERATED:
        options.append(f"publish_generated_columns = {GENERATED[pub.generated_columns]}")
    return sql + f" WITH ({', '.join(options)});\n"


def add_table(rel: PublicationTable, table: Table) -> str:
    sql = f"ALTER PUBLICATION {ident(rel.publication)} ADD TABLE ONLY {table_name(table)}"
    if rel.columns is not None:
        sql += " (" + ", ".join(ident(c) for c in rel.columns) + ")"
    if rel.row_filter is not None:
        sql += f" WHERE ({rel.row_filter})"
    return sql + ";\n"


def add_schema(rel: PublicationSchema) -> str:
    return f"ALTER PUBLICATION {ident(rel.publication)} ADD TABLES IN SCHEMA {ident(rel.schema)};\n"


def create_subscription(sub: Subscription) -> str:
    """connect = false: restoring must not reach out to the publisher nor create a slot there."""
    options = ["connect = false",
               f"slot_name = {literal(sub.slot_name) if sub.slot_name is not None else 'NONE'}"]
    options += [f"{name} = {literal(value)}" for name, value in sub.options.items()]
    if sub.synchronous_commit != "off":
        options.append(f"synchronous_commit = {literal(sub.synchronous_commit)}")
    pubs = ", ".join(ident(p) for p in sub.publications)
    return (f"CREATE SUBSCRIPTION {ident(sub.name)} CONNECTION {literal(sub.conninfo)} PUBLICATION {pubs}"
            f" WITH ({', '.join(options)});\n")
