"""A static copy of a registry that any web server can serve.

Layout under the destination (the same paths fakereg itself serves)::

    index/config.json                   {"dl": "<url>/dl/{crate}/{crate}-{version}.crate"}
    index/<prefix>/<name>               the sparse index files
    dl/<name>/<name>-<version>.crate    the .crate files, as crates.io's static host keeps
                                        them (and fakereg serves them too)
    git/index/                          the git index as a bare repository, ready for
                                        git's "dumb" HTTP protocol (``info/refs``)

A static server cannot answer fakereg's other form of the same file,
``<dl>/<name>/<version>/download``, without a second copy of each: ``dl`` names the file
with cargo's ``{crate}`` and ``{version}`` markers instead.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from dulwich.repo import Repo
from dulwich.server import update_server_info

from ..domain.names import DOWNLOAD_PATH, archive_file
from .fsutil import atomic_write
from .gitindex import GitIndex
from .store import CrateStore

_URL_RE = re.compile(r"https?://[^\s/]+(?:/\S*)?\Z")


def export_registry(store: CrateStore, dest: Path, url: str | None, *, git: bool) -> Path:
    """Write the static copy of *store* into the empty or new folder *dest*.

    *url* is where *dest* will be served (``http://host:port`` or with a path below it);
    None: *dest* itself, as a ``file://`` URL.
    """
    if url is not None and not _URL_RE.match(url):
        raise ValueError(f"url must be an http:// or https:// URL, not {url!r}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise FileExistsError(f"{dest} exists and is not an empty folder")
    dest = dest.resolve()
    url = dest.as_uri() if url is None else url.rstrip("/")
    dl = f"{url}{DOWNLOAD_PATH}/{{crate}}/{archive_file('{crate}', '{version}')}"
    config = (json.dumps({"dl": dl}, indent=2) + "\n").encode()
    files = [("config.json", config), *store.index_files()]
    for path, data in files:
        atomic_write(dest / "index" / path, data, mode=0o644)
    for name in store.crate_names():
        for entry in store.entries(name):
            archive = store.archive_path(name, entry["vers"])
            target = dest / DOWNLOAD_PATH.strip("/") / name / archive_file(name, entry["vers"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(archive, target)
    if git:
        repo_path = dest / "git" / "index"
        GitIndex(repo_path).commit(files, "Export index")
        with Repo(str(repo_path)) as repo:
            update_server_info(repo)
    return dest
