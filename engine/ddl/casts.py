"""CREATE CAST, CREATE TRANSFORM and CREATE LANGUAGE."""

from __future__ import annotations

from ..catalog.casts import Cast, Language, Transform
from .quoting import ident

CONTEXT = {"a": " AS ASSIGNMENT", "i": " AS IMPLICIT", "e": ""}


def cast_target(cast: Cast) -> str:
    return f"({cast.source} AS {cast.target})"


def create_cast(cast: Cast) -> str:
    if cast.method == "f":
        how = f"WITH FUNCTION {cast.function}"
    elif cast.method == "i":
        how = "WITH INOUT"
    else:
        how = "WITHOUT FUNCTION"
    return f"CREATE CAST {cast_target(cast)} {how}{CONTEXT[cast.context]};\n"


def transform_target(trf: Transform) -> str:
    return f"FOR {trf.type} LANGUAGE {ident(trf.language)}"


def create_transform(trf: Transform) -> str:
    parts = []
    if trf.from_sql:
        parts.append(f"FROM SQL WITH FUNCTION {trf.from_sql}")
    if trf.to_sql:
        parts.append(f"TO SQL WITH FUNCTION {trf.to_sql}")
    return f"CREATE TRANSFORM {transform_target(trf)} ({', '.join(parts)});\n"


def create_language(lang: Language) -> str:
    trusted = "TRUSTED " if lang.trusted else ""
    sql = f"CREATE {trusted}PROCEDURAL LANGUAGE {ident(lang.name)}"
    if lang.handler:
        sql += f" HANDLER {lang.handler}"
        if lang.inline:
            sql += f" INLINE {lang.inline}"
        if lang.validator:
            sql += f" VALIDATOR {lang.validator}"
    return sql + ";\n"
