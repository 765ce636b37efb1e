"""How a started registry is put together, in one place and in order.

The socket is bound first, so that every part is built with the values it needs (the URL,
the ``config.json``, the default token) instead of asking the registry for them later;
"an index file changed" is an event (:class:`~fakereg.storage.events.IndexEvents`) that
the index delays and the git view subscribe to. The test-facing state (an
:class:`~fakereg.testing.inspection.Observer`) belongs to the ``FakeRegistry`` object and
is handed in. A publish then travels: ``web/pipeline.py`` (the route table, faults,
access, recording) → ``web/api.py`` (body, rules, token) → ``storage/store.py`` (archive,
metadata, index file under the root lock) → ``IndexEvents`` → the delays
(``storage/visibility.py``) and the git view (``storage/gitsync.py``, one commit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import RootError
from .services.access import TokenChecks
from .services.crate_admin import CrateAdmin
from .services.crates import CrateChanges
from .services.invitations import OwnerInvitations
from .services.publishing import Publisher
from .settings import Settings
from .storage.accounts import Accounts
from .storage.catalog import Catalog, CatalogFiles
from .storage.delay import IndexDelay
from .storage.downloads import DownloadCounter
from .storage.events import IndexEvents
from .storage.fsutil import RootLock
from .storage.gitindex import GitIndex
from .storage.gitsync import GitSync
from .storage.invitations import Invitations
from .storage.profiles import Profiles
from .storage.store import CrateStore
from .storage.teams import Teams
from .storage.visibility import IndexVisibility
from .testing.gitlab import GitLabOidc
from .testing.inspection import Observer
from .testing.oidc import GitHubOidc
from .testing.seeding import Seeder
from .testing.state import StateView
from .testing.trusted import TrustedPublishing
from .traffic.kinds import Kind
from .transport.certificates import TestCa
from .transport.server import ServerThread, listen
from .transport.session import Limits
from .trustpub.gitlab import REQUIRED_CLAIMS as GITLAB_CLAIMS
from .trustpub.rules import REQUIRED_CLAIMS as GITHUB_CLAIMS
from .trustpub.service import TrustService
from .trustpub.store import TrustStore
from .trustpub.verify import JwtVerifier
from .trustpub.web import TrustpubApi
from .web.account_api import AccountApi
from .web.answer_cache import AnswerCache
from .web.api import JSON_ALLOWANCE, WebApi
from .web.auth import Authorizer
from .web.control import ControlApi
from .web.crate_admin import CrateAdminApi
from .web.crate_files import CrateFiles
from .web.downloads_api import DownloadsApi
from .web.gitserve import GitHttp
from .web.hosts import allowed_hosts
from .web.invitations_api import InvitationApi
from .web.lists import ListApi
from .web.pages import (
    AccountPages,
    CargoNames,
    CratePages,
    FaultPages,
    PageParts,
    TrafficPages,
    WebPages,
)
from .web.pipeline import Pipeline
from .web.read_api import ReadApi, ReadSources
from .web.recording import Recorder
from .web.routes import Handlers, registry_routes
from .web.routing import Access
from .web.sessions import Sessions
from .web.sparse import SparseIndex, config_document
from .web.tags import TagApi
from .web.tokens_api import TokenApi


@dataclass(frozen=True)
class Parts:
    """A started registry: its state on disk, its address, and the server answering."""

    root: Path
    store: CrateStore
    accounts: Accounts
    seeder: Seeder
    state: StateView
    git: GitSync | None
    token: str
    admin_token: str
    url: str
    port: int
    server: ServerThread
    control: ControlApi
    downloads: DownloadCounter
    publishing: TrustedPublishing
    ca: TestCa | None
    delay: IndexDelay
    invitations: OwnerInvitations
    teams: Teams


def base_url(host: str, port: int, *, tls: bool = False) -> str:
    """``http://HOST:PORT`` (``https``) for a server bound to *host* (a wildcard means
    loopback)."""
    if host in ("0.0.0.0", ""):  # noqa: S104 - not a bind, the URL of one
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"{'https' if tls else 'http'}://{host}:{port}"


#: The index URLs cargo names for crates.io (git and sparse): an asymmetric token made
#: for crates.io names one of them, as cargo's own test registry accepts.
CRATES_IO_INDEXES = frozenset(
    {"https://github.com/rust-lang/crates.io-index", "sparse+https://index.crates.io/"}
)


def sparse_index_url(url: str) -> str:
    """The sparse index of a registry served at *url*, as cargo's config names it."""
    return f"sparse+{url}/index/"


def git_index_url(url: str) -> str:
    """The git index of a registry served at *url*."""
    return f"{url}/git/index"


def assemble(
    settings: Settings,
    root: Path,
    *,
    shared: bool,
    durable: bool,
    token: str | None,
    observed: Observer,
) -> Parts:
    """Open *root*, bind the port and build every part; nothing is served yet.

    *shared*: the root outlives the process and other processes may open it (lock across
    processes; the admin token kept in ``meta/admin-token``); *durable*: fsync what is
    written (a crash loses nothing acknowledged); *token*: the default user's token, if
    one was given. An unusable root is a :class:`~fakereg.RootError`.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RootError(f"cannot use {root} as a registry root: {reason}") from None
    lock = RootLock(root, interprocess=shared)
    events = IndexEvents(observed.errors.report)
    teams = Teams(root, lock, durable=durable)
    store = CrateStore(root, lock, events, durable=durable, teams=teams)
    accounts = Accounts(root, lock, durable=durable)
    profiles = Profiles(root, lock, durable=durable)
    token = accounts.start_token(settings.login, token)
    admin_token = accounts.admin_token(lasting=shared)
    listener = listen(settings.host, settings.port)
    try:
        port: int = listener.getsockname()[1]
        url = base_url(settings.host, port, tls=settings.tls)
        ca = TestCa.create(root / "meta" / "tls", http2=settings.http2) if settings.tls else None
        config = config_document(url, auth_required=settings.auth_required)
        catalog_files = CatalogFiles(root, store, lock, durable=durable)
        events.subscribe(catalog_files.on_change)
        events.subscribe_records(catalog_files.on_records)
        downloads = DownloadCounter(root)
        events.subscribe(downloads.on_change)
        events.subscribe(accounts.on_change)  # (a removed crate's follows and settings go)
        events.subscribe(profiles.on_change)
        catalog = Catalog(catalog_files)
        visibility = IndexVisibility()  # what an index delay hides, for this start only
        events.subscribe(visibility.on_change)
        delay = IndexDelay(visibility)
        git = None
        if settings.git_index:
            repository = GitIndex(root / "git" / "index.git", durable=durable)
            git = GitSync(repository, store, lock, config, visibility)
            events.subscribe(git.on_change)
            delay.attach_git(git)
        index_urls = {sparse_index_url(url)} | ({git_index_url(url)} if git is not None else set())
        signed_for = index_urls | (CRATES_IO_INDEXES if settings.replace_crates_io else set())
        checks = TokenChecks(
            accounts, private=settings.auth_required, index_urls=frozenset(signed_for)
        )
        sessions = Sessions(port, secure=settings.tls)
        auth = Authorizer(checks, sessions, login_url=f"{url}/me")
        state = StateView(store, accounts, downloads, profiles)
        info = {"name": settings.name, "url": url, "protocol": settings.protocol}
        invited = Invitations(root, lock, durable=durable)
        events.subscribe(invited.on_change)
        invitations = OwnerInvitations(store, accounts, invited)
        trust = TrustStore(root, lock, durable=durable)
        events.subscribe(trust.on_change)
        publisher = Publisher(store, accounts, checks, trust, settings)
        seeder = Seeder(
            publisher,
            store,
            default_owner=settings.login,
            own_index_urls=frozenset(index_urls),
            git=git is not None,
        )
        audience = url.split("://", 1)[1]  # crates.io's `trustpub_audience` (`crates.io`)
        oidc, gitlab = GitHubOidc(url), GitLabOidc(url, audience)
        verifiers = [
            JwtVerifier("github", oidc.issuer, oidc.public_keys, strings=GITHUB_CLAIMS),
            JwtVerifier("gitlab", gitlab.issuer, gitlab.public_keys, strings=GITLAB_CLAIMS),
        ]
        trusted = TrustService(trust, store, verifiers)
        publishing = TrustedPublishing(trusted, oidc, gitlab)
        control = ControlApi(
            admin_token, observed, seeder, state, delay, info, publishing, invitations, teams
        )
        sparse = SparseIndex(store, config, visibility, observed.faults)
        sources = ReadSources(store, catalog, accounts, downloads, auth, teams)
        pages = WebPages(
            PageParts(
                crates=CratePages(sources, CargoNames(settings.name, settings.replace_crates_io)),
                traffic=TrafficPages(
                    observed.request_log,
                    me_token=token,
                    max_unpacked=settings.max_unpacked_size,
                ),
                faults=FaultPages(observed, delay),
                account=AccountPages(accounts, invitations),
                auth=auth,
                sessions=sessions,
                admin_token=admin_token,
                me_token=token,
                registry=settings.name,
                url=url,
            )
        )
        api = WebApi(
            publisher,
            CrateChanges(
                store,
                accounts,
                checks,
                teams,
                invitations if settings.owner_invitations else None,
            ),
            auth,
            settings.max_upload_size,
            observed.publish_log,
            sources,
        )
        handlers = Handlers(
            sparse=sparse,
            files=CrateFiles(store, downloads, url),
            api=api,
            read=ReadApi(sources, url),
            lists=ListApi(sources),
            tags=TagApi(sources),
            downloads=DownloadsApi(sources),
            trusted=TrustpubApi(trusted, oidc, gitlab, auth, audience=audience),
            tokens=TokenApi(accounts, auth),
            invitations=InvitationApi(invitations, accounts, auth),
            account=AccountApi(sources, profiles),
            admin=CrateAdminApi(CrateAdmin(store, downloads, teams), sources),
            pages=pages,
            control=control,
            git=None if git is None else GitHttp(git),
        )
        cache = AnswerCache()
        events.subscribe(cache.on_change)
        app = Pipeline(
            registry_routes(handlers),
            Recorder(observed.request_log, settings.max_recorded_body),
            observed.faults,
            observed.errors,
            gates={Access.READ: auth.read_by, Access.ADMIN: control.check_admin},
            refusers={Kind.PAGE: pages.refused},
            cache=cache,
            replayable=lambda: not delay.active(),
            read_body=api.publish_body,
            hosts=allowed_hosts(settings.host, settings.allowed_hosts),
        )
        observed.request_log.max_items = settings.max_recorded
        server = ServerThread(
            app,
            listener,
            idle_timeout=settings.idle_timeout,
            replay=app.replay,
            tls=None if ca is None else ca.server_context,
            errors=observed.errors,
            limits=Limits(
                max_body=settings.max_upload_size + JSON_ALLOWANCE,
                http2=settings.http2,
                max_concurrent_streams=settings.max_concurrent_streams,
            ),
        )
    except BaseException:
        listener.close()
        raise
    if git is not None:
        try:
            git.start(history=settings.protocol == "git")
        except BaseException:
            server.stop()
            raise
    return Parts(
        root,
        store,
        accounts,
        seeder,
        state,
        git,
        token,
        admin_token,
        url,
        port,
        server,
        control,
        downloads,
        publishing,
        ca,
        delay,
        invitations,
        teams,
    )
