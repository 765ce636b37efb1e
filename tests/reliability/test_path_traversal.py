"""Path traversal on the index, download and git routes never reads outside what is served.

Canary files lie beside the root, inside it, and inside its index folder; every spelling
of ``..`` (plain, percent-encoded, double-encoded, backslashes) on every route that takes
a path is refused, and no answer holds a canary or the token.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body
from tests.helpers import assert_cargo_error, http, raw_request, request_bytes

UP = ("..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e", "..%00", "...")
SEPARATORS = ("/", "%2f", "%2F", "\\", "%5c", "%5C", "%252f")
TARGETS = ("secret.txt", "meta/users.json", "config", "meta/crates/existing.json", "etc/passwd")
DEPTH = 7  # more levels than any route has below the filesystem's root


def escapes() -> list[str]:
    """``..`` repeated DEPTH times, in every spelling, before every target."""
    found = []
    for up, sep, target in itertools.product(UP, SEPARATORS, TARGETS):
        found.append(sep.join([up] * DEPTH) + sep + target)
        found.append(sep + sep.join([up] * DEPTH) + sep + target)  # with a leading separator
    return found


ROUTE_TEMPLATES = (
    "/index/{}",
    "/index/ex/is/{}",
    "/index/3/e/{}",
    "/api/v1/crates/{}/1.0.0/download",
    "/api/v1/crates/existing/{}/download",
    "/dl/{}/1.0.0/download",
    "/dl/existing/{}/download",
    "/dl/existing/{}",
    "/dl/{}/existing-1.0.0.crate",
    "/api/v1/crates/existing/1.0.0/{}",
    "/git/index/{}",
    "/git/index/objects/{}",
    "/git/index/objects/info/{}",
    "/git/index/info/{}",
)


@pytest.fixture(scope="module")
def canaries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeRegistry, str]]:
    """A registry on a root with canary files around and inside it, and the canary text."""
    base = tmp_path_factory.mktemp("traversal")
    canary = f"CANARY-{secrets.token_hex(8)}"
    root = base / "root"
    for place in (base, root, root / "index", root / "git", root / "crates"):
        place.mkdir(exist_ok=True)
        (place / "secret.txt").write_text(canary)
    (base / "etc").mkdir()
    (base / "etc" / "passwd").write_text(canary)
    with FakeRegistry(root) as reg:
        body = publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0"))
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        reg.git_path  # noqa: B018 - the git index is made on first use
        yield reg, canary
        reg.check_errors()


@pytest.mark.parametrize("template", ROUTE_TEMPLATES)
def test_traversal_is_refused_everywhere(canaries: tuple[FakeRegistry, str], template: str) -> None:
    reg, canary = canaries
    secrets_on_disk = [canary, reg.token, (reg.root / "meta" / "users.json").read_text()[:40]]
    tried = 0
    for escape in escapes():
        for method in ("GET", "POST") if template.startswith("/git") else ("GET",):
            answer = raw_request(reg, request_bytes(method, template.format(escape)))
            tried += 1
            text = answer.body.decode("utf-8", "replace")
            assert not any(secret in text for secret in secrets_on_disk), (escape, answer)
            assert_cargo_error(answer, (400, 403, 404, 405))
    assert tried >= len(UP) * len(SEPARATORS) * len(TARGETS) * 2
    assert reg.errors == []


def test_the_legitimate_paths_still_work(canaries: tuple[FakeRegistry, str]) -> None:
    """The same routes with plain names do answer: the refusals above are not blanket ones."""
    reg, _ = canaries
    assert raw_request(reg, request_bytes("GET", "/index/ex/is/existing")).status == 200
    download = raw_request(reg, request_bytes("GET", "/dl/existing/1.0.0/download"))
    assert download.status == 200
    assert download.body == crate("existing", "1.0.0")
    assert raw_request(reg, request_bytes("GET", "/git/index/HEAD")).status == 200
    assert raw_request(reg, request_bytes("GET", "/git/index/info/refs")).status == 200
