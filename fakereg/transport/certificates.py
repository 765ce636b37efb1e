"""HTTPS for a registry: a test certificate authority of its own, made with ``trustme``.

Each start makes a CA and a certificate for ``127.0.0.1``, ``::1`` and ``localhost``
signed by it, and writes the CA (PEM) under the root, so that cargo (``http.cainfo``),
git (``GIT_SSL_CAINFO``) and Python (:meth:`TestCa.client_context`) can trust it and
nothing else does. The server offers HTTP/2 (``h2``) and HTTP/1.1 by ALPN, as
index.crates.io does, or HTTP/1.1 only when ``http2=False``.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class TestCa:
    """A registry's CA: where its PEM is, and the server's TLS context."""

    __test__ = False  # (not a pytest class, whatever its name)

    ca_path: Path
    server_context: ssl.SSLContext

    @classmethod
    def create(cls, folder: Path, *, http2: bool = True) -> TestCa:
        """A new CA whose PEM is written to *folder*/``ca.pem``; the server context
        offers ``h2`` by ALPN when *http2*."""
        ca = trustme.CA(organization_name="fakereg test CA")
        certificate = ca.issue_cert(*HOSTS)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
        certificate.configure_cert(context)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(path))
        return cls(path, context)

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA (and only it)."""
        return ssl.create_default_context(cafile=str(self.ca_path))
