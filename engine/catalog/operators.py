"""Access methods, operators, operator families and operator classes, with their members.

A member (pg_amop / pg_amproc row) belongs to the operator class whose CREATE made it when
pg_depend ties it to that class; otherwise it is a "loose" member of the family, added by
ALTER OPERATOR FAMILY ... ADD, as pg_dump does.
"""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .typedefs import _proc


class AccessMethod(Struct, frozen=True):
    """CREATE ACCESS METHOD: a name for a handler function; no schema, owner or privileges."""

    oid: int
    name: str
    type: str  # amtype: t table, i index
    handler: str  # regproc text: qualified unless in pg_catalog
    comment: str | None


class Operator(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    left: str | None  # format_type, None for a prefix operator
    right: str | None  # None for a postfix operator (before 14)
    function: str
    commutator: str | None  # OPERATOR(schema.op)
    negator: str | None
    restrict: str | None
    join: str | None
    hashes: bool
    merges: bool
    comment: str | None


class OperatorFamily(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    method: str
    comment: str | None


class OperatorClass(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    method: str
    type: str
    is_default: bool
    family_oid: int
    family: str  # qualified, quoted
    storage: str | None  # opckeytype, when it differs from the indexed type
    comment: str | None


class Member(Struct, frozen=True):
    """OPERATOR n op(left, right) [FOR ORDER BY family] or FUNCTION n (left, right) fn(args)."""

    catalog: str  # pg_amop or pg_amproc
    oid: int
    family_oid: int
    class_oid: int | None  # None: a loose member of the family
    number: int
    left: str
    right: str
    reference: str  # the operator (qualified name) or the function (regprocedure)
    sort_family: str | None


# Built-in methods (below FirstNormalObjectId) come with every database; an extension's with it.
ACCESS_METHODS = f"""
SELECT a.oid, a.amname, a.amtype::text, {_proc('a.amhandler')},
       (SELECT dsc.description FROM pg_catalog.pg_description dsc WHERE dsc.objoid = a.oid
        AND dsc.classoid = 'pg_catalog.pg_am'::pg_catalog.regclass AND dsc.objsubid = 0)
FROM pg_catalog.pg_am a
WHERE a.oid >= 16384 AND {not_extension_member('pg_am', 'a.oid')}
ORDER BY a.amname
"""

OPERATORS = f"""
SELECT o.oid, n.nspname, o.oprname, pg_catalog.pg_get_userbyid(o.oprowner),
       CASE WHEN o.oprleft <> 0 THEN pg_catalog.format_type(o.oprleft, NULL) END,
       CASE WHEN o.oprright <> 0 THEN pg_catalog.format_type(o.oprright, NULL) END,
       o.oprcode::pg_catalog.regproc::text,
       (SELECT 'OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || c.oprname || ')'
        FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
        WHERE c.oid = o.oprcom),
       (SELECT 'OPERATOR(' || pg_catalog.quote_ident(cn.nspname) || '.' || c.oprname || ')'
        FROM pg_catalog.pg_operator c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace
        WHERE c.oid = o.oprnegate),
       {_proc('o.oprrest')}, {_proc('o.oprjoin')}, o.oprcanhash, o.oprcanmerge,
       pg_catalog.obj_description(o.oid, 'pg_operator')
FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_operator', 'o.oid')}
  AND o.oprcode <> 0  -- a shell operator, made by a COMMUTATOR reference, is not dumped
ORDER BY n.nspname, o.oprname, 5, 6
"""

FAMILIES = f"""
SELECT f.oid, n.nspname, f.opfname, pg_catalog.pg_get_userbyid(f.opfowner), am.amname,
       pg_catalog.obj_description(f.oid, 'pg_opfamily')
FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_opfamily', 'f.oid')}
ORDER BY n.nspname, f.opfname, am.amname
"""

CLASSES = f"""
SELECT c.oid, n.nspname, c.opcname, pg_catalog.pg_get_userbyid(c.opcowner), am.amname,
       pg_catalog.format_type(c.opcintype, NULL), c.opcdefault, c.opcfamily::int8,
       pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname),
       CASE WHEN c.opckeytype <> 0 AND c.opckeytype <> c.opcintype
            THEN pg_catalog.format_type(c.opckeytype, NULL) END,
       pg_catalog.obj_description(c.oid, 'pg_opclass')
FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
WHERE {USER_NAMESPACE} AND {not_extension_member('pg_opclass', 'c.oid')}
ORDER BY n.nspname, c.opcname, am.amname
"""

MEMBERS = """
SELECT 'pg_amop', ao.oid, ao.amopfamily::int8,
       (SELECT d.refobjid::int8 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid
          AND d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass LIMIT 1),
       ao.amopstrategy::int, pg_catalog.format_type(ao.amoplefttype, NULL),
       pg_catalog.format_type(ao.amoprighttype, NULL),
       pg_catalog.quote_ident(opn.nspname) || '.' || op.oprname,
       CASE WHEN ao.amoppurpose = 'o'
            THEN pg_catalog.quote_ident(sfn.nspname) || '.' || pg_catalog.quote_ident(sf.opfname) END
FROM pg_catalog.pg_amop ao
JOIN pg_catalog.pg_operator op ON op.oid = ao.amopopr
JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = ao.amopsortfamily
LEFT JOIN pg_catalog.pg_namespace sfn ON sfn.oid = sf.opfnamespace
WHERE ao.amopfamily = ANY(%(families)s)
UNION ALL
SELECT 'pg_amproc', ap.oid, ap.amprocfamily::int8,
       (SELECT d.refobjid::int8 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid
          AND d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass LIMIT 1),
       ap.amprocnum::int, pg_catalog.format_type(ap.amproclefttype, NULL),
       pg_catalog.format_type(ap.amprocrighttype, NULL), ap.amproc::pg_catalog.regprocedure::text, NULL
FROM pg_catalog.pg_amproc ap
WHERE ap.amprocfamily = ANY(%(families)s)
ORDER BY 1, 3, 5, 6, 7
"""


def read_access_methods(conn: psycopg.Connection) -> list[AccessMethod]:
    return conn.cursor(row_factory=args_row(AccessMethod)).execute(ACCESS_METHODS).fetchall()


def read_operators(conn: psycopg.Connection) -> list[Operator]:
    return conn.cursor(row_factory=args_row(Operator)).execute(OPERATORS).fetchall()


def read_operator_families(conn: psycopg.Connection) -> list[OperatorFamily]:
    return conn.cursor(row_factory=args_row(OperatorFamily)).execute(FAMILIES).fetchall()


def read_operator_classes(conn: psycopg.Connection) -> list[OperatorClass]:
    return conn.cursor(row_factory=args_row(OperatorClass)).execute(CLASSES).fetchall()


def read_members(conn: psycopg.Connection, family_oids: list[int]) -> list[Member]:
    cur = conn.cursor(row_factory=args_row(Member))
    return cur.execute(MEMBERS, {"families": family_oids}).fetchall()
