"""End-to-end tests run once per index protocol: every one of them over sparse and git."""

from __future__ import annotations

from typing import Any

import pytest

from fakereg.registry import PROTOCOLS


@pytest.fixture(params=PROTOCOLS)
def fake_registry_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every ``fake_registry`` here is built once per index protocol."""
    return {"protocol": request.param}
