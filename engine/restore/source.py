"""Reading a backup for restore: its DDL text in one pass, each table's COPY block on its own.

Statement boundaries come from the TOC, never from the text, so a hostile function body or
comment cannot split or end a statement. The compressed script alternates runs of text units
and table-data units (each TABLE DATA entry owns its members/frames), so the text can be read
without decompressing any table data, and every table's block can be decompressed by its own
worker, in any order.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator

from psycopg import sql

from ..errors import RestoreError
from ..script import COPY_TRAILER, TOC_NAME, Toc, TocItem, python_encoding, read_toc, read_unit_range

CHUNK = 1 << 20
_IDENT = re.compile(r'"((?:[^"]|"")*)"')


def copy_target(schema: str, name: str, columns: list[str]) -> sql.Composed:
    """`schema.name (columns)` for COPY; the bare name for a table without columns (`()` is an error)."""
    table = sql.Identifier(schema, name)
    if not columns:
        return sql.Composed([table])
    return sql.SQL("{} ({})").format(table, sql.SQL(", ").join(map(sql.Identifier, columns)))


class Backup:
    """One backup directory opened for restore."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        if not (self.directory / TOC_NAME).exists():
            raise RestoreError(f"{self.directory}: not a backup directory (no {TOC_NAME})")
        try:
            self.toc: Toc = read_toc(self.directory / TOC_NAME)
        except Exception as exc:  # noqa: BLE001 - msgspec's and json's errors alike
            raise RestoreError(f"{self.directory / TOC_NAME}: unreadable ({exc})") from None
        self.script = self.directory / self.toc.script
        if not self.script.exists():
            raise RestoreError(f"{self.directory}: {self.toc.script} is missing")
        self.encoding = python_encoding(self.toc.encoding)
        self.items = self.toc.items  # indexed by id

    def texts(self, ids: set[int]) -> dict[int, str]:
        """The text of the named entries (not table data), by TOC id, without touching any data unit."""
        return dict(self.iter_texts(ids))

    def iter_texts(self, ids: set[int]) -> Iterator[tuple[int, str]]:
        """The named entries' texts in script order, streamed: memory holds one entry at a time
        (large objects are many entries, as big as the objects)."""
        size = self.script.stat().st_size
        start, pending = 0, []
        runs = []
        for item in self.items:
            if item.unit_offset is not None:
                runs.append((start, item.unit_offset - start, pending))
                start, pending = item.unit_offset + (item.unit_length or 0), []
            else:
                pending.append(item)
        runs.append((start, size - start, pending))
        for offset, length, items in runs:
            if any(i.id in ids for i in items):
                yield from self._run_texts(offset, length, items, ids)

    def _run_texts(self, offset: int, length: int, items: list[TocItem], ids: set[int]) -> Iterator[tuple[int, str]]:
        buffer = bytearray()
        pos = items[0].offset  # the script offset of buffer[0]
        queue = iter(items)
        item = next(queue)
        try:
            for chunk in read_unit_range(self.script, self.toc.compression, offset, length):
                buffer += chunk
                while item is not None and pos + len(buffer) >= item.offset + item.length:
                    begin = item.offset - pos
                    if item.id in ids:
                        yield item.id, bytes(buffer[begin:begin + item.length]).decode(self.encoding)
                    del buffer[:begin + item.length]
                    pos = item.offset + item.length
                    item = next(queue, None)
        except (EOFError, OSError, ValueError) as exc:
            raise RestoreError(f"{self.script}: cannot be read ({exc}); is the backup complete?") from None
        except RestoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - zlib.error, zstd.ZstdError
            raise RestoreError(f"{self.script}: corrupt compressed data ({exc})") from None
        if item is not None or buffer:
            raise RestoreError(f"{self.script}: does not match its table of contents; is the backup complete?")

    def block(self, item: TocItem) -> "DataBlock":
        return DataBlock(self, item)


class DataBlock:
    """One TABLE DATA entry: its COPY header and a stream of its rows, checked against the TOC."""

    def __init__(self, backup: Backup, item: TocItem):
        self.backup, self.item = backup, item
        self.digest = hashlib.sha256()
        self._header: str | None = None

    def _chunks(self) -> Iterator[bytes]:
        try:
            yield from read_unit_range(self.backup.script, self.backup.toc.compression,
                                       self.item.unit_offset, self.item.unit_length)
        except (EOFError, OSError) as exc:
            raise RestoreError(f"{self.backup.script}: cannot be read ({exc}); is the backup complete?") from None
        except Exception as exc:  # noqa: BLE001 - zlib.error, zstd.ZstdError
            if isinstance(exc, RestoreError):
                raise
            raise RestoreError(f"{self.backup.script}: corrupt compressed data in {self.label} ({exc})") from None

    @property
    def label(self) -> str:
        return f"{self.item.schema}.{self.item.name}"

    def header(self) -> str:
        """The entry's text before the rows: a label comment and `COPY t (cols) FROM stdin;`."""
        if self._header is not None:
            return self._header
        want = self.item.data_offset - self.item.offset
        got = bytearray()
        chunks = self._chunks()
        try:
            for chunk in chunks:
                got += chunk
                if len(got) >= want:
                    break
        finally:
            chunks.close()
        if len(got) < want:
            raise RestoreError(f"{self.backup.script}: the block of {self.label} is shorter than its TOC says")
        self._header = bytes(got[:want]).decode(self.backup.encoding)
        return self._header

    def columns(self) -> list[str]:
        """The column names of the COPY header (our own rendering: every identifier double-quoted)."""
        statement = self.header().partition("\n")[2]  # after the one-line label comment
        names = [m.replace('""', '"') for m in _IDENT.findall(statement)]
        if not statement.startswith("COPY ") or len(names) < 2:
            raise RestoreError(f"{self.backup.script}: unexpected COPY header for {self.label}")
        return names[2:]

    def copy_from(self, freeze: bool = False) -> sql.Composed:
        """`COPY table (columns) FROM STDIN`, rebuilt from the header's names."""
        options = sql.SQL(" WITH (FREEZE)") if freeze else sql.SQL("")
        return sql.SQL("COPY {} FROM STDIN{}").format(copy_target(self.item.schema, self.item.name, self.columns()),
                                                      options)

    def rows(self, digest: bool = False) -> Iterator[bytes]:
        """The COPY rows exactly as backed up; with `digest`, their sha256 in `digest` once exhausted
        (only --verify needs it: hashing every byte costs a core about 1 s per 1.2 GB)."""
        skip = self.item.data_offset - self.item.offset
        left = self.item.data_length
        tail = b""
        for chunk in self._chunks():
            if skip:
                cut = min(skip, len(chunk))
                chunk, skip = chunk[cut:], skip - cut
            if left and chunk:
                piece = chunk[:left]
                left -= len(piece)
                chunk = chunk[len(piece):]
                if digest:
                    self.digest.update(piece)
                yield piece
            if chunk:
                tail += chunk
        if skip or left or not tail.startswith(COPY_TRAILER):
            raise RestoreError(f"{self.backup.script}: the block of {self.label} does not match its TOC "
                               f"(truncated or corrupt backup)")
