"""CREATE statements for schemas, extensions, types and functions."""

from __future__ import annotations

from ..catalog.model import CompositeType, Domain, EnumType, Extension, Function, Schema
from .common import comment_on
from .quoting import ident, literal, qualified


def create_schema(schema: Schema) -> str:
    return f"CREATE SCHEMA {ident(schema.name)};\n"


def create_extension(ext: Extension) -> str:
    return f"CREATE EXTENSION IF NOT EXISTS {ident(ext.name)} WITH SCHEMA {ident(ext.schema)};\n"


def create_enum(enum: EnumType) -> str:
    labels = ", ".join(literal(label) for label in enum.labels)
    return f"CREATE TYPE {qualified(enum.schema, enum.name)} AS ENUM ({labels});\n"


def create_composite(comp: CompositeType) -> str:
    attrs = ",\n".join(
        f"    {ident(a.name)} {a.type}" + (f" COLLATE {a.collation}" if a.collation else "")
        for a in comp.attributes
    )
    name = qualified(comp.schema, comp.name)
    # Its attributes' comments have no entry of their own: they are written with the type.
    comments = "".join(comment_on("COLUMN", f"{name}.{ident(a.name)}", a.comment) for a in comp.attributes)
    return f"CREATE TYPE {name} AS (\n{attrs}\n);\n{comments}"


def create_domain(domain: Domain) -> str:
    parts = [f"CREATE DOMAIN {qualified(domain.schema, domain.name)} AS {domain.base_type}"]
    if domain.collation:
        parts.append(f"COLLATE {domain.collation}")
    if domain.default is not None:
        parts.append(f"DEFAULT {domain.default}")
    named_notnull = any(c.definition == "NOT NULL" for c in domain.constraints)
    if domain.notnull and not named_notnull:
        parts.append("NOT NULL")
    for check in domain.constraints:
        if check.validated:
            parts.append(f"CONSTRAINT {ident(check.name)} {check.definition}")
    sql = "\n    ".join(parts) + ";\n"
    for check in domain.constraints:
        if not check.validated:
            sql += (f"ALTER DOMAIN {qualified(domain.schema, domain.name)} "
                    f"ADD CONSTRAINT {ident(check.name)} {check.definition};\n")
    return sql


def create_function(func: Function) -> str:
    # pg_get_functiondef writes CREATE OR REPLACE with every option and a safely dollar-quoted body.
    return func.definition.rstrip() + ";\n"


def function_signature(func: Function) -> str:
    return f"{qualified(func.schema, func.name)}({func.identity_args})"


def function_kind(func: Function) -> str:
    return "PROCEDURE" if func.kind == "p" else "FUNCTION"
