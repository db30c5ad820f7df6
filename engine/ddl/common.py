"""Statements every object kind shares: owner, comment, privileges."""

from __future__ import annotations

import functools
import re

from .quoting import ident, literal

PRIVILEGES = {
    "r": "SELECT", "w": "UPDATE", "a": "INSERT", "d": "DELETE", "D": "TRUNCATE",
    "x": "REFERENCES", "t": "TRIGGER", "X": "EXECUTE", "U": "USAGE", "C": "CREATE",
    "c": "CONNECT", "T": "TEMPORARY", "m": "MAINTAIN", "s": "SET", "A": "ALTER SYSTEM",
}

# GRANT names every relation kind TABLE (sequences excepted).
GRANT_OBJECT = {"VIEW": "TABLE", "MATERIALIZED VIEW": "TABLE", "FOREIGN TABLE": "TABLE"}

_ACLITEM = re.compile(r'^((?:"(?:[^"]|"")*"|[^=])*)=([A-Za-z*]*)/(.*)$')


def owner_to(kind: str, target: str, owner: str) -> str:
    return f"ALTER {kind} {target} OWNER TO {ident(owner)};\n"


def comment_on(kind: str, target: str, comment: str | None) -> str:
    if comment is None:
        return ""
    return f"COMMENT ON {kind} {target} IS {literal(comment)};\n"


def _unquote_role(text: str) -> str:
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


_PARSED: dict[str, tuple[str | None, tuple[tuple[str, bool], ...], str]] = {}  # few distinct items, many objects


def parse_aclitem(item: str) -> tuple[str | None, tuple[tuple[str, bool], ...], str]:
    """'grantee=privs/grantor' -> (grantee or None for PUBLIC, [(privilege, grantable)], grantor)."""
    parsed = _PARSED.get(item)
    if parsed is None:
        if len(_PARSED) > 100_000:
            _PARSED.clear()
        parsed = _PARSED[item] = _parse_aclitem(item)
    return parsed


def _parse_aclitem(item: str) -> tuple[str | None, tuple[tuple[str, bool], ...], str]:
    match = _ACLITEM.match(item)
    if not match:
        raise ValueError(f"unparseable aclitem {item!r}")
    grantee, letters, grantor = match.groups()
    privileges = []
    for i, letter in enumerate(letters):
        if letter == "*":
            continue
        grantable = i + 1 < len(letters) and letters[i + 1] == "*"
        privileges.append((PRIVILEGES[letter], grantable))
    return (_unquote_role(grantee) or None), tuple(privileges), _unquote_role(grantor)


def grants(kind: str, target: str, owner: str, acl: list[str] | None, column: str | None = None) -> str:
    """REVOKE the defaults, then GRANT each aclitem in order: the restored ACL equals the source's.

    A NULL acl means the built-in defaults, which the new object already has.
    """
    if acl is None:
        return ""
    # The same owner and ACL recur on thousands of objects: their statements are rendered once,
    # around a NUL where the target goes (no name holds one), and joined on each object's name.
    return target.join(_grants_around_target(kind, owner, tuple(acl), column))


@functools.lru_cache(maxsize=4096)
def _grants_around_target(kind: str, owner: str, acl: tuple[str, ...], column: str | None) -> tuple[str, ...]:
    kind = GRANT_OBJECT.get(kind, kind)
    target = "\x00"
    cols = f" ({ident(column)})" if column else ""
    out = []
    if column is None:
        out.append(f"REVOKE ALL ON {kind} {target} FROM PUBLIC;\n")
        out.append(f"REVOKE ALL ON {kind} {target} FROM {ident(owner)};\n")
    for item in acl:
        grantee, privileges, grantor = parse_aclitem(item)
        plain = [p for p, g in privileges if not g]
        granted = [p for p, g in privileges if g]
        for group, option in ((plain, ""), (granted, " WITH GRANT OPTION")):
            if group:
                privs = ",".join(f"{p}{cols}" for p in group)
                out.append(_as_grantor(f"GRANT {privs} ON {kind} {target} TO {_role(grantee)}{option};\n",
                                       grantor, owner))
    return tuple("".join(out).split(target))


def drop_statement(kind: str, target: str, table: str | None, if_exists: bool) -> str:
    """--clean: the DROP that undoes one entry's CREATE (with --if-exists, as pg_dump spells it)."""
    maybe = "IF EXISTS " if if_exists else ""
    if kind == "LARGE OBJECT":  # no DROP command for these: unlinked, as pg_dump does
        oid = int(target)
        if if_exists:
            return (f"SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata"
                    f" WHERE oid = '{oid}';\n")
        return f"SELECT pg_catalog.lo_unlink('{oid}');\n"
    if kind == "VIEW QUERY":
        # A view split from its query (a loop): its query cannot be dropped, so it is replaced by
        # the dummy (target), which depends on nothing, as pg_dump does; if the view may be
        # missing, only where it exists.
        if not if_exists:
            return target
        body = (f"BEGIN IF pg_catalog.to_regclass({literal(table)}) IS NOT NULL THEN "
                f"EXECUTE {literal(target)}; END IF; END")
        return f"DO {literal(body)};\n"
    if table is None:
        return f"DROP {kind} {maybe}{target};\n"
    if kind in ("CONSTRAINT", "FK CONSTRAINT"):
        return f"ALTER TABLE {maybe}{table} DROP CONSTRAINT {maybe}{target};\n"
    if kind == "DEFAULT":
        return f"ALTER TABLE {maybe}{table} ALTER COLUMN {target} DROP DEFAULT;\n"
    return f"DROP {kind} {maybe}{target} ON {table};\n"  # TRIGGER, POLICY, RULE


def grant_changes(kind: str, target: str, owner: str, acl: list[str], initial: list[str],
                  column: str | None = None) -> str:
    """REVOKE what `initial` has and `acl` lacks, GRANT what `acl` adds, privilege by privilege:
    for objects the backup does not create (system and extension objects), whose initial
    privileges the target already has (pg_dump's buildACLCommands against pg_init_privs)."""
    def privileges(items: list[str]) -> dict[tuple[str | None, str, str], bool]:
        out = {}
        for item in items:
            grantee, privs, grantor = parse_aclitem(item)
            for privilege, grantable in privs:
                out[(grantee, grantor, privilege)] = grantable
        return out

    now, before = privileges(acl), privileges(initial)
    cols = f" ({ident(column)})" if column else ""
    out = []
    for (grantee, grantor, privilege), grantable in before.items():
        if now.get((grantee, grantor, privilege)) is None:
            statement = f"REVOKE {privilege}{cols} ON {kind} {target} FROM {_role(grantee)};\n"
        elif grantable and not now[(grantee, grantor, privilege)]:
            statement = f"REVOKE GRANT OPTION FOR {privilege}{cols} ON {kind} {target} FROM {_role(grantee)};\n"
        else:
            continue
        out.append(_as_grantor(statement, grantor, owner))
    for (grantee, grantor, privilege), grantable in now.items():
        was = before.get((grantee, grantor, privilege))
        if was is None or (grantable and not was):
            option = " WITH GRANT OPTION" if grantable else ""
            out.append(_as_grantor(f"GRANT {privilege}{cols} ON {kind} {target} TO {_role(grantee)}{option};\n",
                                   grantor, owner))
    return "".join(out)


def _role(grantee: str | None) -> str:
    return "PUBLIC" if grantee is None else ident(grantee)


def _as_grantor(statement: str, grantor: str, owner: str) -> str:
    if grantor == owner:
        return statement
    return f"SET SESSION AUTHORIZATION {ident(grantor)};\n{statement}RESET SESSION AUTHORIZATION;\n"
