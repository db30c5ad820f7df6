"""The pure-Python restore: feeds the script to the server entry by entry, as its TOC delimits them.

No psql, no pg_restore: what a container with only Python has. Statement boundaries come from
the TOC, never from the text, so hostile function bodies or comments cannot split or end a
statement. Each entry runs in its own transaction (COPY included), so a failure leaves the
target as it was after the last complete entry, never half of a table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import msgspec
import psycopg

from .config import connect
from .errors import RestoreError
from .script import TOC_NAME, iter_entries, python_encoding, read_toc

CHUNK = 1 << 20

NON_EMPTY = """
SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
"""


class RestoreOptions(msgspec.Struct, frozen=True):
    conninfo: str
    single_transaction: bool = False
    allow_non_empty: bool = False
    sections: tuple[str, ...] = ("pre-data", "data", "post-data")


class RestoreResult(msgspec.Struct):
    entries: int
    rows: dict[str, int]


def run_restore(directory: Path, options: RestoreOptions, log=None) -> RestoreResult:
    log = log or (lambda message: print(message, file=sys.stderr))
    directory = Path(directory)
    if not (directory / TOC_NAME).exists():
        raise RestoreError(f"{directory}: not a backup directory (no {TOC_NAME})")
    toc = read_toc(directory / TOC_NAME)
    encoding = python_encoding(toc.encoding)
    conn = connect(options.conninfo, autocommit=not options.single_transaction)
    try:
        if not options.allow_non_empty:
            (count,) = conn.execute(NON_EMPTY).fetchone()
            if count:
                raise RestoreError(
                    f"target database is not empty ({count} relations); restore into an empty database"
                )
        rows: dict[str, int] = {}
        done = 0
        for item, reader in iter_entries(directory, toc):
            if item.kind == "PSQL" or item.section not in options.sections and item.kind != "SET":
                continue
            try:
                if item.kind == "TABLE DATA":
                    header = reader.read_exact(item.data_offset - item.offset).decode(encoding)
                    with conn.cursor().copy(header) as copy:
                        left = item.data_length
                        while left > 0:
                            chunk = reader.read(min(left, CHUNK))
                            if not chunk:
                                raise EOFError("backup script ends inside a COPY block")
                            copy.write(chunk)
                            left -= len(chunk)
                    rows[f"{item.schema}.{item.name}"] = item.rows or 0
                else:
                    conn.execute(reader.read_exact(item.length).decode(encoding))
            except psycopg.Error as exc:
                where = f"{item.kind} {item.schema + '.' if item.schema else ''}{item.name}"
                message = exc.diag.message_primary or " ".join(str(exc).split())
                raise RestoreError(f"restoring {where} failed: {message}") from None
            except EOFError as exc:
                raise RestoreError(f"{directory}: {exc}") from None
            done += 1
        if options.single_transaction:
            conn.commit()
        return RestoreResult(done, rows)
    finally:
        conn.close()
