"""The data of extension configuration tables and sequences, through the ordinary data path."""

from __future__ import annotations

from ..ddl.quoting import literal, qualified
from ..ddl.tables import copy_from_stdin_of


def extension_data(b, first_rank: int) -> list:
    """TABLE DATA and SEQUENCE SET entries for each dumped extension's configuration relations.

    Keyed under the extension, so they are kept or left out with it; returns the tables' DataTables
    (after every user table in the FK order), whose COPY applies the extension's filter.
    """
    from ..plan import DataTable, Entry  # noqa: PLC0415

    tables = []
    for rel in b.catalog.kinds.config_relations:
        ext_key = f"pg_extension:{rel.extension_oid}"
        if ext_key not in b.entries:
            continue
        key = f"{ext_key}/config/{rel.oid}"
        if rel.relkind == "S":
            value = rel.last_value if rel.last_value is not None else rel.start
            called = "true" if rel.last_value is not None else "false"
            b.add(Entry(key + "/set", "SEQUENCE SET", "data", rel.schema, rel.name,
                        f"SELECT pg_catalog.setval({literal(qualified(rel.schema, rel.name))}, {value}, {called});\n",
                        rel.owner, [ext_key]))
            continue
        b.add(Entry(key + "/data", "TABLE DATA", "data", rel.schema, rel.name,
                    copy_from_stdin_of(qualified(rel.schema, rel.name), rel.columns), rel.owner, [ext_key], rel.oid))
        tables.append(DataTable(rel.oid, rel.schema, rel.name, rel.columns, first_rank + len(tables), 0, 0,
                                rel.condition))
    return tables
