"""Trusted publishing, one feature across layers: its rules (``rules.py`` for GitHub and the
tokens, ``gitlab.py`` for GitLab), its store (``store.py``), token verification
(``verify.py``), the use cases (``service.py``) and its routes (``web.py``). The fake GitHub
and GitLab that play the CI side are test-facing: ``fakereg/testing/oidc.py`` and
``fakereg/testing/gitlab.py``."""
