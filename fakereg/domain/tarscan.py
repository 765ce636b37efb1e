"""A strict, fast reader of the gzip tar archives cargo writes (``.crate`` files).

Python's ``tarfile`` spends most of a small crate's checking time building objects for
headers; a ``.crate`` needs far less: each entry's path, type and size, and the data of the
few files asked for. This reader inflates the archive as it walks its 512-byte headers,
keeping only a window of it and the files asked for, and counts what it inflated against a
limit: a gzip bomb costs bounded memory and stops at the limit. It understands what cargo's
``tar`` crate and other tools write: ustar and GNU headers, GNU long names (``L``) and pax
``path`` records.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import TarError, TooLargeError

BLOCK = 512
_ZERO_BLOCK = bytes(BLOCK)
REGULAR_TYPES = frozenset({b"0", b"\0", b"7"})
DIRECTORY_TYPE = b"5"
_META_TYPES = frozenset({b"L", b"K", b"x", b"g"})  # long names, pax records


@dataclass(frozen=True)
class TarEntry:
    """One entry: its path, its type flag, and where its data lies in the unpacked archive."""

    path: str
    kind: bytes
    start: int
    size: int

    @property
    def is_file(self) -> bool:
        return self.kind in REGULAR_TYPES

    @property
    def is_dir(self) -> bool:
        return self.kind == DIRECTORY_TYPE


#: How much is inflated at a time (the most an archive's walk holds besides kept files).
CHUNK = 256 * 1024
#: The longest GNU long name or pax record accepted.
MAX_META = 64 * 1024


class _Inflated:
    """The unpacked bytes of a gzip member, read forward in bounded chunks."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = data
        self._buffer = bytearray()
        self._total = 0
        self._limit = limit

    def _more(self) -> bool:
        """Inflate one more chunk into the buffer; False at the end of the gzip member."""
        if self._inflater.eof:
            return False
        try:
            chunk = self._inflater.decompress(self._pending, CHUNK)
        except zlib.error as exc:
            raise TarError(f"not gzip data ({exc})") from None
        self._pending = self._inflater.unconsumed_tail
        if not chunk and not self._inflater.eof and not self._pending:
            raise TarError("the gzip data is truncated")
        self._total += len(chunk)
        if self._total > self._limit:
            raise TooLargeError(f"it unpacks to more than {self._limit} bytes")
        self._buffer += chunk
        return True

    def read(
        self, size: int, early: str = "an entry's data runs past the end of the archive"
    ) -> bytes:
        """The next *size* bytes; TarError saying *early* when the archive ends first."""
        while len(self._buffer) < size:
            if not self._more():
                raise TarError(early)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def skip(self, size: int) -> None:
        """Pass over the next *size* bytes without keeping them."""
        while size > 0:
            if not self._buffer and not self._more():
                raise TarError("an entry's data runs past the end of the archive")
            taken = min(size, len(self._buffer))
            del self._buffer[:taken]
            size -= taken

    def drain(self) -> None:
        """Inflate what is left (counted, not kept): the member must end, within the limit."""
        while self._more():
            self._buffer.clear()
        if not self._inflater.eof:
            raise TarError("the gzip data is truncated")


def _number(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256 for large values
        value = int.from_bytes(field[1:], "big")
        return value
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarError(f"a header holds a bad number {field!r}") from None


def _text(field: bytes) -> str:
    try:
        return field.split(b"\0", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        raise TarError("an entry's path is not UTF-8") from None


def _pax_path(records: bytes) -> str | None:
    path = None
    pos = 0
    while pos < len(records):
        space = records.find(b" ", pos)
        if space < 0:
            raise TarError("a pax header is malformed")
        try:
            length = int(records[pos:space])
        except ValueError:
            raise TarError("a pax header is malformed") from None
        record = records[space + 1 : pos + length - 1]
        key, _, value = record.partition(b"=")
        if key == b"path":
            path = _text(value)
        if length <= 0:
            raise TarError("a pax header is malformed")
        pos += length
    return path


def entries(
    data: bytes, limit: int, keep: Callable[[str, int], bool] = lambda path, size: False
) -> Iterator[tuple[TarEntry, bytes | None]]:
    """The entries of a gzip tar archive, checked for well-formed headers, each with its
    data when ``keep(path, size)`` asks for it (else None). More than *limit* bytes
    unpacked is a :class:`TooLargeError`, raised as soon as the count passes it."""
    stream = _Inflated(data, limit)
    pos = 0
    long_name: str | None = None
    while True:
        header = stream.read(BLOCK, "the archive ends inside a header (no end-of-archive marker)")
        if header == _ZERO_BLOCK:
            stream.drain()
            return
        stored = _number(header[148:156])
        if stored != sum(header[:148]) + 8 * 32 + sum(header[156:]):
            raise TarError("a header's checksum does not match")
        size = _number(header[124:136])
        kind = header[156:157]
        start = pos + BLOCK
        padded = -(-size // BLOCK) * BLOCK
        pos = start + padded
        if kind in _META_TYPES:
            if size > MAX_META:
                raise TarError("a long name or pax header is too large")
            body = stream.read(size)
            stream.skip(padded - size)
            if kind == b"L":
                long_name = _text(body)
            elif kind == b"x":
                long_name = _pax_path(body) or long_name
            continue
        path = _text(header[:100])
        if header[257:263] == b"ustar\0" and header[345:346] != b"\0":  # POSIX prefix
            path = f"{_text(header[345:500])}/{path}"
        if long_name is not None:
            path, long_name = long_name, None
        kept = None
        if kind in REGULAR_TYPES and keep(path, size):
            kept = stream.read(size)
            stream.skip(padded - size)
        else:
            stream.skip(padded)
        yield TarEntry(path, kind, start, size), kept
