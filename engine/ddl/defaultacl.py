"""ALTER DEFAULT PRIVILEGES from pg_default_acl: revoke what the baseline has and the entry lacks, grant the rest."""

from __future__ import annotations

from ..catalog.defaultacl import DefaultAcl
from .common import parse_aclitem
from .quoting import ident

OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS", "L": "LARGE OBJECTS"}


def alter_default_privileges(d: DefaultAcl) -> str:
    prefix = f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(d.role)}"
    if d.schema is not None:
        prefix += f" IN SCHEMA {ident(d.schema)}"
    objects = OBJECTS[d.objtype]
    out = []
    for item in d.baseline:
        if item not in d.acl:
            grantee, _, _ = parse_aclitem(item)
            out.append(f"{prefix} REVOKE ALL ON {objects} FROM {'PUBLIC' if grantee is None else ident(grantee)};\n")
    for item in d.acl:
        if item in d.baseline:
            continue
        grantee, privileges, _ = parse_aclitem(item)
        role = "PUBLIC" if grantee is None else ident(grantee)
        for group, option in (([p for p, g in privileges if not g], ""), ([p for p, g in privileges if g],
                                                                          " WITH GRANT OPTION")):
            if group:
                out.append(f"{prefix} GRANT {','.join(group)} ON {objects} TO {role}{option};\n")
    return "".join(out)
