"""Text search parsers, templates, dictionaries and configurations."""

from __future__ import annotations

from ..ddl import textsearch as ddl_ts
from ..ddl.quoting import qualified
from .base import add_object


def register(b) -> None:
    kinds = b.catalog.kinds
    for p in kinds.ts_parsers:
        add_object(b, f"pg_ts_parser:{p.oid}", "TEXT SEARCH PARSER", "pre-data", p.schema, p.name,
                   ddl_ts.create_parser(p), target=qualified(p.schema, p.name), comment=p.comment, drop=True)
    for t in kinds.ts_templates:
        add_object(b, f"pg_ts_template:{t.oid}", "TEXT SEARCH TEMPLATE", "pre-data", t.schema, t.name,
                   ddl_ts.create_template(t), target=qualified(t.schema, t.name), comment=t.comment, drop=True)
    for d in kinds.ts_dictionaries:
        add_object(b, f"pg_ts_dict:{d.oid}", "TEXT SEARCH DICTIONARY", "pre-data", d.schema, d.name,
                   ddl_ts.create_dictionary(d), owner=d.owner, target=qualified(d.schema, d.name), comment=d.comment, drop=True)
    for c in kinds.ts_configs:
        add_object(b, f"pg_ts_config:{c.oid}", "TEXT SEARCH CONFIGURATION", "pre-data", c.schema, c.name,
                   ddl_ts.create_config(c), owner=c.owner, target=qualified(c.schema, c.name), comment=c.comment, drop=True)
