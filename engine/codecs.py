"""gzip, zstd and no compression behind one interface.

Every unit we write (a run of DDL, one table's COPY block or part of one) is a complete gzip
member or zstd frame. Concatenated, they are still one valid .gz/.zst file that `gunzip -c`
or `zstd -dc` reads as a single stream, and each unit can also be decompressed on its own,
which is what lets table data be written and restored in parallel.
"""

from __future__ import annotations

import gzip
import io
from typing import BinaryIO, Iterable, Iterator, Protocol

import zstandard

# zlib-ng writes the same gzip format as zlib at the same level and size, with 2.7x less CPU
# (benchmarks, level 6: 58 vs 22 MB/s per core, ratio 4.10 vs 4.09). Compression is most of a
# gzip backup's CPU, so without it pgbackup cannot be faster than pg_dump at equal output size.
try:
    from zlib_ng import gzip_ng as _gzip
    from zlib_ng import zlib_ng as zlib
except ImportError:  # a platform without its wheel: the standard library, slower, same output
    import zlib

    _gzip = gzip

from .config import Compression


class UnitCompressor(Protocol):
    def compress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class _Identity:
    def compress(self, data: bytes) -> bytes:
        return bytes(data)

    def flush(self) -> bytes:
        return b""


def unit_compressor(compression: Compression) -> UnitCompressor:
    """A compressor whose flush() ends one member/frame."""
    if compression.method == "gzip":
        return zlib.compressobj(compression.level, zlib.DEFLATED, 31)
    if compression.method == "zstd":
        # threads=N: zstd compresses on its own threads, off the GIL and off our reader.
        return zstandard.ZstdCompressor(level=compression.level, threads=compression.workers).compressobj()
    return _Identity()


def compress_unit(compression: Compression, data: bytes) -> bytes:
    comp = unit_compressor(compression)
    return comp.compress(data) + comp.flush()


def open_reader(path: str, compression: Compression) -> BinaryIO:
    """The whole file decompressed as one stream, across members/frames."""
    raw = open(path, "rb")
    if compression.method == "gzip":
        return _gzip.GzipFile(fileobj=raw, mode="rb")
    if compression.method == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.BufferedReader(reader, 1 << 20)
    return raw


def decompress_units(compression: Compression, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decompress a run of consecutive units given as an iterable of compressed chunks."""
    if compression.method == "none":
        yield from chunks
        return
    if compression.method == "gzip":
        new_decompressor = lambda: zlib.decompressobj(31)  # noqa: E731
    else:
        new_decompressor = zstandard.ZstdDecompressor().decompressobj
    decomp = new_decompressor()
    for chunk in chunks:
        while chunk:
            out = decomp.decompress(chunk)
            if out:
                yield out
            if decomp.eof:  # one member/frame ended: the next starts in unused_data
                chunk = decomp.unused_data
                decomp = new_decompressor()
            else:
                chunk = b""

