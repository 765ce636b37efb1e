"""What a request is: its kind, the one name filters, faults, records and routes share."""

from __future__ import annotations

from enum import Enum

from ..errors import InvalidError, InvalidTypeError


class Kind(str, Enum):
    """The kind of a request, as the route table names it.

    A ``str`` enum: ``record.kind == "publish"`` holds, a kind formats and hashes as its
    name, and every API that takes a kind (``reg.fail``, matchers, filters) accepts either
    the member or its name. :meth:`parse` refuses an unknown name with the list of valid
    ones.
    """

    CONFIG = "config"
    INDEX = "index"
    #: A ``.crate`` file fetched from the static path (``config.json``'s ``dl``).
    DOWNLOAD = "download"
    #: crates.io's ``/api/v1/crates/{name}/{version}/download``: a 302 to the file.
    DOWNLOAD_REDIRECT = "download_redirect"
    PUBLISH = "publish"
    YANK = "yank"
    UNYANK = "unyank"
    OWNERS = "owners"
    SEARCH = "search"
    ME = "me"
    CRATE = "crate"
    VERSIONS = "versions"
    VERSION = "version"
    UPDATE_VERSION = "update_version"
    UPDATE_CRATE = "update_crate"
    DELETE_CRATE = "delete_crate"
    REBUILD_DOCS = "rebuild_docs"
    DEPENDENCIES = "dependencies"
    README = "readme"
    CRATE_DOWNLOADS = "crate_downloads"
    REVERSE_DEPENDENCIES = "reverse_dependencies"
    OWNER_USER = "owner_user"
    OWNER_TEAM = "owner_team"
    USER = "user"
    TEAM = "team"
    FOLLOW = "follow"
    UPDATES = "updates"
    ACCOUNT = "account"
    TOKENS = "tokens"
    INVITATIONS = "invitations"
    SUMMARY = "summary"
    AUTHORS = "authors"
    SITE_METADATA = "site_metadata"
    CATEGORIES = "categories"
    KEYWORDS = "keywords"
    TRUSTED_PUBLISHING = "trusted_publishing"
    TRUSTPUB_CONFIG = "trustpub_config"
    OIDC = "oidc"
    GIT = "git"
    OTHER = "other"
    #: The control API (``/__fakereg/…``): never recorded nor faulted.
    CONTROL = "control"
    #: The web page (``/``, ``/crates/…``, ``/traffic``…): never recorded nor faulted.
    PAGE = "page"

    # A kind is its name wherever a str would be (Enum would hash and print the member).
    __hash__ = str.__hash__

    def __str__(self) -> str:
        return self.value

    def __format__(self, format_spec: str) -> str:
        return self.value.__format__(format_spec)

    def __repr__(self) -> str:
        # As the name it stands for: messages and reprs read ``kind='publish'``.
        return repr(self.value)

    @property
    def recorded(self) -> bool:
        """False for the control API and the page: they are not the tool's traffic."""
        return self not in _UNRECORDED

    @classmethod
    def parse(cls, value: str | Kind) -> Kind:
        """The kind named *value* (a member passes); ValueError listing the kinds a
        request can be recorded with when there is no such kind."""
        if isinstance(value, Kind):
            return value
        if not isinstance(value, str):
            raise InvalidTypeError(f"a kind is a string, not {value!r}")
        try:
            return cls(value)
        except ValueError:
            raise InvalidError(
                f"unknown kind {value!r}: choose one of {', '.join(RECORDED_KINDS)}"
            ) from None


_UNRECORDED = frozenset({Kind.CONTROL, Kind.PAGE})

#: The names of the kinds a recorded request can have, in the route table's order.
RECORDED_KINDS: tuple[str, ...] = tuple(k.value for k in Kind if k.recorded)
