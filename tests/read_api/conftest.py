"""A registry filled by real cargo for the read API's tests, and crates.io's field lists.

The field lists are those of ``crates/crates_io_api_types/src/lib.rs`` in
rust-lang/crates.io (``EncodableCrate``, ``EncodableVersion``, …), in crates.io's order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry
from tests.helpers import http, publish, write_package

CRATE_FIELDS = [
    "id", "name", "updated_at", "versions", "keywords", "categories", "badges", "created_at",
    "downloads", "recent_downloads", "default_version", "num_versions", "yanked",
    "max_version", "newest_version", "max_stable_version", "description", "homepage",
    "documentation", "repository", "links", "exact_match", "trustpub_only",
]  # fmt: skip
CRATE_LINKS = [
    "version_downloads", "versions", "owners", "owner_team", "owner_user",
    "reverse_dependencies",
]  # fmt: skip
VERSION_FIELDS = [
    "id", "crate", "num", "dl_path", "readme_path", "updated_at", "created_at", "downloads",
    "features", "yanked", "yank_message", "lib_links", "license", "links", "crate_size",
    "published_by", "audit_actions", "checksum", "rust_version", "has_lib", "bin_names",
    "edition", "description", "homepage", "documentation", "repository", "trustpub_data",
    "linecounts",
]  # fmt: skip
PUBLIC_USER_FIELDS = [
    "id", "login", "name", "avatar", "url", "github_username_matches", "created_at",
]  # fmt: skip
OWNER_FIELDS = ["id", "login", "kind", "url", "name", "avatar", "github_username_matches"]
DEPENDENCY_FIELDS = [
    "id", "version_id", "crate_id", "req", "optional", "default_features", "features",
    "target", "kind", "downloads",
]  # fmt: skip
KEYWORD_FIELDS = ["id", "keyword", "created_at", "crates_cnt"]
CATEGORY_FIELDS = ["id", "category", "slug", "description", "created_at", "crates_cnt"]

RICH_README = "# Rich\n\nA *rich* crate.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
RICH_MANIFEST = """readme = "README.md"
keywords = ["testing", "registry"]
categories = ["development-tools::testing", "web-programming"]
homepage = "https://example.com/rich"
repository = "https://github.com/example/rich"
documentation = "https://docs.example.com/rich"
rust-version = "1.70"

[features]
default = ["fast"]
fast = []
extra = ["dep:dep-b"]

[[bin]]
name = "rich-cli"
path = "src/bin/cli.rs"
"""


def rich_dependencies(registry: str) -> str:
    """A renamed, an optional and a target-specific dependency."""
    return (
        f'renamed = {{ package = "dep-a", version = "1", registry = "{registry}" }}\n'
        f'dep-b = {{ version = "0.3", registry = "{registry}", optional = true }}\n\n'
        "[target.'cfg(unix)'.dependencies]\n"
        f'dep-a = {{ version = "1.0", registry = "{registry}" }}\n'
    )


def get(reg: FakeRegistry, path: str, *, token: str | None = None, status: int = 200) -> Any:
    """GET *path* and return its JSON, checking the status."""
    answer = http(reg, "GET", path, token=token)
    assert answer.status == status, (path, answer.status, answer.body[:300])
    return answer.json()


def patch_version(
    reg: FakeRegistry, name: str, version: str, update: dict[str, Any], token: str | None
) -> Any:
    body = json.dumps({"version": update}).encode()
    return http(
        reg,
        "PATCH",
        f"/api/v1/crates/{name}/{version}",
        body=body,
        token=token,
        headers={"Content-Type": "application/json"},
    )


def publish_rich(reg: FakeRegistry, tmp: Path, versions: tuple[str, ...]) -> None:
    """Publish dep-a 1.0.0, dep-b 0.3.0 and rich at *versions* with real cargo (README,
    features, a renamed, an optional and a target-specific dependency, a ``[[bin]]``), then
    yank rich 0.2.0 with the message "broken build"."""
    publish(reg, write_package(tmp / "dep-a", "dep-a", "1.0.0"))
    publish(reg, write_package(tmp / "dep-b", "dep-b", "0.3.0"))
    for version in versions:
        folder = write_package(
            tmp / f"rich-{version}",
            "rich",
            version,
            manifest_extra=RICH_MANIFEST,
            dependencies=rich_dependencies(reg.name),
        )
        (folder / "README.md").write_text(RICH_README)
        (folder / "src" / "bin").mkdir()
        (folder / "src" / "bin" / "cli.rs").write_text("fn main() {}\n")
        publish(reg, folder)
    update = {"yanked": True, "yank_message": "broken build"}
    yank = patch_version(reg, "rich", "0.2.0", update, reg.token)
    assert yank.status == 200, yank.body


def fetch_rich(reg: FakeRegistry, folder: Path) -> None:
    """``cargo fetch`` of a package depending on rich 0.1 (one download of rich 0.1.0)."""
    app = write_package(
        folder,
        "app",
        dependencies=f'rich = {{ version = "0.1", registry = "{reg.name}" }}',
        main_rs="fn main() {}\n",
    )
    reg.cargo("fetch", cwd=app, check=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeRegistry]:
    """dep-a 1.0.0, dep-b 0.3.0 and rich 0.1.0, 0.2.0 (yanked: "broken build") and
    1.0.0-beta.1, published by real cargo; rich 0.1.0 downloaded once by ``cargo fetch``."""
    tmp = tmp_path_factory.mktemp("published")
    with FakeRegistry() as reg:
        publish_rich(reg, tmp, ("0.1.0", "0.2.0", "1.0.0-beta.1"))
        fetch_rich(reg, tmp / "app")
        yield reg
        reg.check_errors()
