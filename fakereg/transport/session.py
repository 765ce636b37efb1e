"""What an HTTP engine (:class:`~.http1.Http1`, :class:`~.http2.Http2`) and the connection
carrying it offer each other. Engines are sans-IO: they are given bytes and answer events,
and hand back bytes, requests and instructions through their :class:`Link`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

from .events import AnswerEvent, Exchange
from .fastpath import Replayer

#: The most bytes of a request line and header fields (as http.server's limit).
HEAD_LIMIT = 65536
#: The most header fields a request may have.
MAX_FIELDS = 100
#: Answer bytes queued for a client that is not reading them, past which its connection
#: takes no more requests and sends no more answers until it reads (backpressure: a client
#: that pipelines requests, or opens streams, and never reads cannot grow our memory).
OUTPUT_HIGH = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What the transport accepts: the longest request body it reads (a longer one reaches
    the application cut, for it to refuse by length), whether HTTP/2 may be spoken in
    cleartext (prior knowledge, ``Upgrade: h2c``), and HTTP/2's concurrent streams."""

    max_body: int = 16 * 1024 * 1024
    http2: bool = True
    max_concurrent_streams: int = 100


class Link(Protocol):
    """The connection as an engine sees it."""

    scheme: str
    client: tuple[str, int]
    replay: Replayer | None

    @property
    def backlogged(self) -> bool:
        """Whether more than :data:`OUTPUT_HIGH` bytes wait for the client to read them:
        the engine starts nothing new until :meth:`Session.resume` is called."""

    def send(self, data: bytes) -> None:
        """Queue *data* for the client."""

    def dispatch(self, exchange: Exchange) -> None:
        """Have a worker answer *exchange* (its events come back through ``answer``)."""

    def close(self, how: str = "close") -> None:
        """End the connection once what is queued is sent: ``close`` (a FIN, after TLS's
        close_notify), ``eof`` (a FIN without close_notify) or ``reset`` (a TCP reset, now)."""

    def upgrade(self, settings: bytes, exchange: Exchange, rest: bytes) -> None:
        """Switch to HTTP/2 (``Upgrade: h2c``): *exchange* is stream 1, *rest* the bytes
        read past it."""


class Session(ABC):
    """An HTTP engine on one connection; :attr:`completed` counts the requests it has
    read whole (the connection's deadline starts afresh after each)."""

    completed: int = 0

    @abstractmethod
    def receive(self, data: bytes) -> None:
        """Bytes from the client (empty: the client closed its side)."""

    @abstractmethod
    def answer(self, stream_id: int, event: AnswerEvent) -> None:
        """A worker's answer event for the request on *stream_id* (0 on HTTP/1.1)."""

    @abstractmethod
    def resume(self) -> None:
        """The client has read what was queued: go on with what backpressure held."""

    @abstractmethod
    def shutdown(self) -> None:
        """The server stops: finish what is in flight, take no new requests."""

    @property
    @abstractmethod
    def wants_read(self) -> bool:
        """Whether the engine takes bytes now (HTTP/1.1 reads no pipelined request while
        it answers one)."""

    @property
    @abstractmethod
    def busy(self) -> bool:
        """Whether requests are with workers (or held), so the connection is not idle."""
