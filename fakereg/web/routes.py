"""Every route of a registry, declared once: its rule, methods, kind, access and handler.

Cargo's API and index, the git index, crates.io's read API, trusted publishing (and the fake
GitHub and GitLab that play its CI side), the control API and the web page: one table, which the
pipeline (:mod:`fakereg.web.pipeline`) matches every request against. A route's kind
decides whether it is recorded and may be faulted (the control API's and the page's are
not); its :class:`~fakereg.web.routing.Access` says who may make it; ``cached`` routes'
answers may be kept and replayed by the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from ..domain.names import DOWNLOAD_PATH
from ..errors import ApiError
from ..traffic.kinds import Kind
from ..trustpub.web import TrustpubApi
from .account_api import AccountApi
from .api import WebApi
from .control import ControlApi
from .crate_admin import CrateAdminApi
from .crate_files import CrateFiles
from .downloads_api import DownloadsApi
from .gitserve import GitHttp
from .invitations_api import InvitationApi
from .lists import ListApi
from .pages import WebPages
from .pipeline import refuse_unrouted
from .read_api import ReadApi
from .routing import Access, Route, RouteTable
from .sparse import SparseIndex
from .tags import TagApi
from .tokens_api import TokenApi

GET = ("GET",)
POST = ("POST",)
PUT = ("PUT",)
DELETE = ("DELETE",)
GET_POST = ("GET", "POST")
READ, TOKEN, ADMIN, SESSION = Access.READ, Access.TOKEN, Access.ADMIN, Access.SESSION
CRATE = "/api/v1/crates/<name>"
#: The crate routes beside ``/api/v1/crates/new`` (whose other methods are a 405, as on
#: crates.io, where the static route wins): any name but ``new``.
OWN_CRATE = "/api/v1/crates/<crate:name>"
VERSION = "/api/v1/crates/<name>/<semver:version>"
INVITES = "/api/v1/me/crate_owner_invitations"
CONTROL = "/__fakereg"
FILES = f"{DOWNLOAD_PATH}/<name>"


@dataclass(frozen=True)
class Handlers:
    """The parts whose methods answer the routes, built at assembly."""

    sparse: SparseIndex
    files: CrateFiles
    api: WebApi
    read: ReadApi
    lists: ListApi
    tags: TagApi
    downloads: DownloadsApi
    trusted: TrustpubApi
    tokens: TokenApi
    invitations: InvitationApi
    account: AccountApi
    admin: CrateAdminApi
    pages: WebPages
    control: ControlApi
    git: GitHttp | None


def registry_routes(h: Handlers) -> RouteTable:
    """The route table of one registry."""
    K, R = Kind, Route
    sparse, api, read, lists, pages, control = h.sparse, h.api, h.read, h.lists, h.pages, h.control
    traffic, trusted, page, tags = control.traffic, h.trusted, pages.view, h.tags
    downloads, tokens, files = h.downloads, h.tokens, h.files
    invitations, account, admin = h.invitations, h.account, h.admin
    git = _no_git_index if h.git is None else h.git
    return RouteTable(
        [
            # Cargo's index and API
            R("/index/config.json", GET, K.CONFIG, sparse.config_json, READ, cached=True),
            R("/index/<path:path>", GET, K.INDEX, sparse.index_file, READ, cached=True),
            # the archives, on the static path config.json's `dl` names (crates.io's
            # static.crates.io), and the API's redirect there (not kept: it varies by Accept)
            R(f"{FILES}/<version>/download", GET, K.DOWNLOAD, files.download, READ, cached=True),
            R(f"{FILES}/<archive>", GET, K.DOWNLOAD, files.archive, READ, cached=True),
            R(f"{CRATE}/<version>/download", GET, K.DOWNLOAD_REDIRECT, files.redirect, READ),
            R("/api/v1/crates/new", PUT, K.PUBLISH, api.publish, TOKEN),
            R(f"{CRATE}/<version>/yank", DELETE, K.YANK, api.yank, TOKEN),
            R(f"{CRATE}/<version>/unyank", PUT, K.UNYANK, api.unyank, TOKEN),
            R(f"{CRATE}/owners", GET, K.OWNERS, api.owners, READ),
            R(f"{CRATE}/owners", ("PUT", "DELETE"), K.OWNERS, api.owners, TOKEN),
            R("/api/v1/crates", GET, K.SEARCH, lists.search, READ),
            R("/git/index", GET_POST, K.GIT, git, READ),
            R("/git/index/<path:path>", GET_POST, K.GIT, git, READ),
            # crates.io's read API
            R("/api/v1/summary", GET, K.SUMMARY, lists.summary, READ),
            R("/api/v1/me", GET, K.ME, account.me, TOKEN),
            R("/api/v1/users/<login>", GET, K.USER, lists.user, READ),
            R("/api/v1/users/<user_id>/stats", GET, K.USER, lists.user_stats, READ),
            R("/api/v1/teams/<team>", GET, K.TEAM, lists.team, READ),
            R(CRATE, GET, K.CRATE, read.crate, READ),
            R(f"{CRATE}/versions", GET, K.VERSIONS, read.versions, READ),
            R(f"{CRATE}/downloads", GET, K.CRATE_DOWNLOADS, downloads.crate, READ),
            R(
                f"{CRATE}/reverse_dependencies",
                GET,
                K.REVERSE_DEPENDENCIES,
                lists.reverse_dependencies,
                READ,
            ),
            R(f"{CRATE}/owner_user", GET, K.OWNER_USER, read.owner_user, READ),
            R(f"{CRATE}/follow", ("PUT", "DELETE"), K.FOLLOW, lists.follow, READ | TOKEN),
            R(f"{CRATE}/following", GET, K.FOLLOW, account.following, TOKEN),
            R(f"{CRATE}/owner_team", GET, K.OWNER_TEAM, read.owner_team, READ),
            R(VERSION, GET, K.VERSION, read.version, READ),
            R(VERSION, ("PATCH",), K.UPDATE_VERSION, read.update_version, READ | TOKEN),
            R(f"{VERSION}/dependencies", GET, K.DEPENDENCIES, read.dependencies, READ),
            R(f"{VERSION}/readme", GET, K.README, read.readme, READ),
            R(f"{VERSION}/downloads", GET, K.CRATE_DOWNLOADS, downloads.version, READ),
            R(f"{VERSION}/authors", GET, K.AUTHORS, read.authors, READ),
            R("/api/v1/site_metadata", GET, K.SITE_METADATA, read.site_metadata, READ),
            R("/api/v1/categories", GET, K.CATEGORIES, tags.categories, READ),
            R("/api/v1/categories/<slug>", GET, K.CATEGORIES, tags.category, READ),
            R("/api/v1/category_slugs", GET, K.CATEGORIES, tags.category_slugs, READ),
            R("/api/v1/keywords", GET, K.KEYWORDS, tags.keywords, READ),
            R("/api/v1/keywords/<word>", GET, K.KEYWORDS, tags.keyword, READ),
            R("/readmes/<name>/<file>", GET, K.README, read.readme_page, READ),
            # the account: tokens (for a browser signed in on the page, as on crates.io)
            R("/api/v1/me/tokens", ("GET", "PUT"), K.TOKENS, tokens.tokens, TOKEN),
            R("/api/v1/me/tokens/<token_id>", ("GET", "DELETE"), K.TOKENS, tokens.token, TOKEN),
            R("/api/v1/tokens/current", DELETE, K.TOKENS, tokens.current, TOKEN),
            R("/api/private/session", DELETE, K.TOKENS, tokens.end_session),
            # owner invitations (with owner_invitations=True adding an owner invites)
            R(f"{INVITES}", GET, K.INVITATIONS, invitations.mine, TOKEN),
            R(f"{INVITES}/accept/<token>", PUT, K.INVITATIONS, invitations.accept_token),
            R(f"{INVITES}/<crate_id>", PUT, K.INVITATIONS, invitations.respond, TOKEN),
            R(
                "/api/private/crate_owner_invitations",
                GET,
                K.INVITATIONS,
                invitations.listing,
                TOKEN,
            ),
            # the account's settings (crates.io's controllers/user/*.rs)
            R("/api/v1/me/updates", GET, K.UPDATES, account.updates, TOKEN),
            R(
                "/api/v1/me/email_notifications",
                PUT,
                K.ACCOUNT,
                account.email_notifications,
                TOKEN,
            ),
            R("/api/v1/users/<user_id>", PUT, K.ACCOUNT, account.update_user, TOKEN),
            R("/api/v1/users/<user_id>/resend", PUT, K.ACCOUNT, account.resend, TOKEN),
            R("/api/v1/confirm/<email_token>", PUT, K.ACCOUNT, account.confirm),
            # an owner's changes to the crate itself, on crates.io's website
            R(OWN_CRATE, ("PATCH",), K.UPDATE_CRATE, admin.update_crate, TOKEN),
            R(OWN_CRATE, DELETE, K.DELETE_CRATE, admin.delete_crate, TOKEN),
            R(f"{VERSION}/rebuild_docs", POST, K.REBUILD_DOCS, admin.rebuild_docs, TOKEN),
            R("/me", GET, K.ME, pages.me, SESSION),
            R("/me/tokens", POST, K.PAGE, page(pages.create_token), SESSION),
            R(
                "/me/invitations/<int:crate_id>/<action>",
                POST,
                K.PAGE,
                page(pages.respond_invitation),
                SESSION,
            ),
            R(
                "/me/tokens/<int:token_id>/revoke",
                POST,
                K.PAGE,
                page(pages.revoke_token),
                SESSION,
            ),
            # trusted publishing, and the fake GitHub and GitLab that play its CI side
            R(
                "/api/v1/trusted_publishing/tokens",
                ("POST", "DELETE"),
                K.TRUSTED_PUBLISHING,
                trusted.tokens,
                TOKEN,
            ),
            R(
                "/api/v1/trusted_publishing/github_configs",
                GET_POST,
                K.TRUSTPUB_CONFIG,
                trusted.github_configs,
                TOKEN,
            ),
            R(
                "/api/v1/trusted_publishing/github_configs/<int:config_id>",
                DELETE,
                K.TRUSTPUB_CONFIG,
                trusted.github_config,
                TOKEN,
            ),
            R(
                "/api/v1/trusted_publishing/gitlab_configs",
                GET_POST,
                K.TRUSTPUB_CONFIG,
                trusted.gitlab_configs,
                TOKEN,
            ),
            R(
                "/api/v1/trusted_publishing/gitlab_configs/<int:config_id>",
                DELETE,
                K.TRUSTPUB_CONFIG,
                trusted.gitlab_config,
                TOKEN,
            ),
            R("/_github/idtoken", GET, K.OIDC, trusted.id_token),
            R("/_github/oidc/.well-known/<document>", GET, K.OIDC, trusted.well_known),
            R("/_gitlab/.well-known/openid-configuration", GET, K.OIDC, trusted.gitlab_discovery),
            R("/_gitlab/oauth/discovery/keys", GET, K.OIDC, trusted.gitlab_keys),
            # the control API, for harnesses in any language
            R(f"{CONTROL}/health", GET, K.CONTROL, control.health, ADMIN),
            R(f"{CONTROL}/reset", POST, K.CONTROL, control.reset, ADMIN),
            R(f"{CONTROL}/crates", ("GET", "POST", "PUT"), K.CONTROL, control.crates, ADMIN),
            R(f"{CONTROL}/users", POST, K.CONTROL, control.users, ADMIN),
            R(f"{CONTROL}/users/<login>/email-token", GET, K.CONTROL, control.email_token, ADMIN),
            R(f"{CONTROL}/tokens", ("POST", "DELETE"), K.CONTROL, control.tokens, ADMIN),
            R(f"{CONTROL}/public-keys", ("POST",), K.CONTROL, control.public_keys, ADMIN),
            R(f"{CONTROL}/invitations", GET_POST, K.CONTROL, control.owners.invitations, ADMIN),
            R(f"{CONTROL}/teams", GET_POST, K.CONTROL, control.owners.teams, ADMIN),
            R(f"{CONTROL}/faults", GET_POST, K.CONTROL, traffic.faults, ADMIN),
            R(f"{CONTROL}/faults/<int:fault_id>", DELETE, K.CONTROL, traffic.remove_fault, ADMIN),
            R(f"{CONTROL}/index-delay", POST, K.CONTROL, traffic.index_delay, ADMIN),
            R(f"{CONTROL}/requests", GET, K.CONTROL, traffic.requests, ADMIN),
            R(f"{CONTROL}/publishes", GET, K.CONTROL, traffic.publishes, ADMIN),
            R(f"{CONTROL}/wait", POST, K.CONTROL, traffic.wait, ADMIN),
            R(
                f"{CONTROL}/trusted-publishers",
                GET_POST,
                K.CONTROL,
                control.trusted_publishers,
                ADMIN,
            ),
            R(f"{CONTROL}/github-actions-env", POST, K.CONTROL, control.github_actions_env, ADMIN),
            R(f"{CONTROL}/gitlab-ci-env", POST, K.CONTROL, control.gitlab_ci_env, ADMIN),
            R(CONTROL, (), K.CONTROL, control.no_route, ADMIN, fallback=True),
            R(f"{CONTROL}/<path:rest>", (), K.CONTROL, control.no_route, ADMIN, fallback=True),
            # the web page
            R("/", GET, K.PAGE, page(pages.crates), SESSION),
            R("/crates/<name>", GET, K.PAGE, page(pages.crate), SESSION),
            R("/crates/<name>/<version>", GET, K.PAGE, page(pages.crate), SESSION),
            R("/traffic", GET, K.PAGE, page(pages.traffic), SESSION),
            R("/traffic/rows", GET, K.PAGE, page(pages.rows), SESSION),
            R("/traffic/<int:seq>", GET, K.PAGE, page(pages.request), SESSION),
            R("/faults", GET_POST, K.PAGE, page(pages.faults), SESSION),
            R("/faults/<int:fault_id>/remove", POST, K.PAGE, page(pages.remove_fault), SESSION),
            R("/faults/delay", POST, K.PAGE, page(pages.delay), SESSION),
            R("/session", POST, K.PAGE, pages.sign_in, SESSION),
            R("/session/end", POST, K.PAGE, page(pages.sign_out), SESSION),
            R("/static/<file>", GET, K.PAGE, pages.static),
            R("/favicon.ico", GET, K.PAGE, pages.static, defaults={"file": "favicon.svg"}),
            *(R(rule, (), K.PAGE, pages.no_page, fallback=True) for rule in _PAGE_PREFIXES),
        ],
        not_found=refuse_unrouted,
    )


#: Where the page answers paths it has no page for (in its own style).
_PAGE_PREFIXES = (
    "/",
    "/crates/<path:rest>",
    "/traffic",
    "/traffic/<path:rest>",
    "/faults",
    "/faults/<path:rest>",
    "/session",
    "/session/<path:rest>",
    "/static/<path:rest>",
)


def _no_git_index(request: Request, path: str = "") -> Response:
    raise ApiError(404, "this registry serves no git index (it was started with git_index=False)")
