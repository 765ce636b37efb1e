"""crates.io's routes for a crate's owners on its website: ``PATCH /api/v1/crates/{name}``
(the crate's settings: ``trustpub_only``), ``DELETE /api/v1/crates/{name}`` and ``POST
…/{version}/rebuild_docs``. The rules are :class:`~fakereg.services.crate_admin.CrateAdmin`'s;
this module reads the requests and shapes the answers as crates.io does."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ..errors import ApiError, ForbiddenError
from ..services.crate_admin import CrateAdmin
from ..storage.downloads import crate_total, recent_total
from . import views
from .http import api_json, checked_crate, checked_version, json_response, wrong_shape
from .read_api import ReadSources

#: crates.io's refusal of a token made before scopes existed (src/auth.rs).
LEGACY_REFUSAL = (
    "This endpoint cannot be used with legacy API tokens. Use a scoped API token instead."
)
_PATCH_SHAPE = 'expected `{"crate": {"trustpub_only": boolean | null}}`'


class CrateAdminApi:
    """Handlers of the crate-wide changes an owner makes."""

    def __init__(self, admin: CrateAdmin, sources: ReadSources) -> None:
        self._admin = admin
        self._data = sources

    def update_crate(self, request: Request, name: str) -> Response:
        """``PATCH /api/v1/crates/{name}``: ``{"crate": {"trustpub_only": bool}}``; the
        crate as crates.io answers it (``controllers/krate/update.rs``: the body, the
        crate's 404, a token with the ``trusted-publishing`` scope and the crate (a legacy
        token, one without scopes, is refused) or a signed-in browser, an owner)."""
        checked_crate(name)
        value = _trustpub_only(api_json(request))
        if self._data.catalog.get(name) is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        credential = self._data.auth.token(request)
        self._data.auth.scope(credential, "trusted-publishing", name)
        if not credential.session and credential.scopes is None:
            raise ForbiddenError(LEGACY_REFUSAL)
        # (crates.io finds owners among users with an email address; a fake's users mostly
        # have none, so any owner may change the setting)
        crate = self._admin.set_trustpub_only(credential.user.login, name, value)
        summary = self._data.catalog.get(crate)
        if summary is None:  # (deleted meanwhile, by another request)
            raise ApiError(404, f"crate `{name}` does not exist")
        counts = self._data.downloads.of_crate(summary.key)
        found = views.crate(summary, crate_total(counts), recent_total(counts), top_versions=False)
        return json_response({"crate": found})

    def delete_crate(self, request: Request, name: str) -> Response:
        """``DELETE /api/v1/crates/{name}`` (``?message=`` is taken and kept nowhere): a
        signed-in browser only, then the crate's 404, then crates.io's rules; 204."""
        checked_crate(name)
        login = self._data.auth.browser(request).user.login
        self._admin.delete(login, name)
        return Response(status=204)

    def rebuild_docs(self, request: Request, name: str, version: str) -> Response:
        """``POST /api/v1/crates/{name}/{version}/rebuild_docs``: fakereg builds no docs, so
        it answers as crates.io does once it queued the rebuild (201, no body), after the
        same checks (a signed-in browser, the 404s, an owner)."""
        checked_version(version)  # (crates.io's CrateVersionPath: the version, then the name)
        checked_crate(name)
        login = self._data.auth.browser(request).user.login
        self._admin.may_rebuild_docs(login, name, version)
        return Response(status=201)


def _trustpub_only(body: object) -> bool | None:
    """The ``trustpub_only`` a ``PATCH`` body asks for (None: leave it), or axum's 422."""
    settings = body.get("crate") if isinstance(body, dict) else None
    if not isinstance(settings, dict):
        raise wrong_shape(_PATCH_SHAPE)
    value = settings.get("trustpub_only")
    if value is not None and not isinstance(value, bool):
        raise wrong_shape(_PATCH_SHAPE)
    return value
