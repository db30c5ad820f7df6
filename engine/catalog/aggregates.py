"""Aggregates: pg_get_functiondef refuses them, so CREATE AGGREGATE is rebuilt from pg_aggregate."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .typedefs import _proc


class Aggregate(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    arguments: str  # pg_get_function_arguments: includes ORDER BY for ordered-set aggregates
    identity_args: str
    argtypes: str  # the plain type list GRANT takes (identity_args may hold ORDER BY)
    kind: str  # aggkind: n normal, o ordered-set, h hypothetical-set
    transfn: str
    transtype: str
    transspace: int
    finalfn: str | None
    finalextra: bool
    finalmodify: str  # r read_only, s shareable, w read_write
    combinefn: str | None
    serialfn: str | None
    deserialfn: str | None
    initval: str | None
    mtransfn: str | None
    minvtransfn: str | None
    mtranstype: str | None
    mtransspace: int
    mfinalfn: str | None
    mfinalextra: bool
    mfinalmodify: str
    minitval: str | None
    sortop: str | None  # OPERATOR(schema.op)
    parallel: str  # proparallel: s safe, r restricted, u unsafe
    acl: list[str] | None
    comment: str | None


AGGREGATES = f"""
SELECT p.oid, n.nspname, p.proname, pg_catalog.pg_get_userbyid(p.proowner),
       pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_identity_arguments(p.oid),
       pg_catalog.oidvectortypes(p.proargtypes),
       a.aggkind::text, a.aggtransfn::pg_catalog.regproc::text, pg_catalog.format_type(a.aggtranstype, NULL),
       a.aggtransspace, {_proc('a.aggfinalfn')}, a.aggfinalextra, a.aggfinalmodify::text,
       {_proc('a.aggcombinefn')}, {_proc('a.aggserialfn')}, {_proc('a.aggdeserialfn')}, a.agginitval,
       {_proc('a.aggmtransfn')}, {_proc('a.aggminvtransfn')},
       CASE WHEN a.aggmtranstype <> 0 THEN pg_catalog.format_type(a.aggmtranstype, NULL) END,
       a.aggmtransspace, {_proc('a.aggmfinalfn')}, a.aggmfinalextra, a.aggmfinalmodify::text, a.aggminitval,
       CASE WHEN a.aggsortop <> 0 THEN 'OPERATOR(' || pg_catalog.quote_ident(opn.nspname) || '.' || op.oprname || ')' END,
       p.proparallel::text, p.proacl::text[], pg_catalog.obj_description(p.oid, 'pg_proc')
FROM pg_catalog.pg_aggregate a
JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop
LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_proc', 'p.oid')}
ORDER BY n.nspname, p.proname, 6
"""


def read_aggregates(conn: psycopg.Connection) -> list[Aggregate]:
    return conn.cursor(row_factory=args_row(Aggregate)).execute(AGGREGATES).fetchall()
