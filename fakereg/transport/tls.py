"""TLS on memory buffers: the poller moves the bytes, so a handshake never blocks a thread
and a connection can end with or without TLS's ``close_notify``."""

from __future__ import annotations

import contextlib
import ssl


class TlsLayer:
    """The server side of one TLS connection, fed and drained by the poller."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.ready = False  # the handshake is done
        self.closed = False  # the client sent close_notify

    @property
    def alpn(self) -> str | None:
        """The protocol the handshake chose by ALPN (``h2``, ``http/1.1``), if any."""
        return self._tls.selected_alpn_protocol()

    def receive(self, data: bytes) -> bytes:
        """Decrypt *data* (empty: the TCP connection ended); the plaintext that completes.
        ssl.SSLError when the client's TLS is broken."""
        if data:
            self._incoming.write(data)
        else:
            self._incoming.write_eof()
        if not self.ready:
            try:
                self._tls.do_handshake()
            except ssl.SSLWantReadError:
                return b""
            self.ready = True
        chunks = []
        while True:
            try:
                chunk = self._tls.read(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.closed = True
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def send(self, data: bytes) -> None:
        """Encrypt *data* (:meth:`wire` gives the result)."""
        self._tls.write(data)

    def close_notify(self) -> None:
        """Queue TLS's ``close_notify`` alert."""
        with contextlib.suppress(ssl.SSLWantReadError, ssl.SSLError):
            self._tls.unwrap()

    def wire(self) -> bytes:
        """The encrypted bytes to send."""
        return self._outgoing.read()
