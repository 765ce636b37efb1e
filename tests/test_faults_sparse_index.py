"""Faults that rewrite what the index says: the sparse index serves each file per request,
so these apply to it (the git index serves committed history)."""

from __future__ import annotations

from fakereg import FakeRegistry
from tests.helpers import MakePackage, greeting_app


def test_malicious_tarball_is_refused(greeting: FakeRegistry, package: MakePackage) -> None:
    greeting.fail("download", crate="greeting", version="0.1.0", malicious=True)
    result = greeting.cargo("build", cwd=greeting_app(package, greeting.name))
    assert result.returncode != 0
    assert "invalid tarball downloaded" in result.stderr
    assert "escaped-by-fakereg.txt" in result.stderr


def test_invalid_index_line_is_skipped_by_cargo(
    greeting: FakeRegistry, package: MakePackage
) -> None:
    fault = greeting.fail("index", crate="greeting", invalid_line=True)
    app = greeting_app(package, greeting.name)
    result = greeting.cargo("generate-lockfile", cwd=app)
    assert fault.hits >= 1
    served = greeting.requests.filter("index", crate="greeting").last.response_body
    assert served.endswith(b'{"name": "this line is not valid JSON\n')
    # cargo ignores a line it cannot parse and resolves from the others.
    assert result.returncode == 0, result.stderr
    assert 'name = "greeting"\nversion = "0.1.0"' in (app / "Cargo.lock").read_text()
