"""Foreign data wrappers, servers and user mappings (foreign tables are relations: see plan.py)."""

from __future__ import annotations

from ..ddl import foreign as ddl_foreign
from ..ddl.quoting import ident
from .base import add_object


def register(b) -> None:
    kinds = b.catalog.kinds
    for fdw in kinds.wrappers:
        add_object(b, f"pg_foreign_data_wrapper:{fdw.oid}", "FOREIGN DATA WRAPPER", "pre-data", None, fdw.name,
                   ddl_foreign.create_wrapper(fdw), owner=fdw.owner, target=ident(fdw.name), acl=fdw.acl,
                   comment=fdw.comment, drop=True)
    for srv in kinds.servers:
        add_object(b, f"pg_foreign_server:{srv.oid}", "SERVER", "pre-data", None, srv.name,
                   ddl_foreign.create_server(srv), owner=srv.owner, target=ident(srv.name), acl=srv.acl,
                   comment=srv.comment, grant_kind="FOREIGN SERVER",
                   deps=[f"pg_foreign_data_wrapper:{srv.wrapper_oid}"], drop=True)
    for um in kinds.user_mappings:
        entry = add_object(b, f"pg_user_mapping:{um.oid}", "USER MAPPING", "pre-data", None,
                           f"{um.role or 'PUBLIC'} SERVER {um.server}", ddl_foreign.create_user_mapping(um),
                           deps=[f"pg_foreign_server:{um.server_oid}"])
        entry.drop = ("USER MAPPING", ddl_foreign.user_mapping_target(um), None)
