"""A strict reader of ``Transfer-Encoding: chunked`` framing (RFC 9112, section 7.1).

h11 decodes chunked bodies leniently (a bare LF ends a chunk line, for one); this reader
checks the framing first and tells where the body ends, so that a request whose framing
two parsers could read differently is refused, never guessed at.
"""

from __future__ import annotations

import re

from ..errors import InvalidError

_SIZE_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[^\r\n]*)?\Z")
_TRAILER_LINE = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*\Z")
_MAX_LINE = 4096


class ChunkedFraming:
    """Follows a chunked body as its bytes arrive: :meth:`scan` says how many of them
    belong to it, and :attr:`done` when its last chunk and trailers have come."""

    def __init__(self) -> None:
        self.done = False
        self._data_left = 0  # bytes of the current chunk's data still to come
        self._crlf = False  # the CRLF after a chunk's data is next
        self._trailers = False  # after the last chunk: trailer lines until a blank one

    def scan(self, data: bytes) -> int:
        """How many bytes at the start of *data* belong to the body (all, or up to its
        end); InvalidError when the framing is broken."""
        at = 0
        end = len(data)
        while at < end and not self.done:
            if self._data_left:
                step = min(self._data_left, end - at)
                self._data_left -= step
                at += step
                if not self._data_left:
                    self._crlf = True
                continue
            if self._crlf:
                if end - at < 2:
                    if data[at:end] not in (b"\r",):
                        raise InvalidError("chunk data not followed by CRLF")
                    return at
                if data[at : at + 2] != b"\r\n":
                    raise InvalidError("chunk data not followed by CRLF")
                at += 2
                self._crlf = False
                continue
            line_end = data.find(b"\r\n", at, at + _MAX_LINE + 2)
            if line_end < 0:
                if b"\n" in data[at : at + _MAX_LINE] or end - at > _MAX_LINE:
                    raise InvalidError("chunk line too long or not ended by CRLF")
                return at
            line = data[at:line_end]
            if b"\n" in line or b"\r" in line:
                raise InvalidError("a bare CR or LF in a chunk line")
            at = line_end + 2
            if self._trailers:
                if not line:
                    self.done = True
                elif not _TRAILER_LINE.match(line):
                    raise InvalidError("malformed trailer field")
                continue
            size = _SIZE_LINE.match(line)
            if size is None:
                raise InvalidError(f"malformed chunk size line {line[:40]!r}")
            self._data_left = int(size.group(1), 16)
            if not self._data_left:
                self._trailers = True
        return at
