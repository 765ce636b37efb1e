"""Trusted publishing, one feature across layers: its rules (``rules.py``), its store
(``store.py``), token verification (``verify.py``), the exchange use case (``exchange.py``)
and its routes (``web.py``). The fake GitHub that plays the CI side is test-facing:
``fakereg/testing/oidc.py``."""
