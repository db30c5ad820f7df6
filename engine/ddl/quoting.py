"""Quoting by the server's rules: the only way names and values enter generated SQL.

Identifiers are always double-quoted, so no name can be mistaken for a keyword or end a
statement; string literals use standard_conforming_strings (set at the top of every script),
so a backslash is just a character. Neither can carry a newline out of its quotes, which is
what keeps psql meta-commands out of the script.
"""

from __future__ import annotations


_QUOTED: dict[str, str] = {}  # the same schema and column names recur thousands of times


def ident(name: str) -> str:
    quoted = _QUOTED.get(name)
    if quoted is None:
        if "\x00" in name:
            raise ValueError("identifier contains a NUL byte")
        if len(_QUOTED) > 1_000_000:
            _QUOTED.clear()
        quoted = _QUOTED[name] = '"' + name.replace('"', '""') + '"'
    return quoted


_QUALIFIED: dict[tuple[str, str], str] = {}  # a table's name is written by each of its entries


def qualified(schema: str, name: str) -> str:
    key = (schema, name)
    quoted = _QUALIFIED.get(key)
    if quoted is None:
        if len(_QUALIFIED) > 1_000_000:
            _QUALIFIED.clear()
        quoted = _QUALIFIED[key] = ident(schema) + "." + ident(name)
    return quoted


def literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("string literal contains a NUL byte")
    return "'" + value.replace("'", "''") + "'"


def comment_safe(text: str) -> str:
    """Text for a `--` comment line: one line, whatever the name holds."""
    if "\\" not in text and "\n" not in text and "\r" not in text:
        return text
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
