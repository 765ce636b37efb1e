"""A strict, fast reader of the gzip tar archives cargo writes (``.crate`` files).

Python's ``tarfile`` spends most of a small crate's checking time building objects for
headers; a ``.crate`` needs far less: each entry's path, type and data. This reader walks the
512-byte headers of the whole decompressed archive (bounded, so a gzip bomb stops early) and
understands what cargo's ``tar`` crate and other tools write: ustar and GNU headers, GNU long
names (``L``) and pax ``path`` records.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
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


def gunzip(data: bytes, limit: int) -> bytes:
    """The first gzip member of *data*, refusing more than *limit* bytes unpacked."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise TarError(f"not gzip data ({exc})") from None
    if len(raw) > limit:
        raise TooLargeError(f"it unpacks to more than {limit} bytes")
    if not inflater.eof:
        raise TarError("the gzip data is truncated")
    return raw


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


def entries(raw: bytes) -> Iterator[TarEntry]:
    """The entries of an unpacked tar archive, checked for well-formed headers."""
    pos = 0
    long_name: str | None = None
    end = len(raw)
    while True:
        if pos + BLOCK > end:
            raise TarError("the archive ends inside a header (no end-of-archive marker)")
        header = raw[pos : pos + BLOCK]
        if header == _ZERO_BLOCK:
            return
        stored = _number(header[148:156])
        if stored != sum(header[:148]) + 8 * 32 + sum(header[156:]):
            raise TarError("a header's checksum does not match")
        size = _number(header[124:136])
        kind = header[156:157]
        start = pos + BLOCK
        pos = start + -(-size // BLOCK) * BLOCK
        if start + size > end:
            raise TarError("an entry's data runs past the end of the archive")
        if kind in _META_TYPES:
            body = raw[start : start + size]
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
        yield TarEntry(path, kind, start, size)
