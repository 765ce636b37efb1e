"""fakereg answers as crates.io's OpenAPI document says (issue 28): every path and method
of the document (public and internal, sign-in aside), its success and its client errors,
each a real HTTP request to one seeded registry, each answer checked against the
document's schema for its status (``tests/openapi/checker.py`` says how strictly).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.openapi.cases import CASES, Case
from tests.openapi.checker import INTERNAL, PUBLIC, OpenApiDocument, Operation
from tests.openapi.world import SESSIONS_WIRED, World, open_world

DOCUMENTS = (OpenApiDocument(PUBLIC), OpenApiDocument(INTERNAL))

#: The operations no case covers, and why.
OUT_OF_SCOPE = {
    # Signing in is crates.io's GitHub OAuth flow (``controllers/session.rs``): fakereg's
    # sessions are its own, and these routes have no fake GitHub to talk to.
    Operation("post", "/api/private/session/begin"): "GitHub OAuth: the redirect to GitHub",
    Operation("post", "/api/private/session/authorize"): "GitHub OAuth: the code's exchange",
    Operation("get", "/api/private/session/signup"): "GitHub OAuth: a pending sign-up",
    Operation("post", "/api/private/session/signup"): "GitHub OAuth: completing a sign-up",
    Operation("delete", "/api/private/session/signup"): "GitHub OAuth: cancelling a sign-up",
}
#: Operations with nothing a client can get wrong: no parameter, no body, no credential.
NO_CLIENT_ERROR = {
    Operation("get", "/api/v1/site_metadata"),
    Operation("get", "/api/v1/summary"),
    Operation("get", "/api/v1/category_slugs"),
    # authors.rs answers the same whatever the path names.
    Operation("get", "/api/v1/crates/{name}/{version}/authors"),
    # Signing out ends whatever session there is (session.rs ``end_session``).
    Operation("delete", "/api/private/session"),
    # The crate `new` is the one ``GET /api/v1/crates/{name}`` reads; its 404 is that
    # operation's case.
    Operation("get", "/api/v1/crates/new"),
}
#: Operations fakereg cannot answer with a success.
NO_SUCCESS = {
    Operation("get", "/api/v1/teams/{team}"): "fakereg has no teams: every team is a 404",
}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    yield from open_world()


def _send(world: World, case: Case) -> httpx.Response:
    if case.setup is not None:
        case.setup(world)
    return world.send(
        case.method,
        case.target.format_map(world.values),
        auth=case.auth,
        body=case.json_body(world),
        content=case.content,
        headers=case.headers,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_answer_follows_the_document(world: World, case: Case) -> None:
    if case.needs_sessions and not SESSIONS_WIRED:
        pytest.skip("needs fakereg's API to tell a browser session from an API token")
    answer = _send(world, case)
    shown = f"{case.method} {answer.request.url} → {answer.status_code}: {_text(answer)}"
    assert answer.status_code == case.status, shown
    body = b"" if case.undocumented_body else answer.content
    for document in DOCUMENTS:
        if document.has(case.operation):
            violations = document.check(case.operation, answer.status_code, body, answer.headers)
            assert not violations, f"{shown}\n" + "\n".join(map(str, violations))
    if case.detail is not None:
        details = [error["detail"] for error in answer.json()["errors"]]
        assert any(case.detail in detail for detail in details), shown
    if case.undocumented_body:  # authors.rs: always this
        assert answer.json() == {"users": [], "meta": {"names": []}}


def _text(answer: httpx.Response) -> str:
    kind = answer.headers.get("Content-Type", "")
    if kind.startswith(("application/json", "text/")) or not answer.content:
        return answer.text[:400]
    return f"{len(answer.content)} bytes of {kind}"


def _operations() -> set[Operation]:
    return {op for document in DOCUMENTS for op in document.operations()}


def test_every_operation_of_the_documents_has_its_cases() -> None:
    """Each operation in scope has a case that succeeds and one with a client error."""
    covered = {case.operation for case in CASES}
    succeeds = {case.operation for case in CASES if case.status < 400}
    refused = {case.operation for case in CASES if 400 <= case.status < 500}
    in_scope = _operations() - set(OUT_OF_SCOPE)
    assert sorted(map(str, in_scope - covered)) == []
    assert sorted(map(str, in_scope - succeeds - set(NO_SUCCESS))) == []
    assert sorted(map(str, in_scope - refused - NO_CLIENT_ERROR)) == []


def test_the_cases_and_the_exceptions_name_operations_of_the_documents() -> None:
    operations = _operations()
    named = {case.operation for case in CASES} | set(OUT_OF_SCOPE)
    named |= NO_CLIENT_ERROR | set(NO_SUCCESS)
    assert sorted(map(str, named - operations)) == []
    assert not {case.operation for case in CASES} & set(OUT_OF_SCOPE)
    assert len({case.id for case in CASES}) == len(CASES)


def test_each_case_exercises_a_status_its_operation_documents() -> None:
    internal = DOCUMENTS[1]
    unknown = [
        case.id for case in CASES if internal.response_key(case.operation, case.status) is None
    ]
    assert unknown == []


def test_the_public_document_is_part_of_the_internal_one() -> None:
    public, internal = DOCUMENTS
    for operation in public.operations():
        assert internal.has(operation), operation
        path = public.raw["paths"][operation.path][operation.method]
        assert path == internal.raw["paths"][operation.path][operation.method], operation
    assert len(public.raw["paths"]) == 40
