"""The backup script (`backup.sql.gz`) and its table of contents (`backup.toc.json`).

The script is plain SQL that psql runs as it is. The TOC records where every entry starts
and ends in the uncompressed script, so the pure-Python restore never has to guess statement
boundaries from the text (a function body may well contain a line reading `\\.`), and where
each table's COPY block sits in the compressed file, so that blocks can be restored in parallel.
"""

from __future__ import annotations

import functools
import secrets
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Iterator

import msgspec

from .artifacts import HashedWriter, sha256_file
from .codecs import compress_unit, decompress_units, open_reader
from .config import Compression
from .ddl.quoting import comment_safe, ident

TOC_NAME = "backup.toc.json"
# 2: an item's dependencies are the ids of earlier items (1 named them by entry key: the TOC of
# a large schema was mostly repeated keys, and reading it back cost more than writing the script).
# 3: an object's ALTER ... OWNER TO ends its own item (`owner_length`), where 2 gave it an OWNER
# item; a 2 reads as a 3 without owner lengths. A reader of 2 refuses a 3: it would run the
# owner's statement under --no-owner, or fail the whole item on a missing role.
TOC_FORMAT = 3
READS_FORMATS = (2, 3)
COPY_TRAILER = b"\\.\n"
FLUSH_AT = 1 << 20
UNITS_QUEUED = 4  # text units waiting to be compressed: memory stays bounded

# How the script is laid out, which the restore follows too. An object's comment and security
# label come right after it, as pg_dump writes them (its owner too, in TOCs of format 2; since,
# at the end of its own text). And pg_dump's restore passes
# (pg_backup_archiver.c's _tocEntryRestorePass): privileges after all else, data and post-data
# included, so that an owner who revoked its own rights still loads its tables; then what needs
# them in place (a materialized view's first refresh reads as its owner) and event triggers,
# which would fire on the restore's own GRANTs. An entry keeps its section.
FOLLOWER_KINDS = ("OWNER", "COMMENT", "SECURITY LABEL")
RESTORE_PASSES = (("ACL", "DEFAULT ACL"), ("MATERIALIZED VIEW DATA", "EVENT TRIGGER"))


# A TOC holds 10^5 items: no default written out, and no cycles possible (strings, ints, lists of
# ints, a tuple of strings), so the garbage collector need not track them: its passes over a large
# TOC cost more than decoding it.
class TocItem(msgspec.Struct, omit_defaults=True, gc=False):
    id: int
    key: str
    kind: str  # pg_dump's names; PSQL for meta-commands, SET for session settings
    section: str
    schema: str | None
    name: str
    owner: str | None
    offset: int  # in the uncompressed script
    length: int
    deps: list[int] = []  # ids of the items this one needs, all earlier in the script
    data_offset: int = 0  # TABLE DATA: where the rows begin, after the COPY header
    data_length: int = 0
    unit_offset: int | None = None  # TABLE DATA: its own gzip members / zstd frames
    unit_length: int | None = None
    rows: int | None = None
    # default_tablespace the entry runs under: a name, '' the database's default, None any. The
    # script SETs it in an item of its own (kind SET) when it changes; a restore connection
    # sets it per entry (older TOCs: None throughout).
    tablespace: str | None = None
    # What undoes the entry's CREATE, as the backup's own --clean writes it (engine/ddl/common.py
    # drop_statement): (kind, target, on table), names already quoted. None: nothing to drop, or a
    # TOC written before this field.
    drop: tuple[str, str, str | None] | None = None
    # The last owner_length bytes of the item are its ALTER ... OWNER TO (TOC format 3), which a
    # restore leaves out under --no-owner or for a missing role.
    owner_length: int = 0


class Toc(msgspec.Struct):
    format: int  # TOC_FORMAT
    compression: Compression
    script: str
    encoding: str
    items: list[TocItem]


def session_settings(encoding: str) -> str:
    """What every session restoring the script needs, as pg_dump sets it."""
    return (
        "SET statement_timeout = 0;\n"
        "SET lock_timeout = 0;\n"
        "SET idle_in_transaction_session_timeout = 0;\n"
        f"SET client_encoding = '{encoding}';\n"
        "SET standard_conforming_strings = on;\n"
        "SELECT pg_catalog.set_config('search_path', '', false);\n"
        "SET check_function_bodies = false;\n"
        "SET xmloption = content;\n"
        "SET client_min_messages = warning;\n"
        "SET row_security = off;\n"
    )


class ScriptWriter:
    """Appends entries in order; text runs are grouped into units, each data block is its own."""

    def __init__(self, path: Path, compression: Compression, encoding: str, tablespaces: bool = True,
                 owners: bool = True):
        self.path, self.compression, self.encoding = path, compression, encoding
        self.file: BinaryIO = open(path, "xb")
        self.out = HashedWriter(self.file)  # every write goes through it: the manifest's record
        self.items: list[TocItem] = []
        self.ids: dict[str, int] = {}  # entry key -> its item's id
        self.raw_pos = 0
        self.pending: list[str] = []  # text of the next unit, encoded when it is written
        self.pending_size = 0
        self.restrict_key = secrets.token_hex(16)
        self.codec = python_encoding(encoding)
        self.tablespaces = tablespaces  # False: --no-tablespaces, entries run under the target's default
        self.owners = owners  # False: --no-owner, no entry's ALTER ... OWNER TO
        self.tablespace: str | None = None  # default_tablespace as the script has set it; None: not yet
        # Text units are compressed and written on a thread of their own, in order: compressing
        # releases the GIL, so the next entries are formatted meanwhile (of writing the script of
        # 10^4 tables, a fifth was compressing).
        self._units = ThreadPoolExecutor(1, thread_name_prefix="script-units")
        self._queued: deque[Future] = deque()

    def _item(self, length: int, **fields) -> TocItem:
        item = TocItem(id=len(self.items), offset=self.raw_pos, length=length, **fields)
        self.items.append(item)
        self.raw_pos += length
        return item

    def _buffer(self, text: str) -> int:
        """Queue text for the next unit; its length in the script's encoding."""
        size = len(text) if text.isascii() else len(text.encode(self.codec))
        self.pending.append(text)
        self.pending_size += size
        if self.pending_size >= FLUSH_AT:
            self._flush()
        return size

    def _flush(self) -> None:
        """Queue the pending text as one unit, encoded at once: ASCII is one byte in every
        encoding PostgreSQL has (all supersets of it), so a text's length was its size."""
        if self.pending:
            data = "".join(self.pending).encode(self.codec)
            self.pending, self.pending_size = [], 0
            if len(self._queued) >= UNITS_QUEUED:
                self._queued.popleft().result()
            self._queued.append(self._units.submit(self._write_unit, data))

    def _write_unit(self, data: bytes) -> None:
        self.out.write(compress_unit(self.compression, data))

    def _written(self) -> None:
        """Every unit so far in the file: before writing to it here, or closing it."""
        self._flush()
        while self._queued:
            self._queued.popleft().result()

    def begin(self, title: str) -> None:
        """Header: a psql guard against meta-commands (as pg_dump 18's \\restrict), then settings."""
        self._item(self._buffer(f"--\n-- {comment_safe(title)}\n--\n\n"), key="header", kind="COMMENT",
                   section="pre-data", schema=None, name="header", owner=None)
        self._item(self._buffer(f"\\restrict {self.restrict_key}\n\n"), key="restrict", kind="PSQL",
                   section="pre-data", schema=None, name="restrict", owner=None)
        self._item(self._buffer(session_settings(self.encoding) + "\n"), key="settings", kind="SET",
                   section="pre-data", schema=None, name="settings", owner=None)

    def sql(self, entry, text: str) -> None:
        """One statement group, then its owner's, as its own TOC item (10^5 of them: kept to the
        bare work). The public schema's text is empty: its item is its owner's alone."""
        owner = entry.alter_owner if self.owners else ""
        if not text and not owner:
            return
        tablespace = entry.tablespace if self.tablespaces else None
        if tablespace is not None and tablespace != self.tablespace:
            self._set_tablespace(entry)
        schema = entry.schema
        label = comment_safe(f"-- {entry.kind}: {schema}.{entry.name}" if schema else f"-- {entry.kind}: {entry.name}")
        if owner:
            owner += "\n"
            owner_size = len(owner) if owner.isascii() else len(owner.encode(self.codec))
            size = self._buffer(f"{label}\n{text}\n{owner}" if text else f"{label}\n{owner}")
        else:
            owner_size, size = 0, self._buffer(f"{label}\n{text}\n")
        deps = self._dep_ids(entry)
        self.ids[entry.key] = item_id = len(self.items)
        # Positional: msgspec builds a struct from keywords markedly slower.
        self.items.append(TocItem(item_id, entry.key, entry.kind, entry.section, schema, entry.name, entry.owner,
                                  self.raw_pos, size, deps, 0, 0, None, None, None, tablespace, entry.drop,
                                  owner_size))
        self.raw_pos += size

    def _set_tablespace(self, entry) -> None:
        """pg_backup_archiver.c's _selectTablespace: SET default_tablespace, as its own SET item.

        Not part of the entry's text: `pgbackup restore` skips SET items and sets each entry's
        tablespace on whichever connection runs it, where psql runs the script in order.
        """
        self.tablespace = entry.tablespace
        value = ident(entry.tablespace) if entry.tablespace else "''"
        self._item(self._buffer(f"SET default_tablespace = {value};\n\n"), key=entry.key + "/tablespace",
                   kind="SET", section=entry.section, schema=None, name="default_tablespace", owner=None)

    def _dep_ids(self, entry) -> list[int]:
        """Dependencies already written (those left out of the backup are not there to wait for)."""
        ids = self.ids
        try:
            return [ids[key] for key in entry.deps]  # in a whole backup, every one is: half the time
        except KeyError:
            return [i for i in map(ids.get, entry.deps) if i is not None]

    def data(self, entry, parts: list["Part"]) -> None:
        """A COPY block: header unit, the workers' compressed parts as they are, trailer unit."""
        self._written()
        label = comment_safe(f"-- TABLE DATA: {entry.schema}.{entry.name}") + "\n"
        header = (label + entry.sql).encode(self.codec)
        unit_offset = self.file.tell()
        self.out.write(compress_unit(self.compression, header))
        raw = 0
        rows = 0
        for part in parts:
            with open(part.path, "rb") as src:
                while chunk := src.read(1 << 20):
                    self.out.write(chunk)
            raw += part.raw_bytes
            rows += part.rows
        trailer = COPY_TRAILER + b"\n"
        self.out.write(compress_unit(self.compression, trailer))
        self.ids[entry.key] = len(self.items)
        item = self._item(len(header) + raw + len(trailer), key=entry.key, kind=entry.kind, section=entry.section,
                          schema=entry.schema, name=entry.name, owner=entry.owner, deps=self._dep_ids(entry),
                          unit_offset=unit_offset, unit_length=self.file.tell() - unit_offset, rows=rows)
        item.data_offset = item.offset + len(header)
        item.data_length = raw

    def end(self) -> list[TocItem]:
        """The last item, and every item: the TOC can be written while the script's last units are
        still being compressed (10^4 tables: 0.02 s), which close() waits for."""
        self._item(self._buffer(f"\\unrestrict {self.restrict_key}\n\n"), key="unrestrict", kind="PSQL",
                   section="post-data", schema=None, name="unrestrict", owner=None)
        self._flush()
        return self.items

    def close(self) -> None:
        """Every unit in the file, and the file closed (synced with the backup's other files,
        before it takes its final name); a unit's failure is raised here."""
        if self.file.closed:
            return
        try:
            self._written()
        finally:
            self._units.shutdown()
            self.file.close()


class Part(msgspec.Struct, frozen=True):
    """One worker's output: compressed units holding `rows` rows of COPY text (or a CSV file)."""

    path: str
    rows: int
    raw_bytes: int
    unit_bytes: int
    sha256: str = ""  # a CSV file's, for the manifest: the script hashes the parts it copies


@functools.lru_cache(maxsize=None)
def python_encoding(pg_encoding: str) -> str:
    from psycopg._encodings import pg2pyenc  # noqa: PLC0415

    return pg2pyenc(pg_encoding.encode())


class WrittenToc(msgspec.Struct):
    """A TOC as this process wrote it: `read_toc` of a file of `size` bytes hashing to `sha256`
    gives `toc`. The size and hash are those the backup's manifest records for the file."""

    toc: Toc
    size: int
    sha256: str


TOC_BATCH = 4096  # items encoded at a time


def write_toc(path: Path, toc: Toc) -> WrittenToc:
    """The TOC, byte for byte as msgspec encodes it whole, but in batches of items through one
    buffer, hashed as written: on 10^4 tables the whole text was one 13.6 MB buffer, 3,300 page
    faults in a new process, and hashing it meant reading the file back."""
    encoder = msgspec.json.Encoder()
    head = encoder.encode(msgspec.structs.replace(toc, items=[]))  # ...,"items":[]}
    buffer = bytearray()
    with open(path, "xb") as f:
        out = HashedWriter(f)
        if not toc.items:
            out.write(head)
        else:
            out.write(memoryview(head)[:-3])
            for start in range(0, len(toc.items), TOC_BATCH):
                encoder.encode_into(toc.items[start:start + TOC_BATCH], buffer)  # [item,...]
                if start:
                    buffer[0] = ord(",")
                out.write(memoryview(buffer)[:-1])
            out.write(b"]}")
    return WrittenToc(toc, out.size, out.digest.hexdigest())


class _TocItemV1(TocItem, gc=False):
    deps: list[str] = []  # format 1: entry keys


class _TocV1(msgspec.Struct):
    format: int
    compression: Compression
    script: str
    encoding: str
    items: list[_TocItemV1]


def read_toc(path: Path, written: WrittenToc | None = None) -> Toc:
    """The TOC, any format, as format 2; ValueError if its item ids are not their positions.

    `written`: the TOC this process wrote there, taken as it is if the file still has its size
    and hash (the same as decoding and checking it, without the cost on 10^5 items).
    """
    path = Path(path)
    if written is not None and path.stat().st_size == written.size and sha256_file(path) == written.sha256:
        return written.toc  # ScriptWriter numbers its items and their dependencies as it writes them
    raw = path.read_bytes()
    if raw.startswith(b'{"format":1,'):  # how every format-1 TOC begins
        toc = _from_v1(msgspec.json.decode(raw, type=_TocV1))
    else:
        toc = msgspec.json.decode(raw, type=Toc)
    if toc.format not in READS_FORMATS:
        raise ValueError(f"TOC format {toc.format} is not one this version reads "
                         f"({', '.join(map(str, READS_FORMATS))})")
    for position, item in enumerate(toc.items):
        if item.id != position or (item.deps and (max(item.deps) >= position or min(item.deps) < 0)):
            raise ValueError(f"TOC item {position} has id {item.id} or a dependency that is not an earlier item")
        if not 0 <= item.owner_length <= item.length:
            raise ValueError(f"TOC item {position}: its owner's statement is longer than the item")
    return toc


def split_owner(item: TocItem, text: str, codec: str) -> tuple[str, str]:
    """An item's text without its owner's statement, and that statement ('' for none)."""
    if not item.owner_length:
        return text, ""
    raw = text.encode(codec)
    cut = len(raw) - item.owner_length
    return raw[:cut].decode(codec), raw[cut:].decode(codec)


def _from_v1(old: _TocV1) -> Toc:
    ids = {item.key: item.id for item in old.items}
    items = [TocItem(**{f: getattr(item, f) for f in TocItem.__struct_fields__ if f != "deps"},
                     deps=[ids[key] for key in item.deps if key in ids])
             for item in old.items]
    return Toc(2, old.compression, old.script, old.encoding, items)  # format 2's items, OWNER ones included


def iter_entries(directory: Path, toc: Toc) -> Iterator[tuple[TocItem, BinaryIO]]:
    """Each TOC item with a reader positioned at its first byte in the uncompressed script.

    The caller must consume exactly `item.length` bytes (or leave the rest to us) before the next.
    """
    with open_reader(str(directory / toc.script), toc.compression) as stream:
        pos = 0
        for item in toc.items:
            if item.offset != pos:
                raise ValueError(f"TOC item {item.id} at {item.offset}, stream at {pos}")
            reader = _Bounded(stream, item.length)
            yield item, reader
            reader.drain()
            pos += item.length


class _Bounded:
    """A read-only view of the next n bytes of a stream."""

    def __init__(self, stream: BinaryIO, length: int):
        self.stream, self.left = stream, length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.stream.read(size)
        if len(data) < size and size > 0 and not data:
            raise EOFError("backup script ends before its table of contents says")
        self.left -= len(data)
        return data

    def read_exact(self, size: int) -> bytes:
        chunks = []
        while size > 0:
            data = self.read(size)
            if not data:
                raise EOFError("backup script ends before its table of contents says")
            chunks.append(data)
            size -= len(data)
        return b"".join(chunks)

    def drain(self) -> None:
        while self.left > 0:
            if not self.read(min(self.left, 1 << 20)):
                raise EOFError("backup script ends before its table of contents says")


def read_unit_range(path: Path, compression: Compression, offset: int, length: int) -> Iterator[bytes]:
    """Decompressed bytes of the units stored at [offset, offset+length) of the file."""

    def chunks() -> Iterator[bytes]:
        with open(path, "rb") as f:
            f.seek(offset)
            left = length
            while left > 0:
                data = f.read(min(left, 1 << 20))
                if not data:
                    raise EOFError("backup script is shorter than its table of contents says")
                left -= len(data)
                yield data

    return decompress_units(compression, chunks())
