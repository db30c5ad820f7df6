"""Text search parsers, templates, dictionaries and configurations (with their token mappings)."""

from __future__ import annotations

import psycopg
from msgspec import Struct
from psycopg.rows import args_row

from .filters import USER_NAMESPACE, not_extension_member
from .typedefs import _proc


class TsParser(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    start: str
    gettoken: str
    end: str
    lextypes: str
    headline: str | None
    comment: str | None


class TsTemplate(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    init: str | None
    lexize: str
    comment: str | None


class TsDictionary(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    template: str  # qualified, quoted
    options: str | None  # dictinitoption, as the server serialized it
    comment: str | None


class TsMapping(Struct, frozen=True):
    token: str  # the parser's alias for the token type
    dictionaries: list[str]  # qualified, quoted, in mapseqno order


class TsConfig(Struct, frozen=True):
    oid: int
    schema: str
    name: str
    owner: str
    parser: str  # qualified, quoted
    mappings: list[TsMapping]
    comment: str | None


def _filter(catalog: str, oid: str) -> str:
    return f"{USER_NAMESPACE} AND {not_extension_member(catalog, oid)}"


PARSERS = f"""
SELECT p.oid, n.nspname, p.prsname, p.prsstart::pg_catalog.regproc::text, p.prstoken::pg_catalog.regproc::text,
       p.prsend::pg_catalog.regproc::text, p.prslextype::pg_catalog.regproc::text, {_proc('p.prsheadline')},
       pg_catalog.obj_description(p.oid, 'pg_ts_parser')
FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
WHERE {_filter('pg_ts_parser', 'p.oid')}
ORDER BY n.nspname, p.prsname
"""

TEMPLATES = f"""
SELECT t.oid, n.nspname, t.tmplname, {_proc('t.tmplinit')}, t.tmpllexize::pg_catalog.regproc::text,
       pg_catalog.obj_description(t.oid, 'pg_ts_template')
FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
WHERE {_filter('pg_ts_template', 't.oid')}
ORDER BY n.nspname, t.tmplname
"""

DICTIONARIES = f"""
SELECT d.oid, n.nspname, d.dictname, pg_catalog.pg_get_userbyid(d.dictowner),
       pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(t.tmplname), d.dictinitoption,
       pg_catalog.obj_description(d.oid, 'pg_ts_dict')
FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE {_filter('pg_ts_dict', 'd.oid')}
ORDER BY n.nspname, d.dictname
"""

CONFIGS = f"""
SELECT c.oid, n.nspname, c.cfgname, pg_catalog.pg_get_userbyid(c.cfgowner),
       pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname), c.cfgparser::int8,
       pg_catalog.obj_description(c.oid, 'pg_ts_config')
FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
WHERE {_filter('pg_ts_config', 'c.oid')}
ORDER BY n.nspname, c.cfgname
"""

MAPPINGS = """
SELECT m.mapcfg::int8, tt.alias,
       array_agg(pg_catalog.quote_ident(dn.nspname) || '.' || pg_catalog.quote_ident(d.dictname) ORDER BY m.mapseqno)
FROM pg_catalog.pg_ts_config_map m
JOIN pg_catalog.pg_ts_config c ON c.oid = m.mapcfg
JOIN pg_catalog.ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
JOIN pg_catalog.pg_ts_dict d ON d.oid = m.mapdict
JOIN pg_catalog.pg_namespace dn ON dn.oid = d.dictnamespace
WHERE m.mapcfg = ANY(%s)
GROUP BY m.mapcfg, m.maptokentype, tt.alias
ORDER BY m.mapcfg, m.maptokentype
"""


def read_parsers(conn: psycopg.Connection) -> list[TsParser]:
    return conn.cursor(row_factory=args_row(TsParser)).execute(PARSERS).fetchall()


def read_templates(conn: psycopg.Connection) -> list[TsTemplate]:
    return conn.cursor(row_factory=args_row(TsTemplate)).execute(TEMPLATES).fetchall()


def read_dictionaries(conn: psycopg.Connection) -> list[TsDictionary]:
    return conn.cursor(row_factory=args_row(TsDictionary)).execute(DICTIONARIES).fetchall()


def read_configs(conn: psycopg.Connection) -> list[TsConfig]:
    rows = conn.execute(CONFIGS).fetchall()
    mappings: dict[int, list[TsMapping]] = {}
    for cfg, token, dicts in conn.execute(MAPPINGS, ([r[0] for r in rows],)):
        mappings.setdefault(cfg, []).append(TsMapping(token, dicts))
    return [TsConfig(oid, schema, name, owner, parser, mappings.get(oid, []), comment)
            for oid, schema, name, owner, parser, _, comment in rows]
