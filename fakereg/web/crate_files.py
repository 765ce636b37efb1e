"""The ``.crate`` files: served from the registry's static path, and crates.io's redirect.

crates.io serves archives from a static host, which its ``config.json`` names as ``dl``
(``https://static.crates.io/crates``); its API route
``/api/v1/crates/{name}/{version}/download`` only says where a file is. This registry does
the same below its own URL (:data:`~fakereg.domain.names.DOWNLOAD_PATH`, ``/dl``):

- ``GET {dl}/{name}/{version}/download``, the URL cargo makes of a ``dl`` without markers,
  and ``GET {dl}/{name}/{name}-{version}.crate``, the file as crates.io stores it and as its
  redirect names it: the bytes, counted as a download (kind ``download``, faultable, kept
  and replayed by the server like an index file);
- ``GET /api/v1/crates/{name}/{version}/download``: a 302 to the second form, or
  ``{"url": …}`` for a client that accepts JSON (kind ``download_redirect``).
"""

from __future__ import annotations

import functools

from werkzeug.wrappers import Request, Response

from ..domain.names import DOWNLOAD_PATH, archive_file, archive_version, is_valid_crate_name
from ..errors import ApiError
from ..storage.downloads import DownloadCounter
from ..storage.store import CrateStore
from .answer_cache import CacheHint
from .context import context_of
from .http import checked_version, where_answer


def download_url(url: str) -> str:
    """``config.json``'s ``dl`` for a registry served at *url*: its static path."""
    return f"{url}{DOWNLOAD_PATH}"


class CrateFiles:
    """Serves the archives under :func:`download_url`, and the API's redirect to them."""

    def __init__(self, store: CrateStore, downloads: DownloadCounter, url: str) -> None:
        self._store = store
        self._downloads = downloads
        self._dl = download_url(url)

    def location(self, name: str, version: str) -> str:
        """Where crates.io's redirect sends a client: the archive's file on the static path,
        ``+`` escaped as ``%2B`` (crates.io's ``StorageKey::cdn_path``, src/storage.rs)."""
        return f"{self._dl}/{name}/{archive_file(name, version)}".replace("+", "%2B")

    def download(self, request: Request, name: str, version: str) -> Response:
        """``GET {dl}/{name}/{version}/download``: the archive."""
        return self._serve(request, name, version)

    def archive(self, request: Request, name: str, archive: str) -> Response:
        """``GET {dl}/{name}/{name}-{version}.crate``: the archive (the pipeline noted the
        version the file names, for faults and records)."""
        version = archive_version(name, archive)
        if version is None:
            raise ApiError(
                404, f"no file `{archive}` here: crate `{name}`'s are `{name}-<version>.crate`"
            )
        return self._serve(request, name, version)

    def _serve(self, request: Request, name: str, version: str) -> Response:
        # A static host: no 400 for a version that is not semver, the file is not there.
        key = self._store.crate_stat_key(name, version)
        data = self._store.crate_bytes(name, version)
        if data is None:
            if self._store.canonical(name) is None:
                raise ApiError(404, f"crate `{name}` does not exist")
            raise ApiError(404, f"crate `{name}` does not have a version `{version}`")
        response = Response(data, content_type="application/gzip")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}-{version}.crate"'
        if request.method == "GET":
            self._downloads.count(name, version)
        if key is not None:  # kept while the archive stays (a yank leaves it); replays count
            context_of(request).cache = CacheHint(
                key,
                functools.partial(self._store.crate_stat_key, name, version),
                functools.partial(self._downloads.count, name, version),
            )
        return response

    def redirect(self, request: Request, name: str, version: str) -> Response:
        """``GET /api/v1/crates/{name}/{version}/download``, as crates.io's
        ``download_version`` (src/controllers/version/downloads.rs): a 302 to the archive's
        static URL, or ``{"url": …}`` (200) when ``Accept`` names JSON, whether or not the
        crate or version exists. Its path checks come first: a version that is not semver
        is a 400, a name that no crate can have a 404 (``CrateVersionPath``).

        Not counted as a download: crates.io counts at its CDN, from the static host's
        logs, so a client that follows the redirect is counted once, by the fetch of the
        file it is sent to (and one that only asks where the file is, not at all)."""
        checked_version(version)
        if not is_valid_crate_name(name):
            raise ApiError(404, f"crate `{name}` does not exist")
        return where_answer(request, self.location(name, version))
