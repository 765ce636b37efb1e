"""Filling a running registry and reading its state: crates, users and tokens, trusted
publishers. Each method hands its call to the part of the started registry that owns it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.shapes import IndexLine
from ..errors import NotFoundError
from ..storage.invitations import Invitation
from ..storage.teams import Team
from ..storage.tokens import TokenInfo
from ..testing.gitlab import DEFAULT_ID_TOKEN_VARIABLE
from ..testing.seeding import AddCrateOptions, CrateVersion, ImportOptions
from ..testing.state import TokenLimits
from ..testing.trusted import (
    DEFAULT_GITHUB_REF,
    DEFAULT_GITLAB_REF,
    DEFAULT_PROJECT,
    DEFAULT_REPOSITORY,
    DEFAULT_WORKFLOW,
    DEFAULT_WORKFLOW_FILEPATH,
)
from ..trustpub.gitlab import GitLabConfig
from ..trustpub.rules import GitHubConfig
from ..trustpub.service import GitHubConfigOptions, GitLabConfigOptions
from .base import RegistryBase

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Filling(RegistryBase):
    """``add_crate``, ``import_crates``, ``batch``, ``export``; versions, owners, downloads;
    users and tokens; trusted publishers."""

    # -- crates (testing/seeding.py) -----------------------------------------------------

    def add_crate(
        self, name: str, version: str, **options: Unpack[AddCrateOptions]
    ) -> CrateVersion:
        """Build a real ``.crate`` and store it exactly as a publish would, without HTTP.

        *deps* are ``"name@req"`` strings or :class:`~fakereg.Dependency` objects;
        *features* maps feature names to what they enable (``dep:x`` and ``x?/f`` too).
        The crate gets a ``src/lib.rs`` (``pub fn version()``; with ``proc_macro=True`` a
        ``version!()`` macro), a ``build.rs`` with ``build_rs=True`` (or its text), and
        *files* on top (``None`` removes a file; a ``Cargo.toml`` replaces the generated
        one and its contents decide the index line). *owner* defaults to :attr:`login`;
        *yanked* and *pubtime* (an aware datetime or cargo's text) set the index line's.
        The other options (:class:`~fakereg.testing.seeding.AddCrateOptions`) are the
        manifest's: ``links``, ``rust_version``, ``edition``, ``proc_macro``,
        ``description``, ``license``, ``keywords``, ``categories``, ``repository``,
        ``homepage``, ``documentation``, ``authors``, ``readme``.
        """
        return self._running().seeder.add_crate(name, version, **options)

    def import_crates(
        self, *paths: str | os.PathLike[str], **options: Unpack[ImportOptions]
    ) -> list[CrateVersion]:
        """Import ``.crate`` files, folders of them, or unpacked crate folders, in one commit.

        Each index line is derived from the crate's normalized ``Cargo.toml``, as a publish
        of it would have been. A dependency without ``registry-index`` (crates.io, in
        ``Cargo.toml`` terms) comes from this registry, and so does one whose
        ``registry-index`` is one of *local_registries* (registries or index URLs: say,
        where a vendored folder came from). Versions already present with the same checksum
        are skipped; any other problem raises :class:`~fakereg.SeedError` and imports
        nothing. *progress* is called as ``progress(done, total)`` while crates are read.
        The rules that only gate new publishes (reserved names, ``strict``, ownership) do
        not apply to crates a registry already accepted.
        """
        return self._running().seeder.import_crates(*paths, **options)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make the ``add_crate`` and ``import_crates`` calls of the block one index change.

        Much faster for many crates (one git commit); the crates appear when the block ends,
        and none of them if it raises.
        """
        with self._running().seeder.batch():
            yield

    def export(self, path: str | os.PathLike[str], *, url: str | None = None) -> Path:
        """Write a static copy into the new or empty folder *path*, to be served at *url*.

        The copy holds the sparse index (``index/``), the ``.crate`` files at the paths
        its ``config.json`` points to, and the git index (``git/index``, ready for git's
        dumb HTTP protocol) when this registry has one. It has no Web API. Without *url*
        the copy points at itself with ``file://`` URLs: cargo reads it where it lies,
        through ``registry = "file:///…/git/index"`` (``reg.export(p).joinpath("git",
        "index").as_uri()``).
        """
        return self._running().seeder.export(path, url=url)

    # -- what it holds (testing/state.py) ------------------------------------------------

    def versions(self, crate: str) -> list[str]:
        """Versions of *crate* in publish order ([] for an unknown crate)."""
        return self._running().state.versions(crate)

    def index_entries(self, crate: str) -> list[IndexLine]:
        """The parsed JSON lines exactly as the index serves them."""
        return self._running().state.index_entries(crate)

    def crate_file(self, crate: str, version: str) -> bytes:
        """The stored ``.crate`` bytes; :class:`~fakereg.NotFoundError` (a ``KeyError``)
        when there are none."""
        return self._running().state.crate_file(crate, version)

    def owners(self, crate: str) -> list[str]:
        """Logins of *crate*'s owners; :class:`~fakereg.NotFoundError` (a ``KeyError``)
        for an unknown crate."""
        return self._running().state.owners(crate)

    def downloads(self, crate: str, version: str | None = None) -> int:
        """How many times *crate* (*version*, when given) was downloaded: every GET that
        served the file from the static path ``config.json``'s ``dl`` names (``/dl/…``;
        not the API route's redirect to it), by any process on this root."""
        return self._running().state.downloads(crate, version)

    # -- users and tokens (testing/state.py) ---------------------------------------------

    def add_user(self, login: str, name: str | None = None, *, read: bool = True) -> str:
        """Create a user (or reuse an existing one) and return a new token for it.

        ``read=False`` makes a user who may not read a private (``auth_required``) registry.
        """
        return self._running().state.add_user(login, name, read=read)

    def lasting_token(self, login: str) -> str:
        """A token for *login* (created if need be) that stays the same on every start.

        It is made once per root and kept there, as the default user's :attr:`token` is:
        pasted credentials stay valid across restarts of a registry on a given root, until
        the token is revoked.
        """
        return self._running().state.lasting_token(login)

    def add_token(self, login: str, **limits: Unpack[TokenLimits]) -> str:
        """A new token for an existing user, limited like a crates.io token.

        *scopes*: some of ``publish-new``, ``publish-update``, ``yank``, ``change-owners``,
        ``trusted-publishing`` (None: all); *crates*: crate name patterns such as ``foo`` or
        ``foo*`` (None: all); *expires*: an aware datetime after which the token is refused;
        *name*: what ``/api/v1/me/tokens`` and the page's tokens view call it.
        :class:`~fakereg.NotFoundError` (a ``KeyError``) for an unknown user.
        """
        return self._running().state.add_token(login, **limits)

    def add_public_key(self, login: str, key: str) -> str:
        """Let *login* sign cargo's asymmetric tokens (RFC 3231, ``cargo +nightly
        -Zasymmetric-token`` with the ``cargo:paseto`` credential provider) with *key*,
        the ``k3.public.…`` key ``cargo login`` prints; returns the key's PASERK id
        (``k3.pid.…``). :class:`~fakereg.NotFoundError` for an unknown user,
        :class:`~fakereg.InvalidError` (a ``ValueError``) for a key that is not one.
        """
        return self._running().state.add_public_key(login, key)

    def tokens(self, login: str, *, expired_days: int = 0) -> list[TokenInfo]:
        """*login*'s API tokens, newest first, as
        ``/api/v1/me/tokens`` lists them: names, scopes, crates and times, never the tokens
        themselves; those expired more than *expired_days* days ago are left out.
        :class:`~fakereg.NotFoundError` for an unknown user."""
        return self._running().state.tokens(login, expired_days)

    def revoke(self, token: str) -> None:
        """Make *token* invalid from now on; :class:`~fakereg.NotFoundError` (a
        ``KeyError``) when no user holds it."""
        self._running().state.revoke(token)

    def add_team(self, login: str, members: Iterable[str], *, name: str | None = None) -> Team:
        """Make the GitHub team *login* (``github:org:team``) with *members* (user logins),
        or say who is in it now. crates.io asks GitHub; here the test says. A member may add
        the team as an owner (``cargo owner --add github:org:team``), and the members of a
        team that owns a crate may publish, yank and unyank it, but not change its owners.
        :class:`~fakereg.InvalidError` for a login crates.io would refuse."""
        return self._running().teams.add(login, members, name)

    # -- owner invitations (services/invitations.py) -------------------------------------

    def invitations(
        self, crate: str | None = None, login: str | None = None, *, expired: bool = False
    ) -> list[Invitation]:
        """The owner invitations of *crate* and/or to the user *login* (every one when
        both are None), not expired ones unless *expired*. With ``owner_invitations=True``,
        ``cargo owner --add`` makes them; each carries the ``token`` crates.io would email
        (``PUT /api/v1/me/crate_owner_invitations/accept/{token}``)."""
        invitations = self._running().invitations
        name = None if crate is None else invitations.canonical(crate)
        found = invitations.records.listed(crate=name, invitee=login)
        return [i for i in found if expired or not i.expired]

    def accept_invitation(self, crate: str, login: str) -> None:
        """*login* accepts their invitation to own *crate*, as the invitee would on
        crates.io: they become an owner. :class:`~fakereg.NotFoundError` without one,
        :class:`~fakereg.ExpiredError` when it expired."""
        self._running().invitations.respond(login, crate, accepted=True)

    def decline_invitation(self, crate: str, login: str) -> None:
        """*login* declines their invitation to own *crate* (it is forgotten)."""
        self._running().invitations.respond(login, crate, accepted=False)

    def expire_invitation(self, crate: str, login: str) -> None:
        """Make *login*'s invitation to own *crate* expired now (crates.io's expire after
        30 days), to test what a tool does with one. :class:`~fakereg.NotFoundError`
        without one."""
        invitations = self._running().invitations
        if not invitations.records.expire(invitations.canonical(crate), login):
            raise NotFoundError(f"no invitation of {login} to {crate}")

    def email_token(self, login: str) -> str:
        """The email verification token crates.io would have mailed *login* last (after
        ``PUT /api/v1/users/{id}`` set an address, or ``…/resend``): what ``PUT
        /api/v1/confirm/{token}`` takes. :class:`~fakereg.NotFoundError` for an unknown
        user or one without an address."""
        return self._running().state.email_token(login)

    # -- trusted publishing (testing/trusted.py) -----------------------------------------

    def add_trusted_publisher(
        self, crate: str, **config: Unpack[GitHubConfigOptions]
    ) -> GitHubConfig:
        """Let GitHub Actions runs of *workflow_filename* in *repository_owner*/
        *repository_name* (in *environment*, when given) publish new versions of *crate*,
        as crates.io's GitHub trusted publishing config does. The crate must exist
        (trusted publishing never creates one); at most five configs a crate; names are
        checked as crates.io checks them (:class:`~fakereg.InvalidError`). *config*:
        ``repository_owner``, ``repository_name``, ``workflow_filename`` (required) and
        ``environment``."""
        return self._running().publishing.service.add_config(crate, **config)

    def trusted_publishers(self, crate: str | None = None) -> list[GitHubConfig]:
        """The GitHub trusted publishing configs of *crate* (every crate's when None),
        oldest first (:meth:`gitlab_publishers` lists GitLab's)."""
        return self._running().publishing.service.configs(crate)

    def github_actions_env(
        self,
        /,
        repository: str = DEFAULT_REPOSITORY,
        workflow: str = DEFAULT_WORKFLOW,
        ref: str = DEFAULT_GITHUB_REF,
        environment: str | None = None,
        **claims: Any,
    ) -> dict[str, str]:
        """The environment a GitHub Actions job with ``permissions: id-token: write`` gets:
        ``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN`` (served by
        this registry's fake GitHub), ``GITHUB_REPOSITORY``, ``GITHUB_WORKFLOW_REF``,
        ``GITHUB_REF``, ``GITHUB_SHA``, ``GITHUB_RUN_ID`` and the rest. Every ID token the
        job asks for carries GitHub's claims for it; *claims* override them (say
        ``repository_owner_id="1"``, ``event_name="pull_request_target"``, or
        ``exp=<a past time>`` for an expired token)."""
        return self._running().publishing.github_actions_env(
            repository, workflow, ref, environment, **claims
        )

    def add_gitlab_publisher(
        self, crate: str, **config: Unpack[GitLabConfigOptions]
    ) -> GitLabConfig:
        """Let GitLab CI/CD jobs of *namespace*/*project* run from the CI file
        *workflow_filepath* (in *environment*, when given) publish new versions of *crate*,
        as crates.io's GitLab trusted publishing config does. The crate must exist; at
        most five GitLab configs a crate; the fields are checked as crates.io checks them
        (:class:`~fakereg.InvalidError`). *config*: ``namespace`` (a group or user,
        ``group/subgroup`` for a subgroup), ``project``, ``workflow_filepath`` (say
        ``.gitlab-ci.yml``; required) and ``environment``. Its ``namespace_id`` is None
        until the first token exchanged against it binds it."""
        return self._running().publishing.service.add_gitlab_config(crate, **config)

    def gitlab_publishers(self, crate: str | None = None) -> list[GitLabConfig]:
        """The GitLab trusted publishing configs of *crate* (every crate's when None),
        oldest first."""
        return self._running().publishing.service.gitlab_configs(crate)

    def gitlab_ci_env(
        self,
        /,
        project: str = DEFAULT_PROJECT,
        workflow_filepath: str = DEFAULT_WORKFLOW_FILEPATH,
        ref: str = DEFAULT_GITLAB_REF,
        environment: str | None = None,
        *,
        id_token_variable: str = DEFAULT_ID_TOKEN_VARIABLE,
        **claims: Any,
    ) -> dict[str, str]:
        """The environment a GitLab CI/CD job with an ``id_tokens:`` entry gets: the ID
        token itself in *id_token_variable* (``CRATES_IO_ID_TOKEN``, the name crates.io's
        docs give it), signed by this registry's fake GitLab (issuer ``<url>/_gitlab``)
        for this registry's audience, and GitLab's predefined variables (``CI_SERVER_URL``,
        ``CI_PROJECT_PATH``, ``CI_PROJECT_NAMESPACE_ID``, ``CI_COMMIT_SHA``,
        ``CI_COMMIT_BRANCH`` or ``CI_COMMIT_TAG``, ``CI_JOB_ID``, ``CI_ENVIRONMENT_NAME``,
        …). *ref* is a full ref (``refs/tags/v1.0.0``) or a branch name. The token carries
        GitLab's claims (``project_path``, ``namespace_id``, ``ci_config_ref_uri``,
        ``environment``, ``job_id``, ``sha``, ``sub``, …); *claims* override them (say
        ``namespace_id="1"``, ``aud="crates.io"``, or ``exp=<a past time>``). GitLab mints
        the token when the job starts, so each call is a new job with a new token, which
        an exchange takes once."""
        return self._running().publishing.gitlab_ci_env(
            project,
            workflow_filepath,
            ref,
            environment,
            id_token_variable=id_token_variable,
            **claims,
        )
