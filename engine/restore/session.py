"""One restore connection: the script's session settings, SET ROLE, and errors that say where.

Every connection runs the script's SET entry first, as psql would at the top of the script,
so parallel workers see the same search_path, encoding and timeouts as a sequential restore.
The script's later SETs (default_tablespace) are per entry instead: an entry runs on whichever
connection is free, so it sets its own tablespace there (pg_restore -j's workers do the same).
"""

from __future__ import annotations

import re
import threading
from typing import Callable

import psycopg
from psycopg import sql

from ..config import connect
from ..errors import RestoreError
from ..script import TocItem

_ROLE_MISSING = re.compile(r'role "((?:[^"]|"")*)" does not exist')


def where(item: TocItem) -> str:
    return f"{item.kind} {item.schema + '.' if item.schema else ''}{item.name}"


def statement_of(text: str) -> str:
    """The first line of an entry's SQL (its label comment skipped), for error messages."""
    for line in text.splitlines():
        if line.strip() and not line.startswith("--"):
            return line if len(line) <= 120 else line[:117] + "..."
    return ""


def server_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    message = diag.message_primary or " ".join(str(exc).split())
    if diag.message_detail:
        message += f" ({diag.message_detail})"
    return message


def failure(item: TocItem, text: str, exc: psycopg.Error) -> RestoreError:
    statement = statement_of(text)
    return RestoreError(f"restoring {where(item)} failed: {server_message(exc)}"
                        + (f"; statement: {statement}" if statement else ""))


def missing_role(exc: psycopg.Error) -> str | None:
    """The role named by an undefined_object error, if that is what it is."""
    if exc.sqlstate != "42704":
        return None
    match = _ROLE_MISSING.search(exc.diag.message_primary or "")
    return match.group(1).replace('""', '"') if match else None


class Session:
    """A connection prepared for restoring: settings applied, role set; one per worker thread."""

    def __init__(self, conninfo: str, settings: str, role: str | None, autocommit: bool, tablespaces: bool = True):
        self.conn = connect(conninfo, autocommit=autocommit)
        self.busy = threading.Event()
        self.role = role
        self.tablespaces = tablespaces  # False: --no-tablespaces, every entry under the target's default
        self.tablespace: str | None = None  # default_tablespace as this connection has it set; None: unset
        try:
            if settings:
                self.conn.execute(settings)
            if role:
                self.conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        except psycopg.Error as exc:
            self.conn.close()
            what = f"SET ROLE {role}" if role else "the script's session settings"
            raise RestoreError(f"cannot prepare a restore connection ({what}): {server_message(exc)}") from None

    def run(self, item: TocItem, text: str) -> None:
        if self.tablespaces and item.tablespace is not None and item.tablespace != self.tablespace:
            self._set_tablespace(item)
        try:
            self.conn.execute(text)
        except psycopg.Error as exc:
            raise failure(item, text, exc) from None

    def _set_tablespace(self, item: TocItem) -> None:
        """default_tablespace for the entry: its tablespace by name, or '' for the database's default."""
        value = sql.Identifier(item.tablespace) if item.tablespace else sql.Literal("")
        statement = sql.SQL("SET default_tablespace = {}").format(value)
        try:
            self.conn.execute(statement)
        except psycopg.Error as exc:
            raise failure(item, statement.as_string(self.conn), exc) from None
        self.tablespace = item.tablespace

    def run_each(self, item: TocItem, statements: list[str], on_missing_role: Callable[[str], None]) -> None:
        """Statements one by one (each atomic); one naming a missing role is skipped and reported."""
        for statement in statements:
            try:
                if self.conn.autocommit:  # one statement is its own transaction: no BEGIN/COMMIT round trips
                    self.conn.execute(statement)
                else:  # a savepoint, so that a skipped statement does not abort the single transaction
                    with self.conn.transaction():
                        self.conn.execute(statement)
            except psycopg.Error as exc:
                role = missing_role(exc)
                if role is None:
                    raise failure(item, statement, exc) from None
                on_missing_role(role)
        if self.role and any("SESSION AUTHORIZATION" in s for s in statements):
            # RESET SESSION AUTHORIZATION also resets the current role: set it again.
            self.conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self.role)))

    def cancel(self) -> None:
        try:
            cancel = getattr(self.conn, "cancel_safe", None) or self.conn.cancel
            cancel()
        except Exception:  # noqa: BLE001 - best effort: the worker stops at its next entry anyway
            pass

    def close(self) -> None:
        self.conn.close()


TABLESPACES = "SELECT spcname FROM pg_catalog.pg_tablespace WHERE spcname = ANY(%s)"


def check_tablespaces(conn: psycopg.Connection, items: list[TocItem]) -> None:
    """Every tablespace the entries name exists in the target. Like pg_dump, a backup holds no
    CREATE TABLESPACE: they are global objects (pg_dumpall --globals-only writes them)."""
    wanted = sorted({i.tablespace for i in items if i.tablespace})
    if not wanted:
        return
    present = {name for (name,) in conn.execute(TABLESPACES, (wanted,))}
    missing = [name for name in wanted if name not in present]
    if missing:
        raise RestoreError(f"tablespace(s) {', '.join(missing)} not found in the target: create them first "
                           f"(CREATE TABLESPACE), as the source cluster has them")


def split_statements(text: str) -> list[str]:
    """Split our own OWNER/ACL text at semicolons outside quotes and comments (it has no dollar quoting)."""
    out, start, quote, i = [], 0, None, 0
    pieces = []
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            pieces.append(text[start:i])
            i = start = end
            continue
        elif ch == ";":
            pieces.append(text[start:i + 1])
            statement = "".join(pieces).strip()
            if statement != ";":
                out.append(statement)
            pieces, start = [], i + 1
        i += 1
    pieces.append(text[start:])
    rest = "".join(pieces).strip()
    if rest:
        out.append(rest)
    return out
