"""The checker catches what it promises (``tests/openapi/checker.py``): a missing field, a
wrong type or format, a field the schema does not list, a status the document lacks, a
body where none belongs, a redirect without its ``Location``; and the refresh script
extracts the documents from crates.io's snapshots with real git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.openapi.checker import INTERNAL, OpenApiDocument, Operation, closed_document
from tests.openapi.refresh import DOCUMENTS, SNAPSHOTS, refresh, snapshot_body

JSON_TYPE = {"Content-Type": "application/json"}
KEYWORD = Operation("get", "/api/v1/keywords/{keyword}")
NEW_TOKEN = Operation("put", "/api/v1/me/tokens")
CURRENT = Operation("delete", "/api/v1/tokens/current")
DOWNLOAD = Operation("get", "/api/v1/crates/{name}/{version}/download")


@pytest.fixture(scope="module")
def document() -> OpenApiDocument:
    return OpenApiDocument(INTERNAL)


def keyword(**fields: Any) -> bytes:
    base = {"id": "http", "keyword": "http", "created_at": "2017-01-06T14:23:11Z", "crates_cnt": 3}
    return json.dumps({"keyword": {**base, **fields}}).encode()


def found(document: OpenApiDocument, op: Operation, status: int, body: Any) -> list[str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return [str(v) for v in document.check(op, status, data, JSON_TYPE)]


def test_an_answer_as_the_schema_says_has_no_violation(document: OpenApiDocument) -> None:
    assert found(document, KEYWORD, 200, keyword()) == []
    assert found(document, KEYWORD, 404, {"errors": [{"detail": "Not Found"}]}) == []


def test_a_missing_field_a_wrong_type_and_an_extra_field_are_each_named_by_path(
    document: OpenApiDocument,
) -> None:
    body = json.loads(keyword(crates_cnt="3", extra=True))
    del body["keyword"]["id"]
    assert set(found(document, KEYWORD, 200, body)) == {
        "$.keyword: 'id' is a required property",
        "$.keyword: Unevaluated properties are not allowed ('extra' was unexpected)",
        "$.keyword.crates_cnt: '3' is not of type 'integer'",
    }


def test_formats_are_asserted(document: OpenApiDocument) -> None:
    assert found(document, KEYWORD, 200, keyword(created_at="2017-01-06 14:23:11")) == [
        "$.keyword.created_at: '2017-01-06 14:23:11' is not a 'date-time'"
    ]
    assert found(document, KEYWORD, 200, keyword(crates_cnt=2**31)) == [
        f"$.keyword.crates_cnt: {2**31} is not a 'int32'"
    ]


def test_errors_of_any_client_status_are_the_error_envelope(document: OpenApiDocument) -> None:
    assert found(document, KEYWORD, 418, {"errors": [{"detail": "x", "code": 1}]}) == [
        "$.errors[0]: Unevaluated properties are not allowed ('code' was unexpected)"
    ]
    assert found(document, KEYWORD, 400, {"error": "x"}) == [
        "$: 'errors' is a required property",
        "$: Unevaluated properties are not allowed ('error' was unexpected)",
    ]


def test_a_composition_is_closed_where_it_is_composed(document: OpenApiDocument) -> None:
    token = {"id": 1, "name": "ci", "created_at": "2024-01-01T00:00:00Z", "token": "secret"}
    assert found(document, NEW_TOKEN, 200, {"api_token": token}) == []
    assert found(document, NEW_TOKEN, 200, {"api_token": {**token, "plaintext": "x"}}) == [
        "$.api_token: Unevaluated properties are not allowed ('plaintext' was unexpected)"
    ]
    data = {"provider": "github", "repository": "a/b", "run_id": "1", "sha": "f00", "ref": "x"}
    violations = document.validate(data, document.component("TrustpubData"))
    assert [str(v) for v in violations] == [
        "$: Unevaluated properties are not allowed ('ref' was unexpected)"
    ]


def test_statuses_bodies_and_redirects(document: OpenApiDocument) -> None:
    assert document.check(CURRENT, 204, b"", {}) == []
    assert [str(v) for v in document.check(CURRENT, 204, b"{}", {})] == [
        "$: a 204 has no content, but the body is b'{}'"
    ]
    assert [str(v) for v in document.check(CURRENT, 200, b"{}", JSON_TYPE)] == [
        "$: status 200 is not in the document (204, 4XX, 5XX)"
    ]
    assert document.check(DOWNLOAD, 302, b"", {"Location": "/x.crate"}) == []
    assert [str(v) for v in document.check(DOWNLOAD, 302, b"", {})] == ["header:location: missing"]
    assert [str(v) for v in document.check(DOWNLOAD, 200, b"\x1f\x8b", {})] == [
        "header:content-type: '', not JSON"
    ]
    assert next(str(v) for v in document.check(KEYWORD, 200, b"{", JSON_TYPE)).startswith(
        "$: the body is not JSON"
    )


def test_closing_leaves_the_document_as_it_was(document: OpenApiDocument) -> None:
    before = json.dumps(document.raw, sort_keys=True)
    closed = closed_document(document.raw)
    assert json.dumps(document.raw, sort_keys=True) == before
    assert closed["components"]["schemas"]["Keyword"]["unevaluatedProperties"] is False
    assert "unevaluatedProperties" not in closed["components"]["x-fakereg-open-schemas"]["ApiToken"]


def test_the_refresh_extracts_both_documents_from_a_crates_io_history(tmp_path: Path) -> None:
    repo = tmp_path / "crates.io"
    snapshots = repo / Path(SNAPSHOTS.format("")).parent
    snapshots.mkdir(parents=True)
    for infix, _ in DOCUMENTS:
        text = f'---\nsource: src/tests/openapi.rs\n---\n{{\n  "openapi": "3.1.{len(infix)}"\n}}'
        (repo / SNAPSHOTS.format(infix)).write_text(text)

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "snapshots")
    into = tmp_path / "out"
    into.mkdir()
    commit = refresh(repo, into=into)
    assert commit == git("rev-parse", "HEAD")
    assert json.loads((into / "crates-io.openapi.json").read_text()) == {"openapi": "3.1.0"}
    internal = json.loads((into / "crates-io-internal.openapi.json").read_text())
    assert internal == {"openapi": "3.1.9"}
    assert (into / "SOURCE").read_text().startswith(f"rust-lang/crates.io {commit} (")
    with pytest.raises(ValueError, match="not an insta snapshot"):
        snapshot_body('{"openapi": "3.1.0"}')
