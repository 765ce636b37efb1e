"""Every case of the OpenAPI check: one real request each, the operation of crates.io's
document it exercises, and the status crates.io answers it with (see
:mod:`tests.openapi.case`)."""

from __future__ import annotations

from tests.openapi.case import Case
from tests.openapi.cases_account import ACCOUNTS, INVITATIONS, SESSION, TOKENS, TRUSTED
from tests.openapi.cases_crates import CRATES, FOLLOWS, OWNERS, PUBLISH, TAGS, VERSIONS

__all__ = ["CASES", "Case"]

CASES: list[Case] = [
    *TAGS,
    *CRATES,
    *FOLLOWS,
    *OWNERS,
    *INVITATIONS,
    *VERSIONS,
    *PUBLISH,
    *ACCOUNTS,
    *TOKENS,
    *TRUSTED,
    *SESSION,
]
