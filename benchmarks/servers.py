"""Reference servers started and stopped by benchmarks and tests: nginx (static files, or a
reverse proxy with upstream keep-alive) and ``git daemon``, on free loopback ports.

nginx comes from the machine's package manager (Debian: ``nginx-light``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int) -> None:
    """Return once something accepts connections on *port* (10 s at most)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


def nginx_binary() -> str | None:
    """Where nginx is, or None."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return binary if os.access(binary, os.X_OK) else None


def nginx_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A certificate for 127.0.0.1 from a CA of its own: (certificate, key, CA) PEM files."""
    import trustme

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    paths = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(paths[0]))
    issued.private_key_pem.write_to_path(str(paths[1]))
    ca.cert_pem.write_to_path(str(paths[2]))
    return paths


class Nginx:
    """nginx on a loopback port: serving the files under *root*, or, with *upstream* (a
    port), a reverse proxy to 127.0.0.1:*upstream* over HTTP/1.1 with upstream keep-alive
    (the connections to the upstream are shared by all clients, as in production)."""

    def __init__(
        self,
        root: Path | None,
        work: Path,
        tls: tuple[Path, Path] | None = None,
        *,
        upstream: int | None = None,
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise SystemExit("nginx is not installed: apt-get install nginx-light")
        if (root is None) == (upstream is None):
            raise ValueError("Nginx serves either a root folder or an upstream port")
        self.port = free_port()
        work.mkdir(parents=True, exist_ok=True)
        self.error_log = work / "error.log"
        listen = f"127.0.0.1:{self.port}"
        if tls is not None:  # HTTPS with HTTP/2 by ALPN, as index.crates.io
            listen += f" ssl http2;\n    ssl_certificate {tls[0]}"
            listen += f";\n    ssl_certificate_key {tls[1]}"
        if upstream is None:
            site = f"    root {root};\n"
            upstreams = ""
        else:
            upstreams = (
                f"  upstream registry {{\n    server 127.0.0.1:{upstream};\n"
                "    keepalive 4;\n  }\n"
            )
            site = (
                "    location / {\n      proxy_pass http://registry;\n"
                '      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n'
                "      proxy_set_header Host $http_host;\n    }\n"
            )
        (work / "nginx.conf").write_text(
            # As root, nginx's worker would run as nobody, who cannot enter temporary dirs.
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\n"
            f"error_log {self.error_log};\n"
            "events { worker_connections 1024; }\n"
            "http {\n  access_log off;\n  default_type text/plain;\n"
            f"  client_body_temp_path {work};\n  proxy_temp_path {work};\n"
            f"  fastcgi_temp_path {work};\n  uwsgi_temp_path {work};\n  scgi_temp_path {work};\n"
            f"{upstreams}  server {{\n    listen {listen};\n{site}  }}\n}}\n"
        )
        self.process = subprocess.Popen(
            [binary, "-c", str(work / "nginx.conf"), "-p", str(work)], stderr=subprocess.DEVNULL
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        """Stop nginx and wait for it."""
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self) -> Nginx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class GitDaemon:
    """``git daemon`` serving the bare repositories under *base*."""

    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                "git",
                "daemon",
                "--reuseaddr",
                "--export-all",
                f"--base-path={base}",
                "--listen=127.0.0.1",
                f"--port={self.port}",
                str(base),
            ],
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
