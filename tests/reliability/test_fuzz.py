"""Property-based fuzzing (hypothesis) of the publish parser, the .crate checks and the router.

The properties: whatever the input, the parser either accepts it or raises ``InvalidError``
400 (never another exception); what it accepts yields an index line that round-trips; the
live router answers every request below 500, in Cargo's error shape when it refuses, and
changes nothing without a valid token. Sized to run in well under a minute.
"""

from __future__ import annotations

import gzip
import json
import string
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakereg import FakeRegistry
from fakereg.domain.cratefile import inspect_crate
from fakereg.domain.publish import check_metadata, index_line, parse_publish_body
from fakereg.errors import InvalidError
from fakereg.storage.store import dump_line
from fakereg.web.http import status_of
from tests.crates import crate, metadata, publish_body, tar_gz
from tests.helpers import assert_cargo_error, http, raw_request, root_state

FUZZ = settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
U32 = struct.Struct("<I")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


def refused_with_400(call: Any, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    """Call: (True, result), or (False, None) after an InvalidError that must be a 400."""
    try:
        return True, call(*args, **kwargs)
    except InvalidError as error:
        refusal = error
    assert status_of(refusal) == 400, refusal
    assert refusal.detail
    return False, None


# -- the publish body ------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_400(body: bytes) -> None:
    refused_with_400(parse_publish_body, body)


@FUZZ
@given(
    json_len_delta=st.integers(-8, 8),
    crate_len_delta=st.integers(-8, 8),
    metadata_bytes=st.binary(max_size=80) | json_values.map(lambda v: json.dumps(v).encode()),
    archive=st.binary(max_size=80),
    trailing=st.binary(max_size=8),
)
def test_length_prefixes_near_the_truth(
    json_len_delta: int,
    crate_len_delta: int,
    metadata_bytes: bytes,
    archive: bytes,
    trailing: bytes,
) -> None:
    json_len = max(0, len(metadata_bytes) + json_len_delta)
    crate_len = max(0, len(archive) + crate_len_delta)
    body = U32.pack(json_len) + metadata_bytes + U32.pack(crate_len) + archive + trailing
    accepted, parsed = refused_with_400(parse_publish_body, body)
    if accepted:
        assert len(parsed.crate) == crate_len


FIELDS = (
    "name", "vers", "deps", "features", "authors", "description", "keywords", "categories",
    "license", "links", "rust_version", "readme", "repository",
)  # fmt: skip


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=3),
    removed=st.sets(st.sampled_from(FIELDS), max_size=2),
)
def test_metadata_is_checked_or_400_and_accepted_lines_round_trip(
    changes: dict[str, Any], removed: set[str]
) -> None:
    meta = metadata("fuzzed", "1.0.0") | changes
    for key in removed:
        meta.pop(key, None)
    accepted, checked = refused_with_400(check_metadata, meta)
    if not accepted:
        return
    line = index_line(checked, cksum="0" * 64, pubtime="2026-01-01T00:00:00Z")
    assert json.loads(dump_line(line)) == line
    assert line["name"] == meta["name"]
    assert line["vers"] == meta["vers"]


dependency = st.fixed_dictionaries(
    {
        "name": st.text(string.ascii_letters + "-_0", min_size=1, max_size=8),
        "version_req": st.text(max_size=8),
        "features": st.lists(st.text(max_size=5), max_size=2),
        "optional": st.booleans(),
        "default_features": st.booleans(),
        "target": st.none() | st.text(max_size=10),
        "kind": st.sampled_from(["normal", "dev", "build", "other"]),
    },
    optional={"registry": st.none() | st.text(max_size=10), "explicit_name_in_toml": json_values},
)


@FUZZ
@given(st.lists(dependency, max_size=3))
def test_dependencies_are_checked_or_400(deps: list[dict[str, Any]]) -> None:
    meta = metadata("fuzzed", "1.0.0", deps=deps)
    accepted, checked = refused_with_400(check_metadata, meta)
    if not accepted:
        return
    line = index_line(checked, cksum="0" * 64, pubtime="2026-01-01T00:00:00Z")
    assert len(line["deps"]) == len(deps)


# -- the .crate archive ----------------------------------------------------------------------

RAW_CRATE = gzip.decompress(crate("fuzzed", "1.0.0", {"src/main.rs": b"fn main() {}\n"}))
LIMIT = 1024 * 1024


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(RAW_CRATE) - 1), st.integers(0, 255)), max_size=6))
def test_corrupted_archives_are_checked_or_400(edits: list[tuple[int, int]]) -> None:
    raw = bytearray(RAW_CRATE)
    for position, value in edits:
        raw[position] = value
    accepted, contents = refused_with_400(
        inspect_crate, gzip.compress(bytes(raw), mtime=0), "fuzzed", "1.0.0", max_unpacked=LIMIT
    )
    if accepted:
        assert "Cargo.toml" in contents.files
        assert all(".." not in f.split("/") and not f.startswith("/") for f in contents.files)


path_parts = st.sampled_from(["fuzzed-1.0.0", "..", ".", "", "src", "Cargo.toml", "a\\b", "/"])


@FUZZ
@given(st.lists(st.tuples(st.lists(path_parts, min_size=1, max_size=4), st.binary(max_size=20))))
def test_any_entry_paths_are_checked_or_400(files: list[tuple[list[str], bytes]]) -> None:
    entries = [("fuzzed-1.0.0/Cargo.toml", b'[package]\nname = "fuzzed"\nversion = "1.0.0"\n')]
    entries += [("/".join(parts), data) for parts, data in files]
    accepted, contents = refused_with_400(
        inspect_crate, tar_gz(entries), "fuzzed", "1.0.0", max_unpacked=LIMIT
    )
    if accepted:
        assert all(".." not in f.split("/") and "" not in f.split("/") for f in contents.files)


# -- the router, live --------------------------------------------------------------------------

SEGMENTS = [
    "index", "api", "v1", "crates", "new", "existing", "1.0.0", "download", "yank", "unyank",
    "owners", "me", "git", "info", "refs", "HEAD", "objects", "config.json", "ex", "is",
    "..", "%2e%2e", "%2f", "%00", "%ff", "\\", "~", "a" * 70, "\u00e9", "*",
    "dl", "existing-1.0.0.crate", "existing-.crate",
]  # fmt: skip
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "BREW"]


def _target(segments: list[str], query: str | None) -> str:
    path = "/" + "/".join(segments)
    return path if query is None else f"{path}?{query}"


@pytest.fixture(scope="module")
def live() -> Iterator[FakeRegistry]:
    with FakeRegistry() as reg:
        body = publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0"))
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        reg.git_path  # noqa: B018 - made now: its creation at first use is a change of state
        yield reg
        reg.check_errors()


@settings(
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(METHODS),
    segments=st.lists(st.sampled_from(SEGMENTS), max_size=7),
    query=st.none() | st.text(string.printable, max_size=20),
    token=st.sampled_from([None, "", "garbage", "Bearer x"]),
    body=st.binary(max_size=64),
)
def test_router_answers_below_500_and_changes_nothing(
    live: FakeRegistry,
    method: str,
    segments: list[str],
    query: str | None,
    token: str | None,
    body: bytes,
) -> None:
    before = root_state(live)
    target = _target(segments, query).replace(" ", "%20").replace("\r", "").replace("\n", "")
    head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if token is not None:
        head.append(f"Authorization: {token}")
    if body:
        head.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body
    answer = raw_request(live, request)
    assert answer.status < 500, (request[:200], answer)
    if answer.status >= 400 and method != "HEAD":
        assert_cargo_error(answer, answer.status)
    if target.split("?")[0].rstrip("/") != "/me":  # the page cargo login points at shows it
        assert live.token not in answer.body.decode("utf-8", "replace")
    assert live.errors == []
    assert root_state(live) == before
