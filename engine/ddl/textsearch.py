"""CREATE TEXT SEARCH PARSER / TEMPLATE / DICTIONARY / CONFIGURATION and the configuration's mappings."""

from __future__ import annotations

from ..catalog.textsearch import TsConfig, TsDictionary, TsParser, TsTemplate
from .quoting import ident, qualified


def create_parser(p: TsParser) -> str:
    parts = [f"START = {p.start}", f"GETTOKEN = {p.gettoken}", f"END = {p.end}", f"LEXTYPES = {p.lextypes}"]
    if p.headline:
        parts.append(f"HEADLINE = {p.headline}")
    return f"CREATE TEXT SEARCH PARSER {qualified(p.schema, p.name)} (\n    " + ",\n    ".join(parts) + "\n);\n"


def create_template(t: TsTemplate) -> str:
    parts = ([f"INIT = {t.init}"] if t.init else []) + [f"LEXIZE = {t.lexize}"]
    return f"CREATE TEXT SEARCH TEMPLATE {qualified(t.schema, t.name)} (\n    " + ",\n    ".join(parts) + "\n);\n"


def create_dictionary(d: TsDictionary) -> str:
    # dictinitoption is the server's own serialization of the options (names and quoted values).
    options = f",\n    {d.options}" if d.options else ""
    return f"CREATE TEXT SEARCH DICTIONARY {qualified(d.schema, d.name)} (\n    TEMPLATE = {d.template}{options}\n);\n"


def create_config(c: TsConfig) -> str:
    name = qualified(c.schema, c.name)
    sql = f"CREATE TEXT SEARCH CONFIGURATION {name} (\n    PARSER = {c.parser}\n);\n"
    for m in c.mappings:
        sql += f"ALTER TEXT SEARCH CONFIGURATION {name}\n    ADD MAPPING FOR {ident(m.token)} WITH {', '.join(m.dictionaries)};\n"
    return sql
