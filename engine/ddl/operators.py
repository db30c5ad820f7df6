"""CREATE ACCESS METHOD, CREATE OPERATOR, CREATE OPERATOR FAMILY / CLASS, and ALTER OPERATOR FAMILY ... ADD
for loose members."""

from __future__ import annotations

from ..catalog.operators import AccessMethod, Member, Operator, OperatorClass, OperatorFamily
from .quoting import ident, qualified


AM_TYPE = {"t": "TABLE", "i": "INDEX"}


def create_access_method(am: AccessMethod) -> str:
    return f"CREATE ACCESS METHOD {ident(am.name)} TYPE {AM_TYPE[am.type]} HANDLER {am.handler};\n"


def operator_name(op: Operator) -> str:
    # An operator name is not an identifier: it cannot be quoted, and holds only operator characters.
    return f"{ident(op.schema)}.{op.name}"


def operator_signature(op: Operator) -> str:
    return f"{operator_name(op)} ({op.left or 'NONE'}, {op.right or 'NONE'})"


def create_operator(op: Operator) -> str:
    parts = [f"FUNCTION = {op.function}"]
    if op.left:
        parts.append(f"LEFTARG = {op.left}")
    if op.right:
        parts.append(f"RIGHTARG = {op.right}")
    if op.commutator:
        parts.append(f"COMMUTATOR = {op.commutator}")
    if op.negator:
        parts.append(f"NEGATOR = {op.negator}")
    if op.restrict:
        parts.append(f"RESTRICT = {op.restrict}")
    if op.join:
        parts.append(f"JOIN = {op.join}")
    if op.hashes:
        parts.append("HASHES")
    if op.merges:
        parts.append("MERGES")
    body = ",\n    ".join(parts)
    return f"CREATE OPERATOR {operator_name(op)} (\n    {body}\n);\n"


def family_target(fam: OperatorFamily) -> str:
    return f"{qualified(fam.schema, fam.name)} USING {ident(fam.method)}"


def class_target(cls: OperatorClass) -> str:
    return f"{qualified(cls.schema, cls.name)} USING {ident(cls.method)}"


def create_family(fam: OperatorFamily) -> str:
    return f"CREATE OPERATOR FAMILY {family_target(fam)};\n"


def member_item(member: Member) -> str:
    types = f"({member.left}, {member.right})"
    if member.catalog == "pg_amop":
        order = f" FOR ORDER BY {member.sort_family}" if member.sort_family else ""
        return f"OPERATOR {member.number} {member.reference}{types}{order}"
    return f"FUNCTION {member.number} {types} {member.reference}"


def create_class(cls: OperatorClass, members: list[Member]) -> str:
    items = [member_item(m) for m in members]
    if cls.storage or not items:
        # A class with no members of its own (all in its family) still needs an item after AS:
        # pg_dump writes its input type as the storage type, which records no opckeytype.
        items.append(f"STORAGE {cls.storage or cls.type}")
    default = " DEFAULT" if cls.is_default else ""
    body = ",\n    ".join(items)
    return (f"CREATE OPERATOR CLASS {qualified(cls.schema, cls.name)}{default} FOR TYPE {cls.type}"
            f" USING {ident(cls.method)} FAMILY {cls.family} AS\n    {body};\n")


def add_to_family(fam: OperatorFamily, members: list[Member]) -> str:
    body = ",\n    ".join(member_item(m) for m in members)
    return f"ALTER OPERATOR FAMILY {family_target(fam)} ADD\n    {body};\n"
