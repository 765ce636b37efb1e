"""RequestMatcher and FaultSpec: built from keywords or from JSON with the same keys."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from fakereg import (
    Answer,
    CrateSpec,
    Cut,
    Dependency,
    FakeRegistry,
    FaultSpec,
    RequestMatcher,
    Rewrite,
    Truncate,
)
from tests.helpers import http, write_package


def test_matcher_from_json_equals_the_keyword_one() -> None:
    text = '{"kind": "download", "method": "get", "crate": "Foo_Bar", "status": 200}'
    matcher = RequestMatcher.from_json(json.loads(text))
    assert matcher == RequestMatcher("download", "GET", "Foo_Bar", status=200)
    with pytest.raises(ValueError, match="unknown matcher keys: colour"):
        RequestMatcher.from_json({"colour": "red"})
    with pytest.raises(ValueError, match="unknown kind"):
        RequestMatcher.from_json({"kind": "downloads"})
    with pytest.raises(TypeError, match="status must be a whole number"):
        RequestMatcher.from_json({"status": "200"})


def test_one_matcher_serves_filters_assertions_and_waits(fake_registry: FakeRegistry) -> None:
    fake_registry.add_crate("foo-bar", "1.0.0")
    http(fake_registry, "GET", "/api/v1/crates/foo-bar/1.0.0/download")
    http(fake_registry, "GET", "/api/v1/crates/foo-bar/9.9.9/download")
    ok = RequestMatcher("download", crate="FOO_BAR", status=200)
    assert len(fake_registry.requests.filter(ok)) == 1
    (found,) = fake_registry.assert_requested(ok, count=1)
    assert found.version == "1.0.0"
    assert fake_registry.wait_for(RequestMatcher("download"), count=2).status == 404
    with pytest.raises(TypeError, match="not both"):
        fake_registry.assert_requested(ok, crate="foo-bar")
    with pytest.raises(AssertionError, match="kind='index'"):
        fake_registry.assert_requested(RequestMatcher("index"))


@pytest.mark.parametrize(
    ("data", "effect"),
    [
        ({"kind": "publish", "status": 503, "errors": "down"}, Answer(503, ("down",))),
        ({"kind": "me", "body": "plain text"}, Answer(200, None, b"plain text")),
        (
            {"kind": "me", "status": 502, "body_base64": base64.b64encode(b"\xff").decode()},
            Answer(502, None, b"\xff"),
        ),
        ({"kind": "download", "reset": True}, Cut("reset")),
        ({"kind": "download", "drop": True}, Cut("drop")),
        ({"kind": "index", "goaway": "no_error"}, Cut("goaway", "NO_ERROR")),
        ({"kind": "index", "goaway": True}, Cut("goaway", "NO_ERROR")),
        ({"kind": "download", "reset_stream": True}, Cut("reset_stream", "INTERNAL_ERROR")),
        ({"kind": "download", "reset_stream": "CANCEL"}, Cut("reset_stream", "CANCEL")),
        ({"kind": "download", "tls_eof": True, "headers": {"X-A": "b"}}, Cut("tls_eof")),
        ({"kind": "index", "stall": True}, Cut("stall")),
        ({"kind": "download", "truncate": True, "dribble": 0.1}, Truncate()),
        ({"kind": "index", "invalid_line": True}, Rewrite("invalid_line")),
        ({"kind": "download", "crate": "x", "malicious": True}, Rewrite("malicious")),
        ({"kind": "search", "delay": 0.5}, None),
    ],
)
def test_fault_specs_from_json(data: dict[str, object], effect: object) -> None:
    spec = FaultSpec.from_json(data)
    assert spec.effect == effect
    keywords = {k: v for k, v in data.items() if k != "kind"}
    assert spec == FaultSpec.build(str(data["kind"]), **keywords)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "download", "truncate": True, "corrupt": True}, "one effect"),
        ({"kind": "download", "status": 500, "corrupt": True}, "one effect"),
        ({"kind": "download", "drop": True, "headers": {"X": "y"}}, "sends no answer"),
        ({"kind": "me", "body": "a", "body_base64": "YQ=="}, "not both"),
        ({"kind": "me", "colour": "red"}, "unknown fault options: colour"),
        ({"status": 500}, "needs a kind"),
    ],
)
def test_fault_specs_refuse_what_cannot_be(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultSpec.from_json(data)


def test_a_spec_from_json_fails_a_real_cargo_fetch_once(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    reg.add_crate("spec-dep", "1.0.0")
    fault = reg.fail(FaultSpec.from_json({"kind": "download", "status": 500, "times": 1}))
    app = write_package(
        tmp_path / "app",
        "app",
        dependencies=f'spec-dep = {{ version = "1", registry = "{reg.name}" }}',
    )
    result = reg.cargo("fetch", cwd=app, check=True)
    assert "spurious network error" in result.stderr
    assert fault.hits == 1
    assert [r.status for r in reg.requests.filter("download")] == [500, 200]
    assert reg.requests.filter("download")[0].fault == "status=500"


def test_crate_spec_from_json_equals_the_keyword_one() -> None:
    data = {
        "name": "json-made",
        "version": "1.2.0",
        "deps": ["serde@1", {"name": "log", "req": "0.4", "optional": True}],
        "features": {"logging": ["dep:log"]},
        "keywords": ["a", "b"],
        "description": "from JSON",
    }
    spec = CrateSpec.from_json(data)
    assert spec == CrateSpec.of(
        "json-made",
        "1.2.0",
        {
            "deps": ["serde@1", Dependency("log", "0.4", optional=True)],
            "features": {"logging": ["dep:log"]},
            "keywords": ("a", "b"),
            "description": "from JSON",
        },
    )
    with pytest.raises(ValueError, match="needs a name and a version"):
        CrateSpec.from_json({"name": "x"})
    with pytest.raises(TypeError, match="unknown crate options: colour"):
        CrateSpec.from_json({"name": "x", "version": "1.0.0", "colour": "red"})
    with pytest.raises(ValueError, match="not an optional dependency"):
        CrateSpec.from_json({"name": "x", "version": "1.0.0", "features": {"f": ["dep:y"]}})
